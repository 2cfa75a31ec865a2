"""The administration log, for system admins: who changed what in the directory, calendars,
SLA policies, rules, staff accounts and API keys."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from lapor import audit
from lapor.api.parsing import Blueprint
from lapor.api.schemas import Text
from lapor.app import ROW_ID_MAX
from lapor.auth import require_staff
from lapor.workflow import require_sysadmin

blp = Blueprint("audit", __name__, description="The administration log")
STAFF = [{"bearer": []}]


class AuditArgs(Schema):
    action = Text(validate=validate.Length(min=1, max=40),
                  metadata={"description": "one action (`agency.update`) or every action of a kind (`agency`)"})
    subject = Text(validate=validate.Length(min=1, max=120),
                   metadata={"description": "an agency code, a username, a date, a policy code ..."})
    before = fields.Integer(validate=validate.Range(min=1, max=ROW_ID_MAX),
                            metadata={"description": "only entries older than this one: the previous page's `next`"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=audit.LIST_LIMIT))


class AuditEntry(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Function(lambda entry: {"kind": entry.actor_kind, "user_id": entry.actor_user_id,
                                           "name": entry.actor_name},
                            metadata={"type": "object"})
    action = fields.String()
    subject = fields.String()
    data = fields.Dict(allow_none=True, metadata={"description": "for a change, {field: [before, after]}"})


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntry))
    next = fields.Integer(allow_none=True, metadata={"description": "`before` for the next page; null at the end"})


@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPage)
@blp.doc(security=STAFF)
def audit_log(args):
    """System admins: the administration log, newest first."""
    require_sysadmin(require_staff(), "audit")
    items, following = audit.page(action=args.get("action"), subject=args.get("subject"),
                                  before=args.get("before"), limit=args["limit"])
    return {"items": items, "next": following}
