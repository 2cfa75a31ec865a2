"""Thin adapter from the database to the pure calendar and deadline code."""

from __future__ import annotations

from lapor.extensions import db
from lapor.models import Agency, Report, SlaPolicy
from lapor.sla import deadlines
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


def refresh_deadlines(report: Report) -> None:
    """Recompute a report's deadlines from its clock state, policy and agency calendar."""
    clock = deadlines.ClockState(
        state=report.state,
        received_at=report.received_at,
        paused_at=report.paused_at,
        paused_seconds=report.paused_seconds or 0,
        resolved_at=report.resolved_at,
    )
    due = deadlines.compute(clock, policy_for(report.policy_code), calendar_for(report.agency))
    report.disposition_due_at = due.disposition_due_at
    report.followup_due_at = due.followup_due_at
    report.next_due_at = due.next_due_at
