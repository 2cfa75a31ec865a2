"""Request and response shapes of the JSON API (marshmallow 4)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from lapor.clock import utcnow
from lapor.models import ARCHIVE_REASONS, REPORT_TYPES
from lapor.models.user import PASSWORD_MAX
from lapor.sla import calendar

# As people write numbers: +62 812-3456-7890, (0812) 3456 7890, 0812.3456.7890; 7 to 15 digits.
PHONE = re.compile(r"^\+?[0-9 ().\-]{7,24}$")


EASTERNMOST = ZoneInfo("Asia/Jayapura")


def supported_year(value) -> None:
    """A date or instant the calendars can work with (``sla.calendar.YEARS``)."""
    if not calendar.within_years(value):
        first, last = calendar.YEARS
        raise ValidationError(calendar.YEARS_MESSAGE.format(first=first, last=last))


class Text(fields.String):
    """A string without NUL characters (databases refuse them; no citizen means to send one)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Contains a character that is not allowed.")
        return text


class StrictSchema(Schema):
    class Meta:
        ordered = True


class ReporterIn(StrictSchema):
    name = Text(validate=validate.Length(max=200), allow_none=True)
    phone = Text(validate=validate.Length(max=32), allow_none=True)
    email = fields.Email(validate=validate.Length(max=254), allow_none=True)

    @validates("phone")
    def _phone(self, value, **_):
        if value and not (PHONE.match(value) and 7 <= sum(c.isdigit() for c in value) <= 15):
            raise ValidationError("Invalid phone number.")


class ReportIn(StrictSchema):
    title = Text(required=True, validate=validate.Length(min=5, max=200))
    body = Text(required=True, validate=validate.Length(min=10, max=10000))
    type = Text(load_default="complaint", validate=validate.OneOf(REPORT_TYPES))
    agency = Text(validate=validate.Length(max=32), allow_none=True)
    category = Text(validate=validate.Length(max=40), allow_none=True)
    event_date = fields.Date(allow_none=True)
    location = Text(validate=validate.Length(max=300), allow_none=True)
    anonymous = fields.Boolean(load_default=False)
    confidential = fields.Boolean(load_default=False)
    reporter = fields.Nested(ReporterIn, load_default=dict)

    @validates("event_date")
    def _not_future(self, value, **_):
        # Today somewhere in Indonesia: in Papua (WIT) the day begins two hours before Jakarta's.
        if value and value > utcnow().astimezone(EASTERNMOST).date():
            raise ValidationError("Event date cannot be in the future.")


class AgencyRef(Schema):
    code = fields.String()
    name = fields.String()


class EventOut(Schema):
    at = fields.DateTime()
    kind = fields.String()
    label = fields.String()
    actor = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    agency = fields.Nested(AgencyRef, allow_none=True)
    message = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class ReporterOut(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ReportOut(Schema):
    tracking_id = fields.String()
    title = fields.String()
    body = fields.String()
    type = fields.String()
    channel = fields.String()
    state = fields.String()
    state_label = fields.String()
    anonymous = fields.Boolean()
    confidential = fields.Boolean()
    urgent = fields.Boolean()
    agency = fields.Nested(AgencyRef, allow_none=True)
    category = fields.Nested(AgencyRef, allow_none=True)
    event_date = fields.Date(allow_none=True)
    location = fields.String(allow_none=True)
    received_at = fields.DateTime()
    rating = fields.Integer(allow_none=True)
    archive_reason = fields.String(allow_none=True)
    policy = fields.String(allow_none=True)
    disposition_due_at = fields.DateTime(allow_none=True)
    followup_due_at = fields.DateTime(allow_none=True)
    next_due_at = fields.DateTime(allow_none=True)
    reporter = fields.Nested(ReporterOut, allow_none=True)
    timeline = fields.List(fields.Nested(EventOut))


class ReportCreated(ReportOut):
    access_token = fields.String(metadata={"description": "Keep it: it opens the private view."})
    private_url = fields.String()


class ReportListArgs(Schema):
    state = Text(validate=validate.OneOf(
        ("received", "disposed", "in_progress", "waiting_reporter", "resolved", "closed", "archived")
    ))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    after = Text(validate=validate.Length(min=1, max=64), metadata={
        "description": "the `next` of the page before: the page after it, unmoved by reports that arrive "
                       "meanwhile"})

    @validates_schema
    def _page_or_after(self, data, **_):
        if data.get("after") and data["page"] != 1:
            raise ValidationError("Give page or after, not both.", "after")


class ReportPage(Schema):
    items = fields.List(fields.Nested(ReportOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    next = fields.String(allow_none=True, metadata={
        "description": "`after` for the next page; null on the last page"})


class TokenIn(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=80))
    password = Text(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX), load_only=True)


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


PUBLIC_NOTE = {"description": "Shown on the report's timeline to the reporter and, unless the report is "
                              "confidential, to the public; sent to the reporter with the news."}


class AgencyTarget(StrictSchema):
    agency = Text(required=True, validate=validate.Length(min=1, max=32))
    note = Text(validate=validate.Length(max=10000), allow_none=True, metadata=PUBLIC_NOTE)


class ReasonIn(StrictSchema):
    reason = Text(required=True, validate=validate.Length(min=1, max=300))


class FollowUpIn(StrictSchema):
    message = Text(required=True, validate=validate.Length(min=1, max=10000))
    final = fields.Boolean(load_default=False)


class MessageIn(StrictSchema):
    message = Text(required=True, validate=validate.Length(min=1, max=10000))


class ArchiveIn(StrictSchema):
    reason = Text(required=True, validate=validate.OneOf(ARCHIVE_REASONS))
    note = Text(validate=validate.Length(max=10000), allow_none=True, metadata=PUBLIC_NOTE)


class FlagsIn(StrictSchema):
    anonymous = fields.Boolean()
    confidential = fields.Boolean()


class ConfirmIn(StrictSchema):
    satisfied = fields.Boolean(required=True)
    comment = Text(validate=validate.Length(max=5000), allow_none=True)


class RatingIn(StrictSchema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = Text(validate=validate.Length(max=5000), allow_none=True)


class AgencyOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.String(allow_none=True)
    timezone = fields.String()


class CategoryOut(Schema):
    code = fields.String()
    name = fields.String()
    parent = fields.String(allow_none=True)
    policy = fields.String(allow_none=True)
