"""The dispatchers' triage queue: reports no rule could route, oldest first, to dispose or file."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lapor import access
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import ARCHIVE_REASONS, Agency, Report
from lapor.web.desk import actions, explain
from lapor.web.desk.common import Filters, page, paginate, staff_only
from lapor.web.desk.deadlines import remaining, spell
from lapor.workflow import Actor

bp = Blueprint("triage", __name__)
PAGE_SIZE = 50
ROW_ACTIONS = ("dispose", "archive", "flags")


@bp.get("/")
@staff_only("dispatcher", "sysadmin")
def queue(user):
    return render_queue(user)


@bp.post("/<tracking_id>/<action>")
@staff_only("dispatcher", "sysadmin")
def act(user, tracking_id, action):
    if action not in ROW_ACTIONS:
        action = "unknown"  # actions.submit answers 404

    def failed(exc):
        return render_queue(user, (tracking_id.upper(), action, exc))

    back = url_for(".queue", page=request.args.get("page"))
    return actions.submit(user, tracking_id, action, lambda _report: back, failed)


def render_queue(user, failed=None):
    """The queue page; `failed` = (tracking ID, action, Rejected) shows that form's errors."""
    actor = Actor.staff(user)
    filters = Filters()
    filters.number(request.args, "page", 1, 1, 100_000)
    query = (
        access.staff_reports(actor).where(Report.state == "received")
        .options(selectinload(Report.events), selectinload(Report.escalations),
                 selectinload(Report.requested_agency))
        .order_by(Report.received_at, Report.id)
    )
    reports, pager = paginate(query, filters.values["page"], PAGE_SIZE)
    now = utcnow()
    rows = [_row(report, actor, now) for report in reports]
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return page("staff/triage.html", user, status=failed[2].status if failed else 200, rows=rows,
                pager=pager, agencies=agencies, reasons=ARCHIVE_REASONS, failed=failed,
                form=request.form if failed else {})


def _row(report: Report, actor: Actor, now) -> dict:
    routing = explain.latest_routing(report)
    returned = routing is not None and routing.kind == "returned"
    queued_since = routing.at if returned else report.received_at
    return {
        "report": report,
        "waiting": spell(now - queued_since),
        "deadline": remaining(report, now),
        "routing": routing,
        "details": explain.details(routing.data if routing else None),
        "candidates": explain.candidates(routing.data if routing else None),
        "actions": [a for a in actions.allowed_actions(report, actor, now) if a in ROW_ACTIONS],
    }
