"""Agency scorecards for a period: the numbers coordinators hold agencies to."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import selectinload

from lapor.extensions import db
from lapor.models import Agency, Escalation, Report
from lapor.models.report import late_before_the_wait
from lapor.sla.adapter import followup_working_seconds, working_seconds


def count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def decided(done, due, now: datetime):
    """A clock whose outcome is known at `now`: met (or missed) already, or its deadline gone. The
    on-time rates divide by these: a report still within its deadline is not yet a miss."""
    return or_(done.is_not(None), due < now)


# Agencies (by id) and the instants [start, end) their period spans: a period of local dates is
# cut at each agency's own midnight (WIB, WITA, WIT), so one span per time zone.
Spans = list[tuple[list[int], datetime, datetime]]


def within(spans: Spans, agency_column, moment_column):
    """Rows of the spans' agencies whose moment lies in their own agency's span."""
    return or_(*(and_(agency_column.in_(ids), moment_column >= start, moment_column < end)
                 for ids, start, end in spans)) if spans else false()


def scorecards(agencies: list[Agency], start: datetime | None, end: datetime | None, now: datetime,
               spans: Spans | None = None) -> list[dict]:
    """One scorecard per agency for reports received in [start, end) (or, given `spans`, in each
    agency's own span); `overdue_now` as of `now`."""
    ids = [a.id for a in agencies]
    spans = spans if spans is not None else [(ids, start, end)]
    in_period = within(spans, Report.agency_id, Report.received_at)
    totals = {
        row.agency_id: row
        for row in db.session.execute(
            select(
                Report.agency_id,
                func.count().label("received"),
                count_if(Report.disposed_at <= Report.disposition_due_at).label("disposed_on_time"),
                count_if(Report.followed_up_at <= Report.followup_due_at).label("followed_up_on_time"),
                count_if(decided(Report.disposed_at, Report.disposition_due_at, now)).label("disposition_decided"),
                count_if(decided(Report.followed_up_at, Report.followup_due_at, now)).label("followup_decided"),
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
                late_before_the_wait(),
            ),
        ).group_by(Report.agency_id)
    ).all())
    escalations = {
        (agency_id, level): n
        for agency_id, level, n in db.session.execute(
            select(Escalation.agency_id, Escalation.level, func.count()).where(
                within(spans, Escalation.agency_id, Escalation.at)
            ).group_by(Escalation.agency_id, Escalation.level)
        )
    }
    medians = followup_medians(agencies, in_period)
    cards = []
    for agency in agencies:
        row = totals.get(agency.id)
        cards.append({
            "agency": agency.code,
            "name": agency.name,
            "received": row.received if row else 0,
            "disposed_on_time": int(row.disposed_on_time or 0) if row else 0,
            "followed_up_on_time": int(row.followed_up_on_time or 0) if row else 0,
            "disposition_decided": int(row.disposition_decided or 0) if row else 0,
            "followup_decided": int(row.followup_decided or 0) if row else 0,
            "overdue_now": overdue.get(agency.id, 0),
            "interventions": escalations.get((agency.id, "intervention"), 0),
            "reprimands": escalations.get((agency.id, "reprimand"), 0),
            "median_followup_working_hours": (
                round(medians[agency.id], 2) if agency.id in medians else None
            ),
            "average_rating": round(float(row.average_rating), 2) if row and row.average_rating else None,
        })
    return cards


def followup_medians(agencies: list[Agency], in_period) -> dict[int, float]:
    """Median working hours from receipt to first follow-up, per agency with any, over the
    reports matching `in_period`.

    Each report's working time is stored when it is first followed up, so this reads one number
    a report, in one pass (PostgreSQL takes the median itself). Reports followed up before that
    was stored, until `lapor sla backfill` fills them in, are worked out here in their agency's
    calendar."""
    stored = Report.followup_working_seconds
    followed = and_(in_period, Report.followed_up_at.is_not(None))
    if db.session.get_bind().dialect.name == "postgresql":
        medians, legacy = {}, []
        for agency_id, median, unstored in db.session.execute(
                select(Report.agency_id, func.percentile_cont(0.5).within_group(stored),
                       func.count().filter(stored.is_(None)))
                .where(followed).group_by(Report.agency_id)):
            if unstored:
                legacy.append(agency_id)
            else:
                medians[agency_id] = float(median) / 3600
        if legacy:
            medians.update(_medians_here(agencies, and_(followed, Report.agency_id.in_(legacy))))
        return medians
    return _medians_here(agencies, followed)


def _medians_here(agencies: list[Agency], followed) -> dict[int, float]:
    """``followup_medians`` worked out in Python, with the times not stored worked out too."""
    by_id = {a.id: a for a in agencies}
    seconds: dict[int, list[float]] = {}
    rows = db.session.execute(select(Report.agency_id, Report.followup_working_seconds,
                                     Report.received_at, Report.followed_up_at).where(followed))
    for agency_id, value, received, followed_up in rows:
        if value is None:
            value = working_seconds(by_id[agency_id], received, followed_up)
        seconds.setdefault(agency_id, []).append(value)
    return {agency_id: statistics.median(values) / 3600 for agency_id, values in seconds.items()}


def backfill_followup_seconds(batch: int = 500) -> int:
    """Store the working time to the first follow-up of every followed-up report that has none
    (those followed up before it was stored), a batch per transaction; returns how many."""
    done = 0
    after = 0
    while True:
        reports = db.session.scalars(
            select(Report).options(selectinload(Report.agency))
            .where(Report.id > after, Report.followed_up_at.is_not(None),
                   Report.followup_working_seconds.is_(None))
            .order_by(Report.id).limit(batch)
        ).all()
        if not reports:
            return done
        for report in reports:
            report.followup_working_seconds = followup_working_seconds(report)
        after = reports[-1].id
        done += len(reports)
        db.session.commit()
