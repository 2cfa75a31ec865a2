"""Deadline arithmetic for one report: pure, given a calendar and a policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lapor.sla.calendar import WorkCalendar

AUTO_CLOSE_DAYS = 10


@dataclass(frozen=True)
class Policy:
    code: str
    disposition_days: float
    followup_days: float


@dataclass(frozen=True)
class ClockState:
    """What the deadlines depend on, read off a report."""

    state: str
    received_at: datetime
    paused_at: datetime | None = None
    paused_seconds: int = 0
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Deadlines:
    disposition_due_at: datetime | None
    followup_due_at: datetime | None
    next_due_at: datetime | None


def compute(clock: ClockState, policy: Policy, calendar: WorkCalendar) -> Deadlines:
    """Both deadlines run from receipt; waiting for the reporter moves the follow-up one."""
    disposition = calendar.add_working_days(clock.received_at, policy.disposition_days)
    followup = calendar.add_working_days(clock.received_at, policy.followup_days)
    if clock.paused_seconds:
        followup = calendar.add_working_time(followup, timedelta(seconds=clock.paused_seconds))
    return Deadlines(disposition, followup, _next_due(clock, disposition, followup, calendar))


def _next_due(clock: ClockState, disposition, followup, calendar: WorkCalendar):
    if clock.state == "received":
        return disposition
    if clock.state in ("disposed", "in_progress"):
        return followup
    if clock.state == "resolved" and clock.resolved_at is not None:
        return calendar.add_working_days(clock.resolved_at, AUTO_CLOSE_DAYS)
    # waiting_reporter: the clock is paused; closed and archived: nothing is due.
    return None


def paused_working_seconds(calendar: WorkCalendar, paused_at: datetime, now: datetime) -> int:
    """Working time spent waiting, in whole seconds."""
    return int(calendar.working_time_between(paused_at, now).total_seconds())
