"""Deadline arithmetic for one report: pure, given a calendar and a policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lapor.sla.calendar import WorkCalendar


@dataclass(frozen=True)
class Policy:
    code: str
    disposition_days: float
    followup_days: float
    extended_followup_days: float | None = None  # the follow-up clock once extended, if it may be


@dataclass(frozen=True)
class Deadlines:
    disposition_due_at: datetime
    followup_due_at: datetime


def compute(received_at: datetime, paused_seconds: int, policy: Policy, calendar: WorkCalendar,
            extended: bool = False) -> Deadlines:
    """Both clocks run from receipt; time spent waiting for the reporter moves the follow-up one,
    and so does the policy's extension, once taken."""
    disposition = calendar.add_working_days(received_at, policy.disposition_days)
    days = policy.followup_days
    if extended and policy.extended_followup_days:
        days = max(days, policy.extended_followup_days)
    followup = calendar.add_working_days(received_at, days)
    if paused_seconds:
        followup = calendar.add_working_time(followup, timedelta(seconds=paused_seconds))
    return Deadlines(disposition, followup)


def paused_working_seconds(calendar: WorkCalendar, paused_at: datetime, now: datetime) -> int:
    """Working time spent waiting, in whole seconds."""
    return int(calendar.working_time_between(paused_at, now).total_seconds())
