"""The escalation ladder as a pure decision: which steps are due for a report, and when next.

Steps (DESIGN §4), each at most once per report, clock and level:
- warning at the start of the last working day before a deadline;
- intervention when the deadline passes unmet;
- reprimand 1 HK after the intervention if the clock is still unmet (time paused since then
  not counted);
- referral to oversight when a report is not closed 60 HK after receipt;
- closing a `resolved` report the reporter has not answered in 10 HK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lapor.sla.calendar import WorkCalendar

REPRIMAND_AFTER_DAYS = 1
OVERSIGHT_DAYS = 60
AUTO_CLOSE_DAYS = 10
FINISHED = ("closed", "archived")
LEVEL_ORDER = ("warning", "intervention", "reprimand", "referral", "auto_close")


@dataclass(frozen=True)
class Snapshot:
    """What the ladder needs to know about a report."""

    state: str
    received_at: datetime
    disposition_due_at: datetime | None
    followup_due_at: datetime | None
    followed_up: bool = False
    resolved_at: datetime | None = None


@dataclass(frozen=True, order=True)
class Step:
    at: datetime
    clock: str  # disposition, followup, oversight, closure
    level: str  # warning, intervention, reprimand, referral, auto_close


def pending_steps(
    report: Snapshot, done: Mapping[tuple[str, str], datetime], calendar: WorkCalendar
) -> list[Step]:
    """Every step not yet taken that can still happen, with the instant it falls due."""
    steps: list[Step] = []
    if _clock_running(report, "disposition"):
        steps += _ladder("disposition", report.disposition_due_at, done, calendar)
    if _clock_running(report, "followup"):
        steps += _ladder("followup", report.followup_due_at, done, calendar)
    if report.state not in FINISHED and ("oversight", "referral") not in done:
        steps.append(Step(calendar.add_working_days(report.received_at, OVERSIGHT_DAYS),
                          "oversight", "referral"))
    if report.state == "resolved" and report.resolved_at is not None:
        steps.append(Step(calendar.add_working_days(report.resolved_at, AUTO_CLOSE_DAYS),
                          "closure", "auto_close"))
    return sorted(steps, key=lambda s: (s.at, LEVEL_ORDER.index(s.level)))


def due_steps(report, done, calendar, now: datetime) -> list[Step]:
    """The steps to take now, oldest first."""
    return [step for step in pending_steps(report, done, calendar) if step.at <= now]


def next_due(report, done, calendar) -> datetime | None:
    """The next moment anything can happen to the report (its `next_due_at`)."""
    steps = pending_steps(report, done, calendar)
    return steps[0].at if steps else None


def _clock_running(report: Snapshot, clock: str) -> bool:
    if report.state in FINISHED or report.state == "resolved":
        return False
    if clock == "disposition":
        return report.state == "received" and report.disposition_due_at is not None
    # The follow-up clock stops at the first follow-up and pauses while waiting for the reporter.
    return (
        not report.followed_up
        and report.state != "waiting_reporter"
        and report.followup_due_at is not None
    )


def _ladder(clock, due, done, calendar) -> list[Step]:
    steps = []
    if (clock, "warning") not in done:
        steps.append(Step(calendar.start_of_last_working_day(due), clock, "warning"))
    if (clock, "intervention") not in done:
        steps.append(Step(due, clock, "intervention"))
    elif (clock, "reprimand") not in done:
        # 1 HK of the clock running after the intervention: a wait for the reporter since then
        # has moved the deadline by the time waited, and moves the reprimand as far.
        intervened = max(done[(clock, "intervention")], due)
        steps.append(Step(calendar.add_working_days(intervened, REPRIMAND_AFTER_DAYS),
                          clock, "reprimand"))
    return steps
