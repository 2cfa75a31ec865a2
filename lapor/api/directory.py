"""The agency directory: public lists for clients' pickers; system admins add and change agencies."""

from __future__ import annotations

import re
from datetime import time

from marshmallow import ValidationError, fields, validate, validates, validates_schema
from sqlalchemy import select

from lapor import directory
from lapor.api.parsing import Blueprint
from lapor.api.schemas import AgencyOut, CategoryOut, StrictSchema, Text
from lapor.auth import require_staff
from lapor.channels import sms
from lapor.channels.subdomain import MAIN_SITE_LABELS
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.intake import find_agency, find_category
from lapor.models import TIMEZONES, Agency, Category
from lapor.workflow import InvalidInput, NotFound

blp = Blueprint("directory", __name__, description="Agencies and categories")
STAFF = [{"bearer": []}]
CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{1,31}")
KEYWORD = re.compile(r"[A-Za-z0-9]{2,32}")
CATEGORY_CODE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Words an SMS starts with for a command or a report type: no agency can have them as keyword.
SMS_WORDS = sms.CHECK_WORDS | sms.REPLY_WORDS | sms.HELP_WORDS | frozenset(sms.TYPES)
ZONES = sorted(TIMEZONES) + sorted(TIMEZONES.values())
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _format(pattern: re.Pattern, message: str):
    def check(value: str | None) -> None:
        if value is not None and not pattern.fullmatch(value):
            raise ValidationError(message)
    return check


class OfficeTime(fields.Field):
    """A time of day as HH:MM, in the agency's own zone (no offset, no seconds)."""

    def _deserialize(self, value, attr, data, **kwargs):
        found = CLOCK_TIME.fullmatch(value) if isinstance(value, str) else None
        if found is None:
            raise ValidationError("Not a valid time.")
        return time(int(found[1]), int(found[2]))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%H:%M")


class AgencyFields(StrictSchema):
    name = Text(validate=validate.Length(min=2, max=200))
    kind = fields.String(validate=validate.OneOf(directory.KINDS))
    parent = Text(validate=validate.Length(max=32), allow_none=True)
    timezone = fields.String(validate=validate.OneOf(ZONES))
    office_open = OfficeTime(metadata={"type": "string", "pattern": CLOCK_TIME.pattern, "example": "08:00"})
    office_close = OfficeTime(metadata={"type": "string", "pattern": CLOCK_TIME.pattern, "example": "16:00"})
    sms_keyword = fields.String(allow_none=True, validate=_format(
        KEYWORD, "Letters and digits only, 2 to 32 of them."))
    subdomain = fields.String(allow_none=True, validate=_format(
        SUBDOMAIN, "Lower-case letters, digits and inner hyphens only, 1 to 63 of them."))

    @validates("sms_keyword")
    def _not_a_command(self, value, **_):
        if value is not None and value.upper() in SMS_WORDS:
            raise ValidationError("This word is an SMS command or report type.")

    @validates("subdomain")
    def _not_the_main_site(self, value, **_):
        if value in MAIN_SITE_LABELS:
            raise ValidationError("This address is the main site's.")


class AgencyIn(AgencyFields):
    code = fields.String(required=True, validate=_format(
        CODE, "A letter, then letters and digits only, 2 to 32 in all."))
    name = Text(required=True, validate=validate.Length(min=2, max=200))

    @validates_schema
    def _defaults_are_usable(self, data, **_):
        """The SMS keyword and subdomain default to the code: a code that cannot be either must
        name another (or null for none) rather than get one that never works."""
        code = data.get("code", "")
        if "sms_keyword" not in data and code.upper() in SMS_WORDS:
            raise ValidationError("The code is an SMS command or report type, so it cannot be the SMS keyword: "
                                  "give another sms_keyword, or null.", "sms_keyword")
        if "subdomain" not in data and code.lower() in MAIN_SITE_LABELS:
            raise ValidationError("The code in lower case is the main site's address: give another subdomain, "
                                  "or null.", "subdomain")


class SupervisedIn(StrictSchema):
    agencies = fields.List(Text(validate=validate.Length(max=32)), required=True,
                           validate=validate.Length(max=1000))


class AgencyDetail(AgencyOut):
    office_open = OfficeTime(metadata={"type": "string", "example": "08:00"})
    office_close = OfficeTime(metadata={"type": "string", "example": "16:00"})
    sms_keyword = fields.String(allow_none=True)
    subdomain = fields.String(allow_none=True)
    supervised = fields.List(fields.String())


def _listed(agency: Agency) -> dict:
    return {"code": agency.code, "name": agency.name, "kind": agency.kind, "timezone": agency.timezone,
            "parent": agency.parent.code if agency.parent else None}


def _detail(agency: Agency) -> dict:
    return {**_listed(agency), "office_open": agency.office_open, "office_close": agency.office_close,
            "sms_keyword": agency.sms_keyword, "subdomain": agency.subdomain,
            "supervised": sorted(a.code for a in agency.supervised)}


def _agency(code: str) -> Agency:
    """The agency a path names: as intake finds it, but a 404 when there is none."""
    try:
        return find_agency(code)
    except InvalidInput as exc:
        raise NotFound(exc.code, **exc.params) from None


@blp.route("/agencies", methods=["GET"])
@blp.response(200, AgencyOut(many=True))
def agencies():
    """Every agency with its parent and time zone."""
    return [_listed(a) for a in db.session.scalars(select(Agency).order_by(Agency.code))]


@blp.route("/agencies", methods=["POST"])
@blp.arguments(AgencyIn)
@blp.response(201, AgencyDetail)
@blp.doc(security=STAFF)
def add_agency(args):
    """System admins: add an agency. Its SMS keyword defaults to its code, its subdomain to the
    code in lower case (null: none); office hours to 08:00-16:00, the time zone to WIB."""
    return _detail(directory.create_agency(require_staff(), args, utcnow()))


@blp.route("/agencies/<code>", methods=["GET"])
@blp.response(200, AgencyDetail)
def agency(code):
    """One agency: its place in the tree, office hours, SMS keyword, subdomain, whom it supervises."""
    return _detail(_agency(code))


@blp.route("/agencies/<code>", methods=["PATCH"])
@blp.arguments(AgencyFields)
@blp.response(200, AgencyDetail)
@blp.doc(security=STAFF)
def change_agency(args, code):
    """System admins: change an agency (its code stays). A new time zone, office hours or parent
    recomputes the deadlines of the open reports it and its units hold."""
    actor = require_staff()
    return _detail(directory.update_agency(actor, _agency(code), args, utcnow()))


@blp.route("/agencies/<code>/supervised", methods=["PUT"])
@blp.arguments(SupervisedIn)
@blp.response(200, AgencyDetail)
@blp.doc(security=STAFF)
def supervise(args, code):
    """System admins: the agencies this coordinator supervises (with their units), all of them."""
    actor = require_staff()
    return _detail(directory.set_supervised(actor, _agency(code), args["agencies"], utcnow()))


class CategoryFields(StrictSchema):
    name = Text(validate=validate.Length(min=2, max=200))
    parent = Text(validate=validate.Length(max=40), allow_none=True)
    policy = Text(validate=validate.Length(max=32), allow_none=True,
                  metadata={"description": "the SLA policy of reports filed under it (null: the report type's)"})


class CategoryIn(CategoryFields):
    code = fields.String(required=True, validate=_format(
        CATEGORY_CODE, "Lower-case letters, digits and inner hyphens only, 1 to 40 of them."))
    name = Text(required=True, validate=validate.Length(min=2, max=200))


def _category_view(category: Category) -> dict:
    return {"code": category.code, "name": category.name, "policy": category.policy_code,
            "parent": category.parent.code if category.parent else None}


def _category(code: str) -> Category:
    try:
        return find_category(code)
    except InvalidInput as exc:
        raise NotFound(exc.code, **exc.params) from None


@blp.route("/categories", methods=["GET"])
@blp.response(200, CategoryOut(many=True))
def categories():
    """Every category with its parent and SLA policy."""
    return [_category_view(c) for c in db.session.scalars(select(Category).order_by(Category.code))]


@blp.route("/categories", methods=["POST"])
@blp.arguments(CategoryIn)
@blp.response(201, CategoryOut)
@blp.doc(security=STAFF)
def add_category(args):
    """System admins: add a category, optionally under a parent and with its own SLA policy."""
    return _category_view(directory.create_category(require_staff(), args, utcnow()))


@blp.route("/categories/<code>", methods=["GET"])
@blp.response(200, CategoryOut)
def category(code):
    """One category."""
    return _category_view(_category(code))


@blp.route("/categories/<code>", methods=["PATCH"])
@blp.arguments(CategoryFields)
@blp.response(200, CategoryOut)
@blp.doc(security=STAFF)
def change_category(args, code):
    """System admins: rename a category, move it, or change the SLA policy reports filed under it
    from now on get (reports filed before keep their deadlines)."""
    actor = require_staff()
    return _category_view(directory.update_category(actor, _category(code), args, utcnow()))
