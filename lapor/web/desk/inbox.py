"""The inbox: reports within reach, overdue first then due soonest; filters, search and pages."""

from __future__ import annotations

from datetime import timedelta

from flask import request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lapor import access
from lapor.access import may_see_identity
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import CHANNELS, STATES, Agency, Category, Report
from lapor.models.report import INBOX_ORDER, late_before_the_wait
from lapor.web.desk.common import Filters, is_htmx, local_midnight, page, paginate, zone_of
from lapor.web.desk.deadlines import remaining
from lapor.workflow import Actor

PAGE_SIZE = 25
SEARCH_LIMIT = 200


def read_filters(args) -> Filters:
    """The inbox's query string; values it does not understand are named and left out."""
    filters = Filters()
    filters.choice(args, "state", STATES)
    filters.choice(args, "channel", CHANNELS)
    filters.choice(args, "category", set(db.session.scalars(select(Category.code))))
    filters.choice(args, "agency", set(db.session.scalars(select(Agency.code))))
    filters.day(args, "from")
    filters.day(args, "to")
    values = filters.values
    if "from" in values and "to" in values and values["from"] > values["to"]:
        values["from"], values["to"] = values["to"], values["from"]  # as the other screens read it
    filters.number(args, "page", 1, 1, 100_000)
    if args.get("overdue") == "1":
        filters.values["overdue"] = True
    q = " ".join(args.get("q", "").split())[:SEARCH_LIMIT]
    if q:
        filters.values["q"] = q
    return filters


def filtered(actor: Actor, values: dict, zone: str, now, with_state: bool = True):
    """The reports within reach that match the filters (the state one only if `with_state`)."""
    query = access.staff_reports(actor)
    if with_state and "state" in values:
        query = query.where(Report.state == values["state"])
    if "channel" in values:
        query = query.where(Report.channel == values["channel"])
    if "category" in values:
        query = query.where(Report.category.has(Category.code == values["category"]))
    if "agency" in values:
        query = query.where(Report.agency.has(Agency.code == values["agency"]))
    if "from" in values:
        query = query.where(Report.received_at >= local_midnight(values["from"], zone))
    if "to" in values:
        until = local_midnight(values["to"] + timedelta(days=1), zone)
        query = query.where(Report.received_at < until)
    if values.get("overdue"):  # also those already late when the reporter was asked something
        query = query.where(or_(Report.current_due_at < now, late_before_the_wait()))
    if "q" in values:
        # LIKE wildcards typed by the user are searched for literally.
        escaped = values["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(or_(Report.title.ilike(pattern, escape="\\"),
                                Report.body.ilike(pattern, escape="\\")))
    return query


def state_counts(actor: Actor, values: dict, zone: str, now) -> dict[str, int]:
    """How many reports in each state match every filter but the state one."""
    query = filtered(actor, values, zone, now, with_state=False)
    counts = dict(db.session.execute(
        query.with_only_columns(Report.state, func.count()).group_by(Report.state)).all())
    return {state: counts.get(state, 0) for state in STATES}


def render_inbox(user):
    actor, zone, now = Actor.staff(user), zone_of(user), utcnow()
    filters = read_filters(request.args)
    values = filters.values
    query = (
        filtered(actor, values, zone, now)
        .options(selectinload(Report.agency), selectinload(Report.category),
                 selectinload(Report.escalations))
        # Overdue and soonest due first; reports without a running deadline after, newest first.
        .order_by(*INBOX_ORDER)
    )
    counts = state_counts(actor, values, zone, now)
    # The counts by state hold the total: no second count of the same reports.
    total = counts[values["state"]] if "state" in values else sum(counts.values())
    reports, pager = paginate(query, values["page"], PAGE_SIZE, total)
    rows = [{
        "report": report,
        "deadline": remaining(report, now),
        "reporter": (report.reporter_name or "–") if may_see_identity(report, actor)
        else gettext("actor.anonymous"),
    } for report in reports]
    context = dict(rows=rows, pager=pager, values=values, ignored=filters.ignored,
                   counts=counts, states=STATES,
                   query_args={k: v for k, v in request.args.items() if k not in ("page", "lang")})
    if is_htmx():
        return page("staff/_inbox_results.html", user, **context)
    return page(
        "staff/inbox.html", user,
        categories=db.session.scalars(select(Category).order_by(Category.name)).all(),
        agencies=_agencies(actor), channels=CHANNELS, **context,
    )


def _agencies(actor: Actor) -> list[Agency]:
    visible = access.watchable_agency_ids(actor)
    query = select(Agency).order_by(Agency.name)
    if visible is not None:
        query = query.where(Agency.id.in_(visible))
    return list(db.session.scalars(query))
