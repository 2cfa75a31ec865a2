"""One report: timeline, deadlines, attachments, reporter, and the actions the viewer may take."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from lapor import access, attachments
from lapor.clock import utcnow
from lapor.models import ARCHIVE_REASONS
from lapor.sla.adapter import policy_for
from lapor.views import report_view
from lapor.web.desk import actions, explain
from lapor.web.desk.common import page, signed_in
from lapor.web.desk.deadlines import remaining
from lapor.workflow import MANUAL_LEVELS, Actor

bp = Blueprint("report", __name__)


@bp.get("/<tracking_id>")
@signed_in
def show(user, tracking_id):
    return render_report(user, tracking_id)


@bp.post("/<tracking_id>/aksi/<action>")
@signed_in
def act(user, tracking_id, action):
    def failed(exc):
        return render_report(user, tracking_id, (action, exc))

    def done(report):
        return url_for(".show", tracking_id=report.tracking_id)

    return actions.submit(user, tracking_id, action, done, failed)


@bp.get("/<tracking_id>/lampiran/<id:attachment_id>")
@signed_in
def attachment(user, tracking_id, attachment_id):
    found = access.staff_report(Actor.staff(user), tracking_id)
    return attachments.download(attachments.find(found, attachment_id))


def _extension_days(report) -> str:
    """The working days the policy's extension gives, as Indonesians write them (17; 2,5)."""
    return f"{policy_for(report.policy_code).extended_followup_days:g}".replace(".", ",")


def render_report(user, tracking_id: str, failed=None):
    """The page; `failed` = (action, Rejected) shows that form again with its errors."""
    actor = Actor.staff(user)
    report = access.staff_report(actor, tracking_id)
    now = utcnow()
    allowed = actions.allowed_actions(report, actor, now)
    routing = explain.latest_routing(report)
    return page(
        "staff/report.html", user, status=failed[1].status if failed else 200,
        report=report, view=report_view(report, "staff", actor), attachments=report.attachments,
        deadline=remaining(report, now), escalations=report.escalations,
        actions=allowed, reasons=ARCHIVE_REASONS, levels=MANUAL_LEVELS,
        extension_days=_extension_days(report) if "extend" in allowed else None,
        choices={name: actions.agency_choices(report, actor, name)
                 for name in ("dispose", "redispose") if name in allowed},
        routing=routing, candidates=explain.candidates(routing.data if routing else None),
        failed=failed, form=request.form if failed else {},
    )
