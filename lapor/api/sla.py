"""SLA administration: calendar days, policies, the deadline preview."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from lapor import audit
from lapor.api.parsing import Blueprint
from lapor.api.schemas import Text, supported_year
from lapor.auth import require_staff
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.intake import find_agency
from lapor.models import DAY_KINDS, CalendarDay, SlaPolicy
from lapor.queue import add_work
from lapor.sla.adapter import calendar_for_due
from lapor.sla.calendar import WORKING_DAYS_MAX
from lapor.workflow import Actor, InvalidInput, NotAllowed, NotFound, StateConflict, require_sysadmin

blp = Blueprint("sla", __name__, description="Working calendars and SLA policies")
STAFF = [{"bearer": []}]


class DayIn(Schema):
    date = fields.Date(required=True, validate=supported_year)
    kind = fields.String(required=True, validate=validate.OneOf(DAY_KINDS))
    agency = fields.String(validate=validate.Length(max=32), allow_none=True)
    note = fields.String(validate=validate.Length(max=200), allow_none=True)


class DayOut(Schema):
    id = fields.Integer()
    date = fields.Date()
    kind = fields.String()
    agency = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class DayArgs(Schema):
    agency = fields.String(validate=validate.Length(max=32))


class PolicyIn(Schema):
    name = Text(validate=validate.Length(min=1, max=200))
    disposition_days = fields.Float(required=True, validate=validate.Range(min=0.125, max=WORKING_DAYS_MAX))
    followup_days = fields.Float(required=True, validate=validate.Range(min=0.125, max=WORKING_DAYS_MAX))
    extended_followup_days = fields.Float(validate=validate.Range(min=0.125, max=WORKING_DAYS_MAX), allow_none=True)

    @validates_schema
    def _deadlines_in_order(self, data, **_):
        # Both clocks run from receipt: a report is disposed before it can be followed up.
        if data["disposition_days"] > data["followup_days"]:
            raise ValidationError("The disposition deadline must not come after the follow-up deadline.",
                                  "disposition_days")
        extended = data.get("extended_followup_days")
        if extended is not None and extended <= data["followup_days"]:
            raise ValidationError("An extension must be longer than the follow-up deadline.",
                                  "extended_followup_days")


class PolicyNew(PolicyIn):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9-]{1,31}$", error="Lower-case letters, digits and hyphens, 2 to 32, a letter first."))
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    source = Text(validate=validate.Length(max=300), allow_none=True)


class PolicyOut(Schema):
    code = fields.String()
    name = fields.String()
    disposition_days = fields.Float()
    followup_days = fields.Float()
    extended_followup_days = fields.Float(allow_none=True)
    source = fields.String(allow_none=True)


class DueArgs(Schema):
    received = fields.AwareDateTime(required=True, validate=supported_year)
    working_days = fields.Float(required=True, validate=validate.Range(min=0, max=WORKING_DAYS_MAX))
    agency = fields.String(validate=validate.Length(max=32))
    timezone = fields.String(validate=validate.Length(max=64))

    @validates_schema
    def _one_place(self, data, **_):
        if data.get("agency") and data.get("timezone"):
            raise ValidationError("Give agency or timezone, not both.", "timezone")
        if data.get("timezone"):
            try:
                ZoneInfo(data["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationError("Unknown time zone.", "timezone") from None


class DueOut(Schema):
    due = fields.DateTime()
    timezone = fields.String()


def _may_manage(actor: Actor, agency_id: int | None) -> None:
    """Sysadmins manage every calendar; an agency admin only its own agency's."""
    if actor.who == "sysadmin":
        return
    if actor.who == "agency_admin" and agency_id is not None and agency_id == actor.agency_id:
        return
    raise NotAllowed("role_not_allowed", action="calendar", role=actor.who)


def _day_view(day: CalendarDay) -> dict:
    return {"id": day.id, "date": day.day, "kind": day.kind, "note": day.note,
            "agency": day.agency.code if day.agency else None}


def _day_subject(day, agency) -> str:
    """A calendar day in the log: the date, and the agency whose day it is (national: none)."""
    return f"{day.isoformat()} {agency.code}" if agency else day.isoformat()


def _recompute_after(reason: str, now, agency_id=None, policy=None) -> None:
    add_work("recompute_deadlines", {"reason": reason, "agency_id": agency_id, "policy": policy}, now)
    db.session.commit()


def add_calendar_day(actor: Actor, day, kind: str, agency, note: str | None, now) -> CalendarDay:
    """Add a closure or extra working day, commit, and queue the recompute of open deadlines."""
    _may_manage(actor, agency.id if agency else None)
    exists = select(CalendarDay).where(
        CalendarDay.day == day,
        CalendarDay.agency_id == agency.id if agency else CalendarDay.agency_id.is_(None),
    )
    if db.session.scalars(exists).first() is not None:
        raise StateConflict("calendar_day_exists", date=day.isoformat())
    added = CalendarDay(day=day, kind=kind, agency=agency, note=note, created_at=now)
    db.session.add(added)
    audit.record(actor, "calendar.add", _day_subject(day, agency), now, {"kind": kind, "note": note})
    _recompute_after(f"calendar {kind} {day}", now, agency.id if agency else None)
    return added


def remove_calendar_day(actor: Actor, day_id: int, now) -> None:
    """Remove an admin's day, commit, and queue the recompute; the holiday library applies again."""
    day = db.session.get(CalendarDay, day_id)
    if day is None:
        raise NotFound("not_found")
    _may_manage(actor, day.agency_id)
    agency_id, label = day.agency_id, f"calendar day {day.day} removed"
    audit.record(actor, "calendar.remove", _day_subject(day.day, day.agency), now,
                 {"kind": day.kind, "note": day.note})
    db.session.delete(day)
    _recompute_after(label, now, agency_id)


@blp.route("/calendar/days", methods=["GET"])
@blp.arguments(DayArgs, location="query")
@blp.response(200, DayOut(many=True))
@blp.doc(security=STAFF)
def list_days(args):
    """Closures and extra working days: national ones, or an agency's own."""
    require_staff()
    agency = find_agency(args.get("agency"))
    query = select(CalendarDay).order_by(CalendarDay.day)
    query = query.where(CalendarDay.agency_id == agency.id if agency else CalendarDay.agency_id.is_(None))
    return [_day_view(d) for d in db.session.scalars(query)]


@blp.route("/calendar/days", methods=["POST"])
@blp.arguments(DayIn)
@blp.response(201, DayOut)
@blp.doc(security=STAFF)
def add_day(args):
    """Close an office for a day, or open it on a day it would be closed; deadlines follow."""
    actor = require_staff()
    day = add_calendar_day(actor, args["date"], args["kind"], find_agency(args.get("agency")),
                           args.get("note"), utcnow())
    return _day_view(day)


@blp.route("/calendar/days/<id:day_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=STAFF)
def remove_day(day_id):
    """Remove an admin's day; the holiday library's rule applies again."""
    remove_calendar_day(require_staff(), day_id, utcnow())


@blp.route("/sla/policies", methods=["GET"])
@blp.response(200, PolicyOut(many=True))
def list_policies():
    """The SLA policies (disposition and follow-up in working days)."""
    return db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.code)).all()


@blp.route("/sla/policies", methods=["POST"])
@blp.arguments(PolicyNew)
@blp.response(201, PolicyOut)
@blp.doc(security=STAFF)
def add_policy(args):
    """Sysadmins: a new policy, for categories and rules to name."""
    actor = require_staff()
    require_sysadmin(actor, "policy")
    if db.session.get(SlaPolicy, args["code"]) is not None:
        raise StateConflict("policy_exists", policy=args["code"])
    policy = SlaPolicy(**args)
    db.session.add(policy)
    audit.record(actor, "policy.create", policy.code, utcnow(), {k: v for k, v in args.items() if k != "code"})
    db.session.commit()
    return policy


@blp.route("/sla/policies/<code>", methods=["PUT"])
@blp.arguments(PolicyIn)
@blp.response(200, PolicyOut)
@blp.doc(security=STAFF)
def update_policy(args, code):
    """Sysadmins: change a policy; the deadlines of open reports under it are recomputed."""
    actor = require_staff()
    require_sysadmin(actor, "policy")
    policy = db.session.get(SlaPolicy, code)
    if policy is None:
        raise NotFound("not_found")
    kept = policy.extended_followup_days
    if "extended_followup_days" not in args and kept is not None and kept <= args["followup_days"]:
        # The extension it keeps must still extend the new follow-up deadline.
        raise InvalidInput("policy_extension_short", extended=f"{kept:g}", followup=f"{args['followup_days']:g}")
    now = utcnow()
    before = {name: getattr(policy, name) for name in args}
    for name, value in args.items():
        setattr(policy, name, value)
    if difference := audit.changes(before, args):
        audit.record(actor, "policy.update", code, now, difference)
    _recompute_after(f"policy {code} changed", now, policy=code)
    return policy


@blp.route("/sla/due", methods=["GET"])
@blp.arguments(DueArgs, location="query")
@blp.response(200, DueOut)
@blp.doc(security=STAFF)
def due(args):
    """When N working days since a receipt have passed, in an agency's calendar or a zone's."""
    require_staff()
    agency = find_agency(args.get("agency"))
    calendar = calendar_for_due(agency, args.get("timezone"))
    return {"due": calendar.add_working_days(args["received"], args["working_days"]),
            "timezone": calendar.timezone}
