"""Routing rules: an owner's active set and draft, editing, files, activation, tests and back-tests.

The owner is an agency (``agency``: its code) or, without one, the national
set; an agency admin's default is its own agency. Every staff member may read
and test rules; sysadmins manage every set, an agency admin its own agency's.
Changes go to the owner's draft (made from the active set on the first change)
and reach routing when the draft is activated.
"""

from __future__ import annotations

from flask import Response, request

from lapor import access, routing, rulesets
from lapor.api.parsing import Blueprint
from lapor.api.rules_schemas import (
    AbbreviationsIn,
    BacktestIn,
    BacktestOut,
    ExportArgs,
    ImportArgs,
    OwnerIn,
    RuleFields,
    RuleIn,
    RuleOut,
    SetOut,
    SetsOut,
    TestIn,
    TestOut,
)
from lapor.auth import require_staff
from lapor.clock import utcnow
from lapor.errors import error_response
from lapor.extensions import db
from lapor.i18n import gettext, translate_problems
from lapor.intake import find_agency
from lapor.models import Agency, RuleRow, RuleSet
from lapor.rules import store
from lapor.workflow import Actor, InvalidInput, StateConflict

blp = Blueprint("rules", __name__, description="Keyword routing rules")
STAFF = [{"bearer": []}]
CONTENT_TYPES = {"csv": "text/csv", "yaml": "application/yaml"}


@blp.errorhandler(rulesets.InvalidRules)
def _invalid_rules(exc: rulesets.InvalidRules):
    db.session.rollback()  # nothing of a refused change is kept
    message = gettext(f"error.{exc.code}", **exc.params)
    return error_response(exc.status, exc.code, message, errors=translate_problems(exc.errors))


def _managed_owner(code: str | None) -> tuple[Actor, Agency | None]:
    """The signed-in staff member and the rule set owner they ask to change, if they may."""
    actor = require_staff()
    agency = rulesets.owner_for(actor, code)
    rulesets.check_may_manage(actor, agency)
    return actor, agency


def _rule_view(row: RuleRow) -> dict:
    data = dict(row.data)
    data["key"] = data.pop("id")
    data.pop("owner", None)
    return {"id": row.id, "position": row.position, **data}


def _set_view(rule_set: RuleSet | None) -> dict | None:
    if rule_set is None:
        return None
    return {
        "id": rule_set.id, "owner": store.owner_label(rule_set.agency), "version": rule_set.version,
        "status": rule_set.status, "created_at": rule_set.created_at,
        "activated_at": rule_set.activated_at, "abbreviations": rule_set.abbreviations or {},
        "rules": [_rule_view(r) for r in rule_set.rules],
    }


@blp.route("/rules", methods=["GET"])
@blp.arguments(OwnerIn, location="query")
@blp.response(200, SetsOut)
@blp.doc(security=STAFF)
def list_rules(args):
    """An owner's active rule set and its draft (the national set without `agency`)."""
    agency = rulesets.owner_for(require_staff(), args.get("agency"))
    return {"owner": store.owner_label(agency),
            "active": _set_view(store.find_set(agency, "active")),
            "draft": _set_view(store.find_set(agency, "draft"))}


@blp.route("/rules", methods=["POST"])
@blp.arguments(RuleIn)
@blp.response(201, RuleOut)
@blp.doc(security=STAFF)
def create_rule(args):
    """Add a rule to the owner's draft (made from the active set if there is none)."""
    actor, agency = _managed_owner(args.get("agency"))
    draft = rulesets.draft_for(agency, actor, utcnow())
    row = rulesets.add_rule(draft, rulesets.rule_data(args), args.get("position"))
    db.session.commit()
    return _rule_view(row)


@blp.route("/rules/<id:rule_id>", methods=["PUT"])
@blp.arguments(RuleFields)
@blp.response(200, RuleOut)
@blp.doc(security=STAFF)
def update_rule(args, rule_id):
    """Replace a rule of a draft, and move it with `position`."""
    row = rulesets.draft_rule(require_staff(), rule_id)
    row = rulesets.update_rule(row, rulesets.rule_data(args), args.get("position"))
    db.session.commit()
    return _rule_view(row)


@blp.route("/rules/<id:rule_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=STAFF)
def delete_rule(rule_id):
    """Remove a rule from a draft."""
    rulesets.delete_rule(rulesets.draft_rule(require_staff(), rule_id))
    db.session.commit()


@blp.route("/rules/abbreviations", methods=["PUT"])
@blp.arguments(AbbreviationsIn)
@blp.response(200, SetOut)
@blp.doc(security=STAFF)
def set_abbreviations(args):
    """Replace the draft's admin-added SMS abbreviations (on top of the shipped dictionary)."""
    actor, agency = _managed_owner(args.get("agency"))
    abbreviations = rulesets.check_abbreviations(args["abbreviations"])
    draft = rulesets.draft_for(agency, actor, utcnow())
    draft.abbreviations = abbreviations
    db.session.commit()
    return _set_view(draft)


@blp.route("/rules/activate", methods=["POST"])
@blp.arguments(OwnerIn)
@blp.response(200, SetOut)
@blp.doc(security=STAFF)
def activate(args):
    """Make the owner's draft its active rule set; routing uses it from the next report on."""
    actor, agency = _managed_owner(args.get("agency"))
    active = rulesets.activate(agency, actor, utcnow())
    db.session.commit()
    return _set_view(active)


@blp.route("/rules/draft", methods=["DELETE"])
@blp.arguments(OwnerIn, location="query")
@blp.response(204)
@blp.doc(security=STAFF)
def discard_draft(args):
    """Throw the owner's draft away; the active set stays as it is."""
    actor, agency = _managed_owner(args.get("agency"))
    rulesets.discard_draft(agency)
    db.session.commit()


@blp.route("/rules/export", methods=["GET"])
@blp.arguments(ExportArgs, location="query")
@blp.doc(security=STAFF, responses={"200": {"description": "the rule set as YAML or CSV"}})
def export_rules(args):
    """The owner's active set (or draft, `set=draft`) as a YAML document or a CSV sheet."""
    agency = rulesets.owner_for(require_staff(), args.get("agency"))
    fmt = args["format"]
    text, version = rulesets.export_rules(agency, args["set"], fmt)
    name = f"rules-{store.owner_label(agency).lower()}-v{version}.{fmt}"
    return Response(text, mimetype=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/rules/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.response(200, SetOut)
@blp.doc(security=STAFF, requestBody={"required": True, "content": {
    media: {"schema": {"type": "string"}} for media in CONTENT_TYPES.values()}})
def import_rules(args):
    """Load a YAML or CSV file (the request body) into the owner's draft, replacing its rules
    (`mode=append` adds them). Any bad row refuses the whole file, each error with its row."""
    actor, agency = _managed_owner(args.get("agency"))
    fmt = args.get("format") or _format_of(request.mimetype)
    if fmt is None:
        raise InvalidInput("rules_format", choices=", ".join(rulesets.FORMATS))
    text = request.get_data(as_text=True)
    if not text.strip():
        raise InvalidInput("rules_empty_file")
    draft = rulesets.import_rules(agency, actor, utcnow(), text, fmt, args["mode"])
    db.session.commit()
    return _set_view(draft)


def _format_of(mimetype: str) -> str | None:
    if mimetype in ("text/csv", "application/csv"):
        return "csv"
    if mimetype in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"):
        return "yaml"
    return None


@blp.route("/rules/test", methods=["POST"])
@blp.arguments(TestIn)
@blp.response(200, TestOut)
@blp.doc(security=STAFF)
def test_rules(args):
    """Which agency a text would go to, and which rules matched why: the national rules, or with
    `agency` that agency's own, as for a report naming it."""
    require_staff()
    agency = find_agency(args.get("agency"))
    compiled = None
    if args["draft"]:
        draft = store.find_set(agency, "draft")
        if draft is None:
            raise StateConflict("rules_no_draft", owner=store.owner_label(agency))
        compiled = store.compile_set(draft)
    plan = routing.plan_route(args.get("title"), args["text"], args["type"], args["channel"],
                              agency, compiled)
    decision = plan.decision
    return {
        "decision": None if plan.agency is None else {
            "agency": plan.agency.code, "category": plan.category.code if plan.category else None,
            "policy": plan.policy, "urgent": plan.urgent, "rule": plan.routing.get("rule"),
            "method": plan.routing["method"]},
        "matches": [{"rule": m.rule.id, "name": m.rule.name, "agency": m.rule.target,
                     "priority": m.rule.priority, "keywords": list(m.keywords)}
                    for m in decision.matches],
        "reason": decision.reason, "why": decision.explanation.get("why"),
        "candidates": plan.routing.get("candidates") or [],
        "rules": plan.routing.get("rules") if compiled is None else {
            "owner": store.owner_label(agency), "version": draft.version, "status": "draft"},
    }


@blp.route("/rules/backtest", methods=["POST"])
@blp.arguments(BacktestIn)
@blp.response(200, BacktestOut)
@blp.doc(security=STAFF)
def backtest(args):
    """The owner's draft against its latest `limit` reports: those it would route differently."""
    actor, agency = _managed_owner(args.get("agency"))
    return routing.backtest(agency, args["limit"], access.staff_scope(actor))
