"""Request and response shapes of the rules API (lapor/api/rules.py).

A rule travels in the rules engine's dict form (``lapor.rules.model``), with
``key`` for the rule's own ``id`` (the one files use), since ``id`` in the
API is the stored row's number.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from lapor.api.schemas import StrictSchema
from lapor.models import REPORT_TYPES
from lapor.routing import BACKTEST_MAX
from lapor.rules import CHANNELS, SCOPES
from lapor.rulesets import FORMATS, KEY_MAX, KEYWORD_MAX, NAME_MAX, PRIORITIES, REGEX_MAX


def _keywords() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=KEYWORD_MAX)), load_default=list)


class KeywordsSchema(StrictSchema):
    any = _keywords()
    all = _keywords()
    none = _keywords()


class FiltersSchema(StrictSchema):
    report_types = fields.List(fields.String(validate=validate.OneOf(REPORT_TYPES)),
                               load_default=list)
    channels = fields.List(fields.String(validate=validate.OneOf(sorted(CHANNELS))),
                           load_default=list)


class ActionsSchema(StrictSchema):
    category = fields.String(validate=validate.Length(max=40), allow_none=True)
    policy = fields.String(validate=validate.Length(max=32), allow_none=True)
    urgent = fields.Boolean(load_default=False)
    stop = fields.Boolean(load_default=False)


class RuleFields(StrictSchema):
    key = fields.String(validate=validate.Length(min=1, max=KEY_MAX),
                        metadata={"description": "the rule's `id` in files, kept across versions"})
    name = fields.String(validate=validate.Length(max=NAME_MAX), load_default="")
    target = fields.String(required=True, validate=validate.Length(min=1, max=32))
    priority = fields.Integer(load_default=0, validate=validate.Range(*PRIORITIES))
    active = fields.Boolean(load_default=True)
    keywords = fields.Nested(KeywordsSchema, load_default=dict)
    regex = fields.String(validate=validate.Length(min=1, max=REGEX_MAX), allow_none=True)
    scope = fields.String(load_default="both", validate=validate.OneOf(SCOPES))
    filters = fields.Nested(FiltersSchema, load_default=dict)
    actions = fields.Nested(ActionsSchema, load_default=dict)
    position = fields.Integer(validate=validate.Range(min=0),
                              metadata={"description": "0 is first; ties go to the earlier rule"})


class RuleIn(RuleFields):
    agency = fields.String(validate=validate.Length(max=32), allow_none=True)


class OwnerIn(StrictSchema):
    agency = fields.String(validate=validate.Length(max=32), allow_none=True)


class AbbreviationsIn(OwnerIn):
    abbreviations = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)),
                                values=fields.String(validate=validate.Length(min=1, max=200)),
                                required=True)


class ExportArgs(OwnerIn):
    format = fields.String(load_default="yaml", validate=validate.OneOf(FORMATS))
    set = fields.String(load_default="active", validate=validate.OneOf(("active", "draft")))


class ImportArgs(OwnerIn):
    format = fields.String(validate=validate.OneOf(FORMATS))
    mode = fields.String(load_default="replace", validate=validate.OneOf(("replace", "append")))


class TestIn(OwnerIn):
    text = fields.String(required=True, validate=validate.Length(min=1, max=10000),
                         metadata={"description": "matched as the report's body"})
    title = fields.String(validate=validate.Length(max=200), allow_none=True)
    type = fields.String(load_default="complaint", validate=validate.OneOf(REPORT_TYPES))
    channel = fields.String(load_default="web", validate=validate.OneOf(sorted(CHANNELS)))
    draft = fields.Boolean(load_default=False,
                           metadata={"description": "test the draft, not the active set"})


class BacktestIn(OwnerIn):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=BACKTEST_MAX))


class RuleOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    key = fields.String()
    name = fields.String()
    target = fields.String()
    priority = fields.Integer()
    active = fields.Boolean()
    keywords = fields.Dict()
    regex = fields.String(allow_none=True)
    scope = fields.String()
    filters = fields.Dict()
    actions = fields.Dict()


class SetOut(Schema):
    id = fields.Integer()
    owner = fields.String()
    version = fields.Integer()
    status = fields.String()
    created_at = fields.DateTime()
    activated_at = fields.DateTime(allow_none=True)
    abbreviations = fields.Dict()
    rules = fields.List(fields.Nested(RuleOut))


class SetsOut(Schema):
    owner = fields.String()
    active = fields.Nested(SetOut, allow_none=True)
    draft = fields.Nested(SetOut, allow_none=True)


class DecisionOut(Schema):
    agency = fields.String()
    category = fields.String(allow_none=True)
    policy = fields.String(allow_none=True)
    urgent = fields.Boolean()
    rule = fields.String(allow_none=True)
    method = fields.String()


class TestOut(Schema):
    decision = fields.Nested(DecisionOut, allow_none=True)
    matches = fields.List(fields.Dict())
    reason = fields.String()
    why = fields.String(allow_none=True)
    candidates = fields.List(fields.Dict())
    rules = fields.Dict(allow_none=True)


class BacktestOut(Schema):
    rules = fields.Dict()
    examined = fields.Integer()
    different = fields.List(fields.Dict())
