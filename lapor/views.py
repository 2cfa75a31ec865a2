"""What each audience sees of a report: the public, the reporter, or staff."""

from __future__ import annotations

from lapor.access import may_see_identity
from lapor.i18n import gettext
from lapor.models import Report, ReportEvent
from lapor.workflow import Actor

# Messages the public never reads: they may carry the reporter's own details.
PRIVATE_MESSAGES = {"reporter_replied", "info_requested", "confirmed", "reopened", "rated"}


def _agency(agency):
    return None if agency is None else {"code": agency.code, "name": agency.name}


def event_view(event: ReportEvent, audience: str) -> dict:
    agency = event.agency
    label_params = {"agency": agency.name if agency else "-"}
    if event.data and "rating" in event.data:
        label_params["rating"] = event.data["rating"]
    view = {
        "at": event.at,
        "kind": event.kind,
        "label": gettext(f"event.{event.kind}", **label_params),
        "actor": _actor_label(event, audience),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "agency": _agency(agency),
        "message": event.message,
        "reason": event.reason,
        "data": event.data if audience == "staff" else None,
    }
    if audience == "public" and event.kind in PRIVATE_MESSAGES:
        view["message"] = None
    return view


def _actor_label(event: ReportEvent, audience: str) -> str:
    if event.actor_kind == "citizen":
        return gettext("actor.reporter")
    if event.actor_kind == "system":
        return "Lapor"
    if event.actor_agency is not None:
        return event.actor_agency.name
    return gettext("actor.admin")


def report_view(report: Report, audience: str, viewer: Actor | None = None) -> dict:
    """`audience` is `public`, `reporter` or `staff`; anonymity is applied for every one."""
    events = report.events if audience == "staff" else [e for e in report.events if e.public]
    view = {
        "tracking_id": report.tracking_id,
        "title": report.title,
        "body": report.body,
        "type": report.type,
        "channel": report.channel,
        "state": report.state,
        "state_label": gettext(f"state.{report.state}"),
        "anonymous": report.anonymous,
        "confidential": report.confidential,
        "urgent": report.urgent,
        "agency": _agency(report.agency),
        "category": _agency(report.category),
        "event_date": report.event_date,
        "location": report.location,
        "received_at": report.received_at,
        "rating": report.rating,
        "archive_reason": report.archive_reason,
        "timeline": [event_view(e, audience) for e in events],
        "reporter": None,
    }
    if audience in ("staff", "reporter"):
        view.update(
            policy=report.policy_code,
            disposition_due_at=report.disposition_due_at,
            followup_due_at=report.followup_due_at,
            followed_up_at=report.followed_up_at,
            next_due_at=report.next_due_at,
        )
    if audience != "public" and may_see_identity(report, viewer):
        view["reporter"] = {
            "name": report.reporter_name,
            "phone": report.reporter_phone,
            "email": report.reporter_email,
        }
    elif audience == "staff" and report.anonymous:
        view["reporter"] = {"name": gettext("actor.anonymous"), "phone": None, "email": None}
    return view
