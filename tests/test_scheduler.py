"""The scheduler: one at a time, periodic jobs enqueued without duplicates, escalation end to end."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue
from sqlalchemy import select

from lapor.clock import utcnow
from lapor.extensions import db, redis_ext
from lapor.models import Escalation
from tests import factories as f
from workers.schedule import PERIODIC, enqueue_due, hold_lease, run_scheduler


def test_only_one_scheduler_holds_the_lease(app):
    with app.app_context():
        connection = redis_ext.client()
        assert hold_lease(connection, "first")
        assert not hold_lease(connection, "second")
        assert hold_lease(connection, "first")  # renewal


def test_periodic_jobs_are_not_enqueued_twice_while_waiting(app):
    with app.app_context():
        queue = Queue(app.config["LAPOR"].queue_name, connection=redis_ext.client())
        first = enqueue_due(queue, {}, clock=100.0)
        assert sorted(first) == sorted(job.func for job in PERIODIC)
        assert enqueue_due(queue, {}, clock=200.0) == []  # still queued: not again
        assert len(queue) == len(PERIODIC)


def test_a_passed_deadline_becomes_an_intervention_through_scheduler_and_worker(app, demo, run_worker):
    with app.app_context():
        report = f.report("disposed", now=utcnow() - timedelta(days=30))
        db.session.commit()
        report_id = report.id
    run_scheduler(app, once=True)
    run_worker()
    with app.app_context():
        steps = db.session.execute(
            select(Escalation.clock, Escalation.level).where(Escalation.report_id == report_id)
        ).all()
    assert ("followup", "intervention") in steps
    assert ("followup", "reprimand") not in steps  # one HK after the intervention, not yet
