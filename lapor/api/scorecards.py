"""GET /api/v1/scorecards: compliance per agency, for the agencies the caller may watch."""

from __future__ import annotations

from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from lapor.access import watchable_agency_ids
from lapor.api.parsing import Blueprint
from lapor.api.schemas import supported_year
from lapor.auth import require_staff
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.intake import find_agency
from lapor.models import Agency
from lapor.scorecard import scorecards
from lapor.workflow import NotFound

blp = Blueprint("scorecards", __name__, description="Agency scorecards")


class ScorecardArgs(Schema):
    start = fields.AwareDateTime(validate=supported_year, metadata={"description": "default: 30 days ago"})
    end = fields.AwareDateTime(validate=supported_year, metadata={"description": "default: now"})
    agency = fields.String(validate=validate.Length(max=32))

    @validates_schema
    def _in_order(self, data, **_):
        # Without an end the period ends now: a start after it is as empty a period as any.
        if data.get("start") and data["start"] >= (data.get("end") or utcnow()):
            raise ValidationError("The period must end after it starts.", "end" if data.get("end") else "start")


class ScorecardOut(Schema):
    agency = fields.String()
    name = fields.String()
    received = fields.Integer()
    disposed_on_time = fields.Integer()
    followed_up_on_time = fields.Integer()
    disposition_decided = fields.Integer(metadata={
        "description": "reports whose disposition clock is decided (disposed, or its deadline passed)"})
    followup_decided = fields.Integer(metadata={
        "description": "reports whose follow-up clock is decided (followed up, or its deadline passed): "
                       "followed_up_on_time / followup_decided is the on-time rate"})
    overdue_now = fields.Integer()
    interventions = fields.Integer()
    reprimands = fields.Integer()
    median_followup_working_hours = fields.Float(allow_none=True)
    average_rating = fields.Float(allow_none=True)


@blp.route("/scorecards")
@blp.arguments(ScorecardArgs, location="query")
@blp.response(200, ScorecardOut(many=True))
@blp.doc(security=[{"bearer": []}])
def list_scorecards(args):
    """Scorecards of the agencies within the caller's watch (coordinators: those they supervise)."""
    actor = require_staff()
    now = utcnow()
    end = args.get("end") or now
    start = args.get("start") or end - timedelta(days=30)
    visible = watchable_agency_ids(actor)
    query = select(Agency).order_by(Agency.code)
    if visible is not None:
        query = query.where(Agency.id.in_(visible))
    if args.get("agency"):
        wanted = find_agency(args["agency"])
        if visible is not None and wanted.id not in visible:
            raise NotFound("not_found")
        query = query.where(Agency.id == wanted.id)
    return scorecards(list(db.session.scalars(query)), start, end, now)
