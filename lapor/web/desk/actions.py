"""Staff actions on a report: which ones a viewer may take now, and carrying one out from a form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import abort, flash, redirect, request
from sqlalchemy import select

from lapor import access, workflow
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.intake import find_agency
from lapor.models import ARCHIVE_REASONS, Agency, Report, subtree_ids
from lapor.web.citizen import refusal as citizen_refusal
from lapor.workflow import Actor, InvalidInput, WorkflowError

# A form's action and the workflow transitions behind it, in the order the page shows them.
ACTIONS: dict[str, tuple[str, ...]] = {
    "dispose": ("dispose",),
    "follow_up": ("follow_up", "resolve"),
    "request_info": ("request_info",),
    "extend": ("extend",),
    "redispose": ("redispose",),
    "return": ("return",),
    "escalate": ("escalate",),
    "archive": ("archive",),
    "flags": ("set_flags",),
}
TEXT_LIMIT = 10_000
REASON_LIMIT = 300  # report_event.reason
# Workflow refusals that concern one field of the form.
FIELD_OF = {"same_agency": "agency", "not_a_sub_unit": "agency", "agency_not_found": "agency",
            "archive_reason": "reason", "escalation_level": "level"}


class Rejected(Exception):
    """The form cannot be carried out; `errors` maps field (or `_` for the form) to messages."""

    def __init__(self, errors: dict[str, list[str]], status: int = 422):
        super().__init__("rejected")
        self.errors = errors
        self.status = status


def may(report: Report, actor: Actor, transition: str) -> bool:
    try:
        workflow.authorise(report, actor, transition)
    except WorkflowError:
        return False
    return True


def allowed_actions(report: Report, actor: Actor, now: datetime) -> list[str]:
    """The forms to show this viewer at `now`: the workflow's own rule for role, state and reach."""
    names = [name for name, steps in ACTIONS.items() if any(may(report, actor, s) for s in steps)]
    if "extend" in names and workflow.extension_refused(report, now) is not None:
        names.remove("extend")  # not under this policy, taken already, or too late
    if "flags" in names and report.anonymous and report.confidential:
        names.remove("flags")  # both set, and neither can be cleared: nothing left to do
    return names


def agency_choices(report: Report, actor: Actor, action: str) -> list[Agency]:
    """Where the report may go: agency admins pass it only to their own sub-units."""
    query = select(Agency).order_by(Agency.name)
    if action == "redispose" and actor.who == "agency_admin":
        query = query.where(Agency.id.in_(subtree_ids(actor.agency_id)))
    return [a for a in db.session.scalars(query) if a.id != report.agency_id]


def refusal(exc: WorkflowError) -> str:
    """The workflow's refusal in the reader's language, the role named in words."""
    if "role" in exc.params:
        role = gettext(f"web.role.{exc.params['role']}")
        exc = type(exc)(exc.code, **{**exc.params, "role": role})
    return citizen_refusal(exc)


def perform(report: Report, actor: Actor, action: str, form, now: datetime) -> str:
    """Carry out one form through the workflow; return the key of the success message.

    Raises Rejected with messages for the form; the caller commits or rolls back.
    """
    try:
        workflow.authorise(report, actor, ACTIONS[action][0])
        return HANDLERS[action](report, actor, form, now)
    except InvalidInput as exc:
        field = exc.params.get("field") or FIELD_OF.get(exc.code, "_")
        raise Rejected({field: [refusal(exc)]}, exc.status) from None
    except WorkflowError as exc:
        raise Rejected({"_": [refusal(exc)]}, exc.status) from None


def _text(form, name: str, required: bool = True, limit: int = TEXT_LIMIT) -> str | None:
    value = form.get(name, "").strip()
    if required and not value:
        raise Rejected({name: [gettext("Missing data for required field.")]})
    if len(value) > limit:
        raise Rejected({name: [gettext("Longer than maximum length {max}.", max=limit)]})
    if "\x00" in value:  # as the API's text fields: no database keeps it, no one means to type it
        raise Rejected({name: [gettext("Contains a character that is not allowed.")]})
    return value or None


def _agency(form) -> Agency:
    return find_agency(_text(form, "agency", limit=32))


def _dispose(report, actor, form, now):
    workflow.dispose(report, actor, now, _agency(form), note=_text(form, "note", required=False))
    return "desk.done.dispose"


def _redispose(report, actor, form, now):
    workflow.redispose(report, actor, now, _agency(form), note=_text(form, "note", required=False))
    return "desk.done.redispose"


def _return(report, actor, form, now):
    workflow.return_report(report, actor, now, _text(form, "reason", limit=REASON_LIMIT))
    return "desk.done.return"


def _follow_up(report, actor, form, now):
    final = form.get("final") == "1"
    workflow.follow_up(report, actor, now, _text(form, "message"), final=final)
    return "desk.done.resolve" if final else "desk.done.follow_up"


def _request_info(report, actor, form, now):
    workflow.request_info(report, actor, now, _text(form, "message"))
    return "desk.done.request_info"


def _extend(report, actor, form, now):
    workflow.extend_followup(report, actor, now, _text(form, "reason", limit=REASON_LIMIT))
    return "desk.done.extend"


def _archive(report, actor, form, now):
    reason = form.get("reason", "")
    if reason not in ARCHIVE_REASONS:
        raise Rejected({"reason": [gettext("desk.error.choose")]})
    workflow.archive(report, actor, now, reason, note=_text(form, "note", required=False))
    return "desk.done.archive"


def _flags(report, actor, form, now):
    chosen = {name: True for name in ("anonymous", "confidential") if form.get(name) == "1"}
    if not chosen:
        raise Rejected({"_": [gettext("desk.error.no_flag")]})
    workflow.set_flags(report, actor, now, **chosen)
    return "desk.done.flags"


def _escalate(report, actor, form, now):
    level = form.get("level", "")
    if level not in workflow.MANUAL_LEVELS:
        raise Rejected({"level": [gettext("desk.error.choose")]})
    workflow.escalate(report, actor, now, "manual", level, note=_text(form, "note"))
    return f"desk.done.{level}"


HANDLERS: dict[str, Callable[..., str]] = {
    "dispose": _dispose, "redispose": _redispose, "return": _return, "follow_up": _follow_up,
    "request_info": _request_info, "extend": _extend, "archive": _archive, "flags": _flags, "escalate": _escalate,
}


def submit(user, tracking_id: str, action: str, done_url: Callable[[Report], str], on_error):
    """An action form's POST: lock, perform, commit, flash and 303; `on_error(rejected)` renders."""
    if action not in ACTIONS:
        abort(404)
    actor = Actor.staff(user)
    report = access.staff_report(actor, tracking_id, for_update=True)
    try:
        done = perform(report, actor, action, request.form, utcnow())
    except Rejected as exc:
        db.session.rollback()  # releases the row lock; the page reloads the report
        return on_error(exc)
    db.session.commit()
    flash(gettext(done, tid=report.tracking_id), "success")
    return redirect(done_url(report), 303)
