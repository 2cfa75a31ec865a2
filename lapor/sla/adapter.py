"""Thin adapter from the database to the pure calendar and deadline code."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import or_, select

from lapor.extensions import db
from lapor.models import Agency, CalendarDay, Report, SlaPolicy, lineage
from lapor.sla import deadlines, escalation
from lapor.sla.calendar import DEFAULT_HOURS, WorkCalendar

NATIONAL_TIMEZONE = "Asia/Jakarta"
# The policies of DESIGN §4 (code, name, disposition HK, follow-up HK, extended follow-up HK,
# source): every installation has them, so reports and rules can name them from the start.
STANDARD_POLICIES = [
    ("khusus", "Mekanisme khusus", 1, 2, None, "Disposisi 1 HK, tindak lanjut 2 HK sejak diterima"),
    ("reguler", "Reguler LAPOR!", 3, 5, None, "Praktik umum SP4N-LAPOR!"),
    ("pengawasan", "Pengaduan pengawasan", 3, 14, 60, "Tingkatan pengaduan; 60 HK dengan pemeriksaan lapangan"),
    ("informasi", "Permintaan informasi publik", 3, 10, 17, "UU 14/2008: 10 HK, satu perpanjangan 7 HK"),
]


def ensure_standard_policies() -> list[SlaPolicy]:
    """Add the standard policies a database lacks (in the caller's transaction) and return them;
    an admin's changes to one that exists are kept."""
    added = []
    for code, name, disposition, followup, extended, source in STANDARD_POLICIES:
        if db.session.get(SlaPolicy, code) is None:
            added.append(SlaPolicy(
                code=code, name=name, disposition_days=disposition, followup_days=followup,
                extended_followup_days=extended, source=source,
            ))
            db.session.add(added[-1])
    return added


def calendar_for(agency: Agency | None) -> WorkCalendar:
    """The working calendar of an agency (or the national one), with admins' days applied.

    National days apply everywhere; an agency's own days and its parents' apply
    to it and its units. Built once per session and agency.
    """
    cache = db.session.info.setdefault("lapor_calendars", {})
    key = agency.id if agency is not None else None
    if key not in cache:
        cache[key] = _build_calendar(agency)
    return cache[key]


def calendar_for_due(agency: Agency | None, timezone: str | None) -> WorkCalendar:
    """The calendar ``lapor sla due`` and ``GET /api/v1/sla/due`` count in: the agency's,
    or else national days with default office hours in ``timezone`` (WIB by default).
    Raises ValueError for an unknown zone."""
    if agency is not None:
        return calendar_for(agency)
    return WorkCalendar(timezone=timezone or NATIONAL_TIMEZONE)


def _build_calendar(agency: Agency | None) -> WorkCalendar:
    applies = CalendarDay.agency_id.is_(None)  # national days, and the agency's and its parents'
    if agency is not None:
        applies = or_(applies, CalendarDay.agency_id.in_(lineage(agency.id)))
    days = db.session.execute(select(CalendarDay.day, CalendarDay.kind).where(applies)).all()
    closures = frozenset(d for d, kind in days if kind == "closure")
    extra = frozenset(d for d, kind in days if kind == "working") - closures
    if agency is None:
        return _shared_calendar(NATIONAL_TIMEZONE, None, closures, extra)
    hours = (agency.office_open, agency.office_close)
    return _shared_calendar(agency.timezone, hours, closures, extra)


@lru_cache(maxsize=512)
def _shared_calendar(timezone, hours, closures, extra) -> WorkCalendar:
    """One calendar per distinct setting in this process, so its worked-out days are reused."""
    week = {day: hours for day in DEFAULT_HOURS} if hours else dict(DEFAULT_HOURS)
    return WorkCalendar(timezone=timezone, hours=week, closures=closures, extra_days=extra)


def forget_calendars() -> None:
    """Drop the session's cached calendars and policies after admins change them."""
    db.session.info.pop("lapor_calendars", None)
    db.session.info.pop("lapor_policies", None)


def _policies() -> dict[str, deadlines.Policy]:
    """Every SLA policy by code, read once per session."""
    cache = db.session.info.get("lapor_policies")
    if cache is None:
        rows = db.session.scalars(select(SlaPolicy)).all()
        cache = db.session.info["lapor_policies"] = {
            row.code: deadlines.Policy(row.code, row.disposition_days, row.followup_days,
                                       row.extended_followup_days)
            for row in rows
        }
    return cache


def is_policy(code: str) -> bool:
    """Whether an SLA policy of this code exists."""
    return code in _policies()


def policy_for(code: str) -> deadlines.Policy:
    """The policy by code (cached per session), falling back to the special mechanism."""
    cache = _policies()
    return cache.get(code) or cache.get("khusus") or deadlines.Policy("khusus", 1, 2)


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


def working_seconds(agency: Agency | None, start: datetime, end: datetime) -> int:
    """Office time between two instants in the agency's calendar, in whole seconds."""
    return int(calendar_for(agency).working_time_between(start, end).total_seconds())


def followup_working_seconds(report: Report) -> int | None:
    """Working seconds from receipt to the first follow-up, in the calendar of the report's agency
    (None before the first follow-up): stored on the report once it is followed up."""
    if report.followed_up_at is None:
        return None
    with db.session.no_autoflush:
        return working_seconds(report.agency, report.received_at, report.followed_up_at)


def refresh_deadlines(report: Report) -> None:
    """Recompute a report's deadlines and `next_due_at` from its clocks, policy and calendar."""
    # Calendars and policies live in other tables: reading them need not flush the report
    # first, so a new report is inserted once, deadlines included.
    with db.session.no_autoflush:
        calendar = calendar_for(report.agency)
        due = deadlines.compute(
            report.received_at, report.paused_seconds or 0, policy_for(report.policy_code), calendar,
            extended=report.followup_extended_at is not None,
        )
        report.disposition_due_at = due.disposition_due_at
        report.followup_due_at = due.followup_due_at
        report.next_due_at = escalation.next_due(snapshot(report), steps_done(report), calendar)
