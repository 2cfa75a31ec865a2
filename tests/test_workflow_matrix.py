"""Every workflow action, for every kind of actor, from every state."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lapor import workflow
from lapor.extensions import db
from lapor.models import STATES, ReportEvent
from lapor.workflow import CITIZEN, SYSTEM, NotAllowed, NotFound, StateConflict
from tests import factories as f

ACTORS = ("citizen", "dispatcher", "agency_admin", "coordinator", "sysadmin", "system")
WORKING = "disposed in_progress"

# The product's table (DESIGN §2): who may do what, from which states, and where it leads.
# "=" as a result means the state does not change.
EXPECTED = {
    "dispose": ("dispatcher sysadmin system", "received", "disposed"),
    "triage": ("system", "received", "="),
    "redispose": ("dispatcher sysadmin agency_admin", WORKING, "disposed"),
    "return": ("agency_admin", WORKING, "received"),
    "follow_up": ("agency_admin", WORKING + " waiting_reporter", "in_progress"),
    "resolve": ("agency_admin", WORKING + " waiting_reporter", "resolved"),
    "request_info": ("agency_admin", WORKING, "waiting_reporter"),
    "extend": ("agency_admin", WORKING + " waiting_reporter", "="),
    "reporter_reply": ("citizen", "received " + WORKING + " waiting_reporter", "in_progress if waiting"),
    "confirm": ("citizen", "resolved", "closed"),
    "reopen": ("citizen", "resolved", "in_progress"),
    "rate": ("citizen", "closed", "="),
    "archive": ("dispatcher sysadmin", "received", "archived"),
    "set_flags": ("dispatcher sysadmin", " ".join(STATES), "="),
    "auto_close": ("system", "resolved", "closed"),
    "escalate": ("system coordinator", "received " + WORKING + " waiting_reporter resolved", "="),
}


def _call(action: str, report, actor):
    now = f.NOW
    calls = {
        "dispose": lambda: workflow.dispose(report, actor, now, f.agency("TANGKAB")),
        "triage": lambda: workflow.triage(report, actor, now),
        "redispose": lambda: workflow.redispose(
            report, actor, now, f.agency("DPUPRTANGKAB" if actor.who == "agency_admin" else "KEMENHUB")
        ),
        "return": lambda: workflow.return_report(report, actor, now, "bukan wewenang kabupaten"),
        "follow_up": lambda: workflow.follow_up(report, actor, now, "Tim sudah meninjau lokasi."),
        "resolve": lambda: workflow.follow_up(report, actor, now, "Jalan sudah ditambal.", final=True),
        "request_info": lambda: workflow.request_info(report, actor, now, "Mohon kirim foto lokasi."),
        "extend": lambda: (setattr(report, "policy_code", "informasi"),
                           workflow.extend_followup(report, actor, now, "Data ada di arsip kecamatan.")),
        "reporter_reply": lambda: workflow.reporter_reply(report, actor, now, "Foto terlampir."),
        "confirm": lambda: workflow.confirm(report, actor, now, True),
        "reopen": lambda: workflow.confirm(report, actor, now, False, comment="Masih rusak."),
        "rate": lambda: workflow.rate(report, actor, now, 5),
        "archive": lambda: workflow.archive(report, actor, now, "spam"),
        "set_flags": lambda: workflow.set_flags(report, actor, now, confidential=True),
        "auto_close": lambda: workflow.auto_close(report, actor, now),
        "escalate": lambda: workflow.escalate(
            report, actor, now, "followup", "intervention", note="Segera tindak lanjuti."
        ),
    }
    calls[action]()


def _actor(kind: str):
    if kind == "citizen":
        return CITIZEN
    if kind == "system":
        return SYSTEM
    return f.staff({"dispatcher": "dispatcher", "agency_admin": "tangkab",
                    "coordinator": "banten", "sysadmin": "admin"}[kind])


def _expected_state(result: str, before: str) -> str:
    if result == "=":
        return before
    if result == "in_progress if waiting":
        return "in_progress" if before == "waiting_reporter" else before
    return result


def test_the_table_names_every_workflow_action():
    assert set(EXPECTED) == set(workflow.TRANSITIONS)


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_action_is_allowed_exactly_where_the_table_says(ctx, demo, action):
    allowed_actors, from_states, result = EXPECTED[action]
    wrong = []
    for kind in ACTORS:
        for state in STATES:
            actor = _actor(kind)
            report = f.report(state)
            events_before = len(report.events)
            try:
                _call(action, report, actor)
            except NotAllowed:
                outcome = "forbidden"
            except StateConflict:
                outcome = "conflict"
            except NotFound:
                outcome = "hidden"
            else:
                outcome = report.state
            if kind not in allowed_actors.split():
                expected = "forbidden"
            elif state not in from_states.split():
                expected = "conflict"
            elif kind == "coordinator" and state == "received":
                expected = "hidden"  # a report in triage is no supervised agency's yet
            else:
                expected = _expected_state(result, state)
            if outcome != expected:
                wrong.append(f"{kind} from {state}: got {outcome}, expected {expected}")
            elif outcome not in ("forbidden", "conflict", "hidden") and len(report.events) <= events_before:
                wrong.append(f"{kind} from {state}: no event recorded")
            db.session.rollback()
    assert not wrong, "\n".join(wrong)


def test_the_database_refuses_to_change_an_event_even_past_the_models(ctx, demo):
    report = f.report("received")
    db.session.commit()
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(update(ReportEvent).values(message="rewritten history"))
    db.session.rollback()
    assert db.session.scalars(select(ReportEvent.message).where(ReportEvent.report_id == report.id)).all() == [None]


def test_report_events_cannot_be_changed_or_deleted(ctx, demo):
    report = f.report("received")
    db.session.commit()
    event = report.events[0]
    event.message = "rewritten history"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(report.events[0])
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert [e.message for e in report.events] == [None]
