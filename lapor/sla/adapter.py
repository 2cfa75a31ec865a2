"""Thin adapter from the database to the pure calendar and deadline code."""

from __future__ import annotations

from datetime import datetime

from lapor.extensions import db
from lapor.models import Agency, Report, SlaPolicy
from lapor.sla import deadlines, escalation
from lapor.sla.calendar import DEFAULT_HOURS, WorkCalendar

NATIONAL_TIMEZONE = "Asia/Jakarta"


def calendar_for(agency: Agency | None) -> WorkCalendar:
    """The working calendar of an agency, or the national one when none holds the report."""
    if agency is None:
        return WorkCalendar(timezone=NATIONAL_TIMEZONE)
    hours = {day: (agency.office_open, agency.office_close) for day in DEFAULT_HOURS}
    return WorkCalendar(timezone=agency.timezone, hours=hours)


def policy_for(code: str) -> deadlines.Policy:
    row = db.session.get(SlaPolicy, code) or db.session.get(SlaPolicy, "khusus")
    if row is None:  # an empty database: fall back to the special mechanism
        return deadlines.Policy("khusus", 1, 2)
    return deadlines.Policy(row.code, row.disposition_days, row.followup_days)


def snapshot(report: Report) -> escalation.Snapshot:
    return escalation.Snapshot(
        state=report.state,
        received_at=report.received_at,
        disposition_due_at=report.disposition_due_at,
        followup_due_at=report.followup_due_at,
        followed_up=report.followed_up_at is not None,
        resolved_at=report.resolved_at,
    )


def steps_done(report: Report) -> dict[tuple[str, str], datetime]:
    """The automatic escalation steps already taken (manual ones do not count)."""
    return {(e.clock, e.level): e.at for e in report.escalations if not e.manual}


def refresh_deadlines(report: Report) -> None:
    """Recompute a report's deadlines and `next_due_at` from its clocks, policy and calendar."""
    calendar = calendar_for(report.agency)
    due = deadlines.compute(
        report.received_at, report.paused_seconds or 0, policy_for(report.policy_code), calendar
    )
    report.disposition_due_at = due.disposition_due_at
    report.followup_due_at = due.followup_due_at
    report.next_due_at = escalation.next_due(snapshot(report), steps_done(report), calendar)
