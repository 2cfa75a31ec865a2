"""Numbers for the dashboard, the recap and the public statistics: aggregates, never identities."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from lapor.extensions import db
from lapor.models import Agency, Report
from lapor.models.report import late_before_the_wait
from lapor.scorecard import Spans, count_if, decided, followup_medians, scorecards, within
from lapor.web.desk.common import local_midnight, percent

WEEKS = 8


def agencies_within(ids: set[int] | None) -> list[Agency]:
    """The agencies of `access.watchable_agency_ids` (None: all), by name."""
    query = select(Agency).order_by(Agency.name)
    if ids is not None:
        query = query.where(Agency.id.in_(ids))
    return list(db.session.scalars(query))


def cards(agencies: list[Agency], spans: Spans, now: datetime) -> list[dict]:
    """The scorecards over each agency's own span (``common.zone_spans``), on-time rates as
    percentages."""
    result = scorecards(agencies, None, None, now, spans)
    for card in result:
        card["disposed_rate"] = percent(card["disposed_on_time"], card["disposition_decided"])
        card["followed_up_rate"] = percent(card["followed_up_on_time"], card["followup_decided"])
    return result


def weekly_compliance(agency_ids, now: datetime, zone: str, weeks: int = WEEKS) -> list[dict]:
    """On-time follow-up rate per ISO week (local Mondays) of receipt, the last `weeks` weeks."""
    today = now.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    edges = [local_midnight(day, zone) for day in starts]
    # Grouped in a subquery so the CASE (with its bound edges) is never repeated in GROUP BY.
    weekly = select(
        case(*((Report.received_at >= edges[i], i) for i in reversed(range(weeks)))).label("week"),
        _met(Report.followed_up_at, Report.followup_due_at).label("on_time"),
        case((decided(Report.followed_up_at, Report.followup_due_at, now), 1), else_=0).label("decided"),
    ).where(Report.agency_id.in_(agency_ids), Report.received_at >= edges[0]).subquery()
    rows = db.session.execute(
        select(weekly.c.week, func.count(), func.sum(weekly.c.on_time), func.sum(weekly.c.decided))
        .group_by(weekly.c.week)
    ).all()
    found = {week: (received, int(on_time or 0), int(known or 0)) for week, received, on_time, known in rows}
    result = []
    for i, day in enumerate(starts):
        received, on_time, known = found.get(i, (0, 0, 0))
        year, week, _ = day.isocalendar()
        result.append({"week": f"{year}-W{week:02d}", "received": received, "on_time": on_time,
                       "rate": round(100 * on_time / known) if known else None})
    return result


def overdue_reports(agency_ids: list[int], now: datetime, limit: int = 20) -> list[Report]:
    """The longest overdue reports of these agencies."""
    return list(db.session.scalars(
        select(Report).where(Report.agency_id.in_(agency_ids),
                             or_(Report.current_due_at < now, late_before_the_wait()))
        .order_by(func.coalesce(Report.current_due_at, Report.followup_due_at), Report.id).limit(limit)
    ))


def breakdown(spans: Spans, column) -> dict[int, dict]:
    """Reports received in each agency's own span, per agency and value of `column` (category or
    channel)."""
    rows = db.session.execute(
        select(Report.agency_id, column, func.count())
        .where(within(spans, Report.agency_id, Report.received_at))
        .group_by(Report.agency_id, column)
    )
    result: dict[int, dict] = {}
    for agency_id, value, n in rows:
        result.setdefault(agency_id, {})[value] = n
    return result


def _met(done, due):
    """1 when the clock was met on time, else 0."""
    return case((done <= due, 1), else_=0)


def public_figures(start: datetime, end: datetime) -> list[dict]:
    """Per agency, over reports anyone may see (never confidential ones): counts, rates (of the
    clocks decided by `end`), speed."""
    public = and_(Report.confidential.is_(False), Report.agency_id.is_not(None),
                  Report.received_at >= start, Report.received_at < end)
    rows = db.session.execute(
        select(Report.agency_id, func.count(),
               func.sum(_met(Report.disposed_at, Report.disposition_due_at)),
               func.sum(_met(Report.followed_up_at, Report.followup_due_at)),
               count_if(decided(Report.disposed_at, Report.disposition_due_at, end)),
               count_if(decided(Report.followed_up_at, Report.followup_due_at, end)))
        .where(public).group_by(Report.agency_id)
    ).all()
    agencies = {a.id: a for a in db.session.scalars(
        select(Agency).where(Agency.id.in_([row[0] for row in rows])))}
    medians = followup_medians(list(agencies.values()), public)
    result = [{
        "agency": agencies[agency_id], "received": received,
        "disposed_rate": percent(int(disposed or 0), int(disposition_known or 0)),
        "followed_up_rate": percent(int(followed or 0), int(followup_known or 0)),
        "median_hours": round(medians[agency_id], 1) if agency_id in medians else None,
    } for agency_id, received, disposed, followed, disposition_known, followup_known in rows]
    return sorted(result, key=lambda r: r["agency"].name)
