"""Agency scorecards for a period: the numbers coordinators hold agencies to."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from lapor.extensions import db
from lapor.models import Agency, Escalation, Report
from lapor.sla.adapter import calendar_for


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def scorecards(agencies: list[Agency], start: datetime, end: datetime, now: datetime) -> list[dict]:
    """One scorecard per agency for reports received in [start, end); `overdue_now` as of `now`."""
    ids = [a.id for a in agencies]
    in_period = and_(Report.agency_id.in_(ids), Report.received_at >= start, Report.received_at < end)
    totals = {
        row.agency_id: row
        for row in db.session.execute(
            select(
                Report.agency_id,
                func.count().label("received"),
                _count(Report.disposed_at <= Report.disposition_due_at).label("disposed_on_time"),
                _count(Report.followed_up_at <= Report.followup_due_at).label("followed_up_on_time"),
                func.avg(Report.rating).label("average_rating"),
            ).where(in_period).group_by(Report.agency_id)
        )
    }
    overdue = dict(db.session.execute(
        select(Report.agency_id, func.count()).where(
            Report.agency_id.in_(ids),
            or_(
                and_(Report.state == "received", Report.disposition_due_at < now),
                and_(Report.state.in_(("disposed", "in_progress")), Report.followed_up_at.is_(None),
                     Report.followup_due_at < now),
            ),
        ).group_by(Report.agency_id)
    ).all())
    escalations = {
        (agency_id, level): n
        for agency_id, level, n in db.session.execute(
            select(Escalation.agency_id, Escalation.level, func.count()).where(
                Escalation.agency_id.in_(ids), Escalation.at >= start, Escalation.at < end
            ).group_by(Escalation.agency_id, Escalation.level)
        )
    }
    hours = _followup_hours(agencies, in_period)
    cards = []
    for agency in agencies:
        row = totals.get(agency.id)
        cards.append({
            "agency": agency.code,
            "name": agency.name,
            "received": row.received if row else 0,
            "disposed_on_time": int(row.disposed_on_time or 0) if row else 0,
            "followed_up_on_time": int(row.followed_up_on_time or 0) if row else 0,
            "overdue_now": overdue.get(agency.id, 0),
            "interventions": escalations.get((agency.id, "intervention"), 0),
            "reprimands": escalations.get((agency.id, "reprimand"), 0),
            "median_followup_working_hours": (
                round(statistics.median(hours[agency.id]), 2) if hours.get(agency.id) else None
            ),
            "average_rating": round(float(row.average_rating), 2) if row and row.average_rating else None,
        })
    return cards


def _followup_hours(agencies: list[Agency], in_period) -> dict[int, list[float]]:
    """Working hours from receipt to first follow-up, per agency, in that agency's calendar."""
    by_id = {a.id: a for a in agencies}
    hours: dict[int, list[float]] = {}
    rows = db.session.execute(
        select(Report.agency_id, Report.received_at, Report.followed_up_at)
        .where(in_period, Report.followed_up_at.is_not(None))
    )
    for agency_id, received, followed in rows:
        worked = calendar_for(by_id[agency_id]).working_time_between(received, followed)
        hours.setdefault(agency_id, []).append(worked.total_seconds() / 3600)
    return hours
