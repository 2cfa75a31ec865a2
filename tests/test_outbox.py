"""Intake keeps working while Redis is down, and the relay loses nothing and repeats nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from lapor.app import create_app
from lapor.clock import utcnow
from lapor.extensions import db, redis_ext
from lapor.models import OutboxItem, Report
from lapor.queue import get_queue, outbox_job_id, relay_outbox
from tests.test_api_reports import REPORT

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _app_without_redis(app):
    settings = replace(app.config["LAPOR"], redis_url=DEAD_REDIS)
    return create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)


def test_intake_answers_201_while_redis_is_down_and_is_routed_when_it_returns(app, demo, run_worker):
    down = _app_without_redis(app).test_client()
    tracking_ids = []
    for n in range(5):
        response = down.post("/api/v1/reports", json={**REPORT, "title": f"Jalan rusak nomor {n}"})
        assert response.status_code == 201
        tracking_ids.append(response.get_json()["tracking_id"])
    with app.app_context():
        assert len(get_queue()) == 0
        assert relay_outbox(utcnow()) == 5
    run_worker()
    with app.app_context():
        reports = db.session.scalars(select(Report).order_by(Report.id)).all()
        assert [r.tracking_id for r in reports] == tracking_ids
        assert {r.state for r in reports} == {"disposed"}
        assert all([e.kind for e in r.events] == ["submitted", "disposed"] for r in reports)
        assert db.session.scalars(select(OutboxItem).where(OutboxItem.processed_at.is_(None))).all() == []


def test_relay_does_not_enqueue_work_already_waiting_in_the_queue(client, app, demo):
    client.post("/api/v1/reports", json=REPORT)
    with app.app_context():
        queue = get_queue()
        item = db.session.scalars(select(OutboxItem)).one()
        assert queue.job_ids == [outbox_job_id(item.id)]
        assert relay_outbox(utcnow()) == 0
        assert queue.job_ids == [outbox_job_id(item.id)]


def test_relay_leaves_fresh_work_to_the_request_that_queued_it(app, demo):
    down = _app_without_redis(app).test_client()
    assert down.post("/api/v1/reports", json=REPORT).status_code == 201
    with app.app_context():
        assert relay_outbox(utcnow(), older_than=timedelta(minutes=5)) == 0
        assert relay_outbox(utcnow() + timedelta(minutes=6), older_than=timedelta(minutes=5)) == 1


def test_relay_puts_each_item_back_on_its_own_queue(ctx, demo):
    old = utcnow() - timedelta(minutes=10)
    items = [OutboxItem(topic=topic, payload={}, created_at=old)
             for topic in ("route_report", "send_sms", "send_email", "notify")]
    db.session.add_all(items)
    db.session.commit()
    redis_ext.client().flushdb()  # Redis lost what was queued (restarted without its data)
    assert relay_outbox(utcnow()) == 4
    route, sms, email, notify = (outbox_job_id(item.id) for item in items)
    assert get_queue().job_ids == [route, notify]
    assert get_queue("send_sms").job_ids == get_queue("send_email").job_ids == [sms, email]
    assert relay_outbox(utcnow()) == 0  # all four are waiting in their queues


def test_healthz_names_what_is_down(app, client):
    assert client.get("/healthz").get_json() == {"database": "ok", "redis": "ok"}
    response = _app_without_redis(app).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "redis": "down"}


def test_every_failed_attempt_is_counted_on_the_item(ctx, demo):
    from workers.jobs import process_outbox

    item = OutboxItem(topic="route_report", payload={}, created_at=utcnow())  # no report id
    db.session.add(item)
    db.session.commit()
    item_id = item.id
    for attempt in (1, 2):
        with pytest.raises(KeyError):
            process_outbox(item_id)
        item = db.session.get(OutboxItem, item_id)
        assert (item.attempts, item.last_error, item.processed_at) == (attempt, "KeyError: 'report_id'", None)
