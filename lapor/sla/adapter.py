"""Thin adapter from the database to the pure calendar and deadline code."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, or_, select

from lapor.extensions import db
from lapor.models import Agency, CalendarDay, OutboxItem, Report, SlaPolicy
from lapor.sla import deadlines, escalation
from lapor.sla.calendar import DEFAULT_HOURS, WorkCalendar

NATIONAL_TIMEZONE = "Asia/Jakarta"


RECOMPUTE_TOPIC = "recompute_deadlines"


class _Settings:
    """Policies and built calendars as of one change of calendars and policies (``generation``),
    shared by every session of one app."""

    __slots__ = ("generation", "policies", "calendars")

    def __init__(self, generation: tuple, policies: dict[str, deadlines.Policy]):
        self.generation = generation
        self.policies = policies
        self.calendars: dict[tuple, WorkCalendar] = {}


def _settings() -> _Settings:
    """This app's calendars and policies, checked against the database once per session.

    Every change of a calendar day or a policy queues the recompute of open deadlines in its
    own transaction (an outbox item of ``RECOMPUTE_TOPIC``), so the newest such item tells
    whether anything changed: one indexed query per session instead of reading the days and
    policies again. Contents read after that query can only be newer than its answer, so a
    later session sees a newer item and reloads; never the other way round. The number of
    policies counts too: the seed adds them to an empty database without any recompute.
    """
    settings = db.session.info.get("lapor_sla")
    if settings is None:
        generation = tuple(db.session.execute(select(
            select(func.max(OutboxItem.id)).where(OutboxItem.topic == RECOMPUTE_TOPIC).scalar_subquery(),
            select(func.count()).select_from(SlaPolicy).scalar_subquery(),
        )).one())
        shared = current_app.extensions.get("lapor-sla")
        if shared is None or shared.generation != generation:
            rows = db.session.scalars(select(SlaPolicy)).all()
            shared = _Settings(generation, {
                row.code: deadlines.Policy(row.code, row.disposition_days, row.followup_days)
                for row in rows
            })
            current_app.extensions["lapor-sla"] = shared
        settings = db.session.info["lapor_sla"] = shared
    return settings


def calendar_for(agency: Agency | None) -> WorkCalendar:
    """The working calendar of an agency (or the national one), with admins' days applied.

    National days apply everywhere; an agency's own days and its parents' apply
    to it and its units. Built once per app and change of the calendars (``_settings``).
    """
    calendars = _settings().calendars
    key = None if agency is None else (agency.id, agency.timezone, agency.office_open, agency.office_close)
    calendar = calendars.get(key)
    if calendar is None:
        calendar = calendars[key] = _build_calendar(agency)
    return calendar


def calendar_for_due(agency: Agency | None, timezone: str | None) -> WorkCalendar:
    """The calendar ``lapor sla due`` and ``GET /api/v1/sla/due`` count in: the agency's,
    or else national days with default office hours in ``timezone`` (WIB by default).
    Raises ValueError for an unknown zone."""
    if agency is not None:
        return calendar_for(agency)
    return WorkCalendar(timezone=timezone or NATIONAL_TIMEZONE)


def _build_calendar(agency: Agency | None) -> WorkCalendar:
    owners = [None]
    node = agency
    while node is not None:
        owners.append(node.id)
        node = node.parent
    days = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.agency_id).where(
            or_(CalendarDay.agency_id.is_(None), CalendarDay.agency_id.in_(owners[1:]))
        )
    ).all()
    closures = frozenset(d for d, kind, _ in days if kind == "closure")
    extra = frozenset(d for d, kind, _ in days if kind == "working") - closures
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
    """Make this session check again for changed calendars and policies (after admins change
    them, the change's recompute calls this)."""
    db.session.info.pop("lapor_sla", None)


def policy_for(code: str) -> deadlines.Policy:
    """The policy by code, falling back to the special mechanism."""
    policies = _settings().policies
    return policies.get(code) or policies.get("khusus") or deadlines.Policy("khusus", 1, 2)


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
    # Calendars and policies live in other tables: reading them need not flush the report
    # first, so a new report is inserted once, deadlines included.
    with db.session.no_autoflush:
        calendar = calendar_for(report.agency)
        due = deadlines.compute(
            report.received_at, report.paused_seconds or 0, policy_for(report.policy_code), calendar
        )
        report.disposition_due_at = due.disposition_due_at
        report.followup_due_at = due.followup_due_at
        report.next_due_at = escalation.next_due(snapshot(report), steps_done(report), calendar)
