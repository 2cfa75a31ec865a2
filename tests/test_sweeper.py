"""The sweeper on the real database: every step exactly once, even with several sweepers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lapor import workflow
from lapor.extensions import db
from lapor.models import Escalation, Report
from lapor.sla.sweeper import sweep
from lapor.workflow import CITIZEN, SYSTEM
from tests import factories as f

TUESDAY_10 = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # disposition due (1 HK after Mon 10:00 WIB)


def _steps(report_id=None):
    query = select(Escalation.clock, Escalation.level)
    if report_id is not None:
        query = query.where(Escalation.report_id == report_id)
    return sorted(db.session.execute(query).all())


def test_intervention_when_the_disposition_deadline_passes_and_only_once(ctx, demo):
    report = f.report("received")
    db.session.commit()
    assert report.next_due_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # warning, Tue 08:00 WIB
    sweep(TUESDAY_10 - timedelta(minutes=1))
    assert _steps(report.id) == [("disposition", "warning")]
    sweep(TUESDAY_10)
    sweep(TUESDAY_10)
    assert _steps(report.id) == [("disposition", "intervention"), ("disposition", "warning")]
    kinds = [e.kind for e in report.events]
    assert kinds.count("escalated") == 2
    assert report.next_due_at > TUESDAY_10


def test_reprimand_one_working_day_after_an_unanswered_intervention(ctx, demo):
    report = f.report("received")
    db.session.commit()
    sweep(TUESDAY_10)
    sweep(TUESDAY_10 + timedelta(hours=23))
    assert ("disposition", "reprimand") not in _steps(report.id)
    sweep(TUESDAY_10 + timedelta(days=1))
    assert ("disposition", "reprimand") in _steps(report.id)


def test_disposition_in_time_means_no_disposition_escalation(ctx, demo):
    report = f.report("received")
    workflow.dispose(report, SYSTEM, f.NOW, f.agency("TANGKAB"))
    db.session.commit()
    sweep(TUESDAY_10 + timedelta(hours=22))  # Wed 08:00 WIB, the follow-up's last working day
    assert _steps(report.id) == [("followup", "warning")]


def test_resolved_report_closes_itself_after_ten_working_days(ctx, demo):
    report = f.report("disposed")
    workflow.follow_up(report, f.staff("tangkab"), f.NOW, "Sudah diperbaiki.", final=True)
    db.session.commit()
    sweep(f.NOW + timedelta(days=13))
    assert report.state == "resolved"
    sweep(f.NOW + timedelta(days=14, hours=1))  # Mon 16 Mar 10:00 WIB + : 10 HK later
    assert report.state == "closed"
    assert report.events[-1].kind == "auto_closed"


def test_waiting_for_the_reporter_moves_the_follow_up_deadline_by_the_working_time_waited(ctx, demo):
    report = f.report("disposed")
    tangkab = f.staff("tangkab")
    before = report.followup_due_at
    asked = f.NOW + timedelta(hours=1)  # Mon 11:00 WIB
    workflow.request_info(report, tangkab, asked, "Mohon kirim foto.")
    assert report.next_due_at is None or report.next_due_at > before  # follow-up ladder paused
    answered = asked + timedelta(days=1, hours=2)  # Tue 13:00 WIB: 10 working hours later
    workflow.reporter_reply(report, CITIZEN, answered, "Ini fotonya.")
    assert report.paused_seconds == 10 * 3600
    # Wed 4 Mar 10:00 WIB + 10 working hours = Thu 5 Mar 12:00 WIB
    assert report.followup_due_at == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
    assert before == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)


def test_manual_intervention_by_a_supervising_coordinator_only(client, demo, token, run_worker):
    from tests.test_api_reports import submit

    created = submit(client)
    run_worker()
    url = f"/api/v1/reports/{created['tracking_id']}/escalations"
    body = {"level": "intervention", "note": "Mohon segera ditindaklanjuti."}
    assert client.post(url, json=body, headers=token("banten")).status_code == 201
    assert client.post(url, json=body, headers=token("banten")).status_code == 201
    assert client.post(url, json=body, headers=token("tangkab")).status_code == 403
    assert client.post(url, json=body, headers=token("kemenhub")).status_code == 404
    listed = client.get(url, headers=token("ombudsman")).get_json()
    assert [(e["level"], e["manual"], e["note"]) for e in listed] == [
        ("intervention", True, "Mohon segera ditindaklanjuti."),
    ] * 2


def test_four_sweepers_at_once_take_every_step_exactly_once(app, demo):
    if app.config["LAPOR"].database_url.startswith("sqlite"):
        pytest.skip("concurrent sweepers need PostgreSQL's FOR UPDATE SKIP LOCKED")
    with app.app_context():
        for n in range(120):
            f.report("received", title=f"Laporan nomor {n}")
        db.session.commit()
    later = TUESDAY_10 + timedelta(days=1, hours=1)  # warning, intervention and reprimand due
    errors = []

    def sweeper():
        try:
            with app.app_context():
                for moment in (TUESDAY_10, later, later):
                    sweep(moment, batch=10)
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        counts = Counter(
            db.session.execute(
                select(Escalation.report_id, Escalation.clock, Escalation.level)
            ).all()
        )
        assert set(counts.values()) == {1}
        per_report = db.session.execute(
            select(func.count()).select_from(Escalation).group_by(Escalation.report_id)
        ).scalars().all()
        # disposition warning/intervention/reprimand + follow-up warning/intervention
        assert per_report == [5] * 120
        events = db.session.scalar(
            select(func.count()).select_from(Report).where(Report.next_due_at <= later)
        )
        assert events == 0


def test_an_escalation_is_undone_with_the_rest_of_its_transaction(ctx, demo):
    # A step is written with INSERT ... ON CONFLICT DO NOTHING, not in a savepoint: under
    # SQLite's driver a savepoint opened before any write committed on release, so a step
    # could outlive the transaction (event, deadlines) it belongs to.
    report_id = f.report("received").id
    db.session.commit()
    db.session.close()
    report = db.session.get(Report, report_id)  # a fresh transaction that has only read
    assert workflow.escalate(report, SYSTEM, TUESDAY_10, "disposition", "warning") is not None
    assert workflow.escalate(report, SYSTEM, TUESDAY_10, "disposition", "warning") is None  # once
    db.session.rollback()
    assert _steps(report_id) == []
    assert workflow.escalate(report, SYSTEM, TUESDAY_10, "disposition", "warning") is not None
    db.session.commit()
    assert _steps(report_id) == [("disposition", "warning")]
    assert [e.kind for e in report.events].count("escalated") == 1
