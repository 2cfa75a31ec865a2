"""Escalations of a report: the ladder's steps and coordinators' manual interventions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from lapor import access, workflow
from lapor.api.parsing import Blueprint
from lapor.auth import require_staff
from lapor.clock import utcnow
from lapor.extensions import db

blp = Blueprint("escalations", __name__, description="Interventions and reprimands")
STAFF = [{"bearer": []}]


class EscalationIn(Schema):
    level = fields.String(required=True, validate=validate.OneOf(workflow.MANUAL_LEVELS))
    note = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class EscalationOut(Schema):
    clock = fields.String()
    level = fields.String()
    at = fields.DateTime()
    manual = fields.Boolean()
    agency = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


def _view(escalation) -> dict:
    return {
        "clock": escalation.clock, "level": escalation.level, "at": escalation.at,
        "manual": escalation.manual, "note": escalation.note,
        "agency": escalation.agency.code if escalation.agency else None,
    }


@blp.route("/reports/<tracking_id>/escalations", methods=["GET"])
@blp.response(200, EscalationOut(many=True))
@blp.doc(security=STAFF)
def list_escalations(tracking_id):
    """Every escalation of a report within the caller's reach."""
    report = access.staff_report(require_staff(), tracking_id)
    return [_view(e) for e in report.escalations]


@blp.route("/reports/<tracking_id>/escalations", methods=["POST"])
@blp.arguments(EscalationIn)
@blp.response(201, EscalationOut)
@blp.doc(security=STAFF)
def escalate(args, tracking_id):
    """Coordinators: intervene or reprimand by hand, with a note, on a supervised agency's report."""
    actor = require_staff()
    report = access.staff_report(actor, tracking_id, for_update=True)
    escalation = workflow.escalate(report, actor, utcnow(), "manual", args["level"], note=args["note"])
    db.session.commit()
    return _view(escalation)
