"""Reports: intake, the three views, and every workflow action."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from flask import request, url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from lapor import access, workflow
from lapor.api.parsing import Blueprint
from lapor.api.schemas import (
    AgencyTarget,
    ArchiveIn,
    ConfirmIn,
    FlagsIn,
    FollowUpIn,
    MessageIn,
    RatingIn,
    ReasonIn,
    ReportCreated,
    ReportIn,
    ReportListArgs,
    ReportOut,
    ReportPage,
)
from lapor.auth import current_actor, require_staff
from lapor.cache import kept
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import current_language
from lapor.intake import find_agency, receive
from lapor.models import Report
from lapor.views import report_view
from lapor.workflow import CITIZEN, InvalidInput, NewReport

blp = Blueprint("reports", __name__, description="Reports and their workflow")
STAFF = [{"bearer": []}]
# What every report of a page shows, loaded for the whole page at once (not per report).
LIST_LOADS = (selectinload(Report.events), selectinload(Report.agency), selectinload(Report.category))
REPORTER = [{"reporterToken": []}]
# How long the public list's total is counted once for everyone.
PUBLIC_TOTAL_FRESH = timedelta(minutes=1)
# A page's end mark counts microseconds since this.
EPOCH, MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)


def new_report_from(args: dict, channel: str) -> NewReport:
    reporter = args.get("reporter") or {}
    return NewReport(
        title=args["title"].strip(),
        body=args["body"].strip(),
        type=args.get("type") or "complaint",
        channel=channel,
        requested_agency=find_agency(args.get("agency")),
        event_date=args.get("event_date"),
        location=args.get("location"),
        anonymous=bool(args.get("anonymous")),
        confidential=bool(args.get("confidential")),
        reporter_name=reporter.get("name"),
        reporter_phone=reporter.get("phone"),
        reporter_email=reporter.get("email"),
        language=current_language(),
    )


@blp.route("/reports", methods=["POST"])
@blp.arguments(ReportIn)
@blp.response(201, ReportCreated)
def create_report(args):
    """Submit a report; keep the `access_token`, it opens the reporter's private view."""
    report, token = receive(new_report_from(args, "api"), utcnow(), args.get("category"))
    view = report_view(report, "reporter", CITIZEN)
    view["access_token"] = token
    view["private_url"] = url_for(
        "citizen.track", tracking_id=report.tracking_id, akses=token, _external=True
    )
    return view


@blp.route("/reports", methods=["GET"])
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, ReportPage)
def list_reports(args):
    """Public reports, or with a bearer token the reports within the caller's reach; newest first.

    Page by `after` (each answer's `next`): a page then stays put while new reports arrive.
    With `page`, the public list reaches back 10,000 reports (`page` × `per_page` at most
    10,000); its `total` may be up to a minute old. Staff page through everything within reach.
    """
    actor = current_actor()
    query = access.staff_reports(actor) if actor else access.public_reports()
    if args.get("state"):
        query = query.where(Report.state == args["state"])
    page, per_page = args["page"], args["per_page"]

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    if actor:
        total = count()
    else:
        if not access.within_public_depth(page, per_page):
            raise InvalidInput("page_too_deep", rows=access.PUBLIC_ROWS)
        total, _ = kept(f"lapor:public-total:{args.get('state') or 'all'}", PUBLIC_TOTAL_FRESH, utcnow(), count)
    rows = query.options(*LIST_LOADS).order_by(Report.received_at.desc(), Report.id.desc())
    if args.get("after"):
        # Keyset paging: the page after a mark stays put when new reports arrive in front, and
        # goes on whatever became of the report the mark was taken from.
        received_at, row_id = _mark(args["after"])
        rows = rows.where(or_(Report.received_at < received_at,
                              and_(Report.received_at == received_at, Report.id < row_id)))
    else:
        rows = rows.offset((page - 1) * per_page)
    found = list(db.session.scalars(rows.limit(per_page + 1)))
    audience = "staff" if actor else "public"
    return {
        "items": [report_view(r, audience, actor) for r in found[:per_page]],
        "page": page, "per_page": per_page, "total": total,
        "next": _mark_of(found[per_page - 1]) if len(found) > per_page else None,
    }


def _mark_of(report: Report) -> str:
    """Where a page ends, as an opaque `after` for the next: the report's place in the order."""
    stamp = (report.received_at - EPOCH) // MICROSECOND
    return base64.urlsafe_b64encode(f"{stamp}.{report.id}".encode()).decode().rstrip("=")


def _mark(value: str) -> tuple[datetime, int]:
    try:
        stamp, row_id = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().split(".")
        return EPOCH + int(stamp) * MICROSECOND, int(row_id)
    except (ValueError, OverflowError):  # not base64, not two numbers, or beyond any date
        raise InvalidInput("list_mark_not_found") from None


@blp.route("/reports/<tracking_id>", methods=["GET"])
@blp.response(200, ReportOut)
@blp.doc(security=[{}, *STAFF, *REPORTER])
def get_report(tracking_id):
    """The public view; the reporter's with `X-Access-Token`; staff's with a bearer token."""
    token = request.headers.get("X-Access-Token")
    if token:
        return report_view(access.reporter_report(tracking_id, token), "reporter", CITIZEN)
    actor = current_actor()
    if actor:
        return report_view(access.staff_report(actor, tracking_id), "staff", actor)
    return report_view(access.public_report(tracking_id), "public")


def _staff_action(tracking_id, act):
    actor = require_staff()
    report = access.staff_report(actor, tracking_id, for_update=True)
    act(report, actor, utcnow())
    db.session.commit()
    return report_view(report, "staff", actor)


def _reporter_action(tracking_id, act):
    report = access.reporter_report(
        tracking_id, request.headers.get("X-Access-Token"), for_update=True
    )
    act(report, utcnow())
    db.session.commit()
    return report_view(report, "reporter", CITIZEN)


@blp.route("/reports/<tracking_id>/disposition", methods=["POST"])
@blp.arguments(AgencyTarget)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def dispose(args, tracking_id):
    """Dispatchers: hand a triaged report to an agency."""
    agency = find_agency(args["agency"])
    return _staff_action(
        tracking_id, lambda r, a, now: workflow.dispose(r, a, now, agency, note=args.get("note"))
    )


@blp.route("/reports/<tracking_id>/redisposition", methods=["POST"])
@blp.arguments(AgencyTarget)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def redispose(args, tracking_id):
    """Pass a report on: agency admins to a sub-unit, dispatchers anywhere."""
    agency = find_agency(args["agency"])
    return _staff_action(
        tracking_id, lambda r, a, now: workflow.redispose(r, a, now, agency, note=args.get("note"))
    )


@blp.route("/reports/<tracking_id>/return", methods=["POST"])
@blp.arguments(ReasonIn)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def return_report(args, tracking_id):
    """Agency admins: return a report as "bukan wewenang" (not our authority)."""
    return _staff_action(
        tracking_id, lambda r, a, now: workflow.return_report(r, a, now, args["reason"])
    )


@blp.route("/reports/<tracking_id>/follow-ups", methods=["POST"])
@blp.arguments(FollowUpIn)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def follow_up(args, tracking_id):
    """Agency admins: post a follow-up; `final: true` resolves the report."""
    return _staff_action(
        tracking_id,
        lambda r, a, now: workflow.follow_up(r, a, now, args["message"], final=args["final"]),
    )


@blp.route("/reports/<tracking_id>/information-requests", methods=["POST"])
@blp.arguments(MessageIn)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def request_info(args, tracking_id):
    """Agency admins: ask the reporter for information (pauses the follow-up clock)."""
    return _staff_action(
        tracking_id, lambda r, a, now: workflow.request_info(r, a, now, args["message"])
    )


@blp.route("/reports/<tracking_id>/extension", methods=["POST"])
@blp.arguments(ReasonIn)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def extend(args, tracking_id):
    """Agency admins: take the SLA policy's one extension of the follow-up deadline (informasi:
    10 HK become 17; pengawasan: 14 HK become 60), before it passes; the reporter is told why."""
    return _staff_action(
        tracking_id, lambda r, a, now: workflow.extend_followup(r, a, now, args["reason"])
    )


@blp.route("/reports/<tracking_id>/archive", methods=["POST"])
@blp.arguments(ArchiveIn)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def archive(args, tracking_id):
    """Dispatchers: archive a triaged report with a reason."""
    return _staff_action(
        tracking_id,
        lambda r, a, now: workflow.archive(r, a, now, args["reason"], note=args.get("note")),
    )


@blp.route("/reports/<tracking_id>/flags", methods=["POST"])
@blp.arguments(FlagsIn)
@blp.response(200, ReportOut)
@blp.doc(security=STAFF)
def set_flags(args, tracking_id):
    """Dispatchers: mark a report anonymous and/or confidential (cannot be undone)."""
    return _staff_action(
        tracking_id,
        lambda r, a, now: workflow.set_flags(
            r, a, now, anonymous=args.get("anonymous"), confidential=args.get("confidential")
        ),
    )


@blp.route("/reports/<tracking_id>/replies", methods=["POST"])
@blp.arguments(MessageIn)
@blp.response(200, ReportOut)
@blp.doc(security=REPORTER)
def reply(args, tracking_id):
    """The reporter writes to the agency (answers a request for information)."""
    return _reporter_action(
        tracking_id, lambda r, now: workflow.reporter_reply(r, CITIZEN, now, args["message"])
    )


@blp.route("/reports/<tracking_id>/confirmation", methods=["POST"])
@blp.arguments(ConfirmIn)
@blp.response(200, ReportOut)
@blp.doc(security=REPORTER)
def confirm(args, tracking_id):
    """The reporter answers the final follow-up: satisfied or not satisfied."""
    return _reporter_action(
        tracking_id,
        lambda r, now: workflow.confirm(r, CITIZEN, now, args["satisfied"], comment=args.get("comment")),
    )


@blp.route("/reports/<tracking_id>/rating", methods=["POST"])
@blp.arguments(RatingIn)
@blp.response(200, ReportOut)
@blp.doc(security=REPORTER)
def rate(args, tracking_id):
    """The reporter rates a closed report from 1 to 5."""
    return _reporter_action(
        tracking_id,
        lambda r, now: workflow.rate(r, CITIZEN, now, args["rating"], comment=args.get("comment")),
    )
