"""A report's running deadline as staff read it: working time left or overdue, in its calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lapor.i18n import gettext
from lapor.models import Report
from lapor.sla.adapter import calendar_for

FOLLOWUP_STATES = ("disposed", "in_progress")


@dataclass(frozen=True)
class Deadline:
    clock: str  # disposition, followup
    due_at: datetime | None
    text: str
    tone: str  # ok, warn (a warning is due or was given), late, paused


def current_clock(report: Report) -> tuple[str, datetime | None] | None:
    """The clock that runs now and its deadline; None when no deadline is running. The database
    keeps the same deadline as `Report.current_due_at` (``models.report.CURRENT_DUE_SQL``)."""
    if report.state == "received":
        return "disposition", report.disposition_due_at
    if report.followed_up_at is None and report.state in FOLLOWUP_STATES:
        return "followup", report.followup_due_at
    if report.followed_up_at is None and report.state == "waiting_reporter":
        return "paused", None
    return None


def remaining(report: Report, now: datetime) -> Deadline | None:
    """`sisa 5 jam kerja`, `terlambat 1 hari kerja` or the paused clock; None without a deadline."""
    clock = current_clock(report)
    if clock is None:
        return None
    name, due = clock
    if name == "paused":
        return Deadline("followup", None, gettext("desk.due.paused"), "paused")
    if due is None:
        return None
    calendar = calendar_for(report.agency)
    if now >= due:
        late = calendar.working_time_between(due, now)
        words = gettext("desk.due.late", amount=spell(late, calendar.day_length))
        return Deadline(name, due, words, "late")
    warned = any(e.clock == name and e.level == "warning" for e in report.escalations)
    tone = "warn" if warned or now >= calendar.start_of_last_working_day(due) else "ok"
    left = calendar.working_time_between(now, due)
    words = gettext("desk.due.left", amount=spell(left, calendar.day_length))
    return Deadline(name, due, words, tone)


def spell(amount: timedelta, day: timedelta | None = None) -> str:
    """`1 hari kerja 3 jam` when `day` (one HK) is given, else wall time: `2 hari 3 jam`."""
    minutes = int(amount.total_seconds() // 60)
    unit = "desk.wunit." if day else "desk.unit."
    days, rest = divmod(minutes, int((day or timedelta(days=1)).total_seconds() // 60))
    hours, minutes = divmod(rest, 60)
    if days:
        text = _unit(unit, "day", days)
        return f"{text} {_unit('desk.unit.', 'hour', hours)}" if hours else text
    if hours:
        return _unit(unit, "hour", hours)
    if minutes:
        return _unit(unit, "minute", minutes)
    return gettext("desk.unit.none")


def _unit(prefix: str, name: str, n: int) -> str:
    return gettext(f"{prefix}{name}{'' if n == 1 else 's'}", n=n)
