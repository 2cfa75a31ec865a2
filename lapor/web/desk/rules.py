"""The routing rules screen: an owner's rules and draft, editing, activation, the test box, the
back-test and rule files. Sysadmins manage the national set and any agency's, agency admins their
own. Who may manage what, every check and every answer come from the rules backend and the rules
API's helpers (lapor.rulesets, lapor.routing, lapor.api.rules); this module reads forms and shows
their answers."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lapor import access, routing, rulesets
from lapor.api.rules_schemas import ImportArgs, RuleFields, TestIn
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.i18n import gettext, translate_problems
from lapor.intake import find_agency
from lapor.models import REPORT_TYPES, Agency, Category, SlaPolicy
from lapor.rules import CHANNELS, SCOPES
from lapor.rules.store import compile_set, find_set, owner_label
from lapor.web.citizen import load
from lapor.web.desk.actions import refusal
from lapor.web.desk.common import is_htmx, page, staff_only
from lapor.workflow import Actor, InvalidInput, NotFound, StateConflict, WorkflowError

bp = Blueprint("rules", __name__)
MANAGERS = ("sysadmin", "agency_admin")
manage = staff_only(*MANAGERS)
KINDS = ("any", "all", "none")
BACKTEST_SIZES, BACKTEST_DEFAULT = (50, 100, 200, 500, 1000), 200
NEW_RULE = MultiDict({"active": "1", "scope": "both", "priority": "0"})
NEW_TEST = MultiDict({"type": "complaint", "channel": "web"})
RULE = "/<id:rule_id>"
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}
STEPS = {  # /draf/<step>: what happens to the owner's draft, and the message saying so
    "mulai": (lambda agency, actor: rulesets.draft_for(agency, actor, utcnow()),
              "desk.rules.done.started"),
    "buang": (lambda agency, actor: rulesets.discard_draft(agency), "desk.rules.done.discarded"),
    "aktifkan": (lambda agency, actor: rulesets.activate(agency, actor, utcnow()),
                 "desk.rules.done.activated"),
}


@bp.app_context_processor
def _menu():
    return {"rules_roles": MANAGERS}  # the desk's menu shows this screen to these roles


@bp.get("/")
@manage
def index(user):
    return render(user, _chosen(Actor.staff(user), request.args))


@bp.get(RULE)
@manage
def edit(user, rule_id):
    row = rulesets.draft_rule(Actor.staff(user), rule_id)  # 404, 403, or 409 for an active set's rule
    db.session.rollback()  # a page only reads: let go of the draft's lock
    return render(user, row.rule_set.agency, editing=row, form=_form_of(row.data))


@bp.post("/")
@manage
def create(user):
    actor = Actor.staff(user)
    agency = _chosen(actor, request.form)
    return _save(user, agency, None,
                 lambda data: rulesets.add_rule(rulesets.draft_for(agency, actor, utcnow()), data))


@bp.post(RULE)
@manage
def update(user, rule_id):
    row = rulesets.draft_rule(Actor.staff(user), rule_id)
    return _save(user, row.rule_set.agency, row, lambda data: rulesets.update_rule(row, data))


@bp.post(RULE + "/hapus")
@manage
def delete(user, rule_id):
    row = rulesets.draft_rule(Actor.staff(user), rule_id)
    agency, key = row.rule_set.agency, row.key
    rulesets.delete_rule(row)
    db.session.commit()
    return _done(agency, "desk.rules.done.deleted", rule=key)


@bp.post("/draf/<step>")
@manage
def draft_step(user, step):
    """Start the owner's draft, discard it, or activate it; a refusal is shown on the screen."""
    if step not in STEPS:
        abort(404)
    change, message = STEPS[step]
    actor = Actor.staff(user)
    agency = _chosen(actor, request.form)
    try:
        rule_set = change(agency, actor)
        version = rule_set.version if rule_set is not None else None
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        return render(user, agency, refused=refusal(exc), problems=_problems(exc),
                      status=exc.status)
    return _done(agency, message, version=version)


@bp.post("/uji")
@manage
def try_text(user):
    """The test box: what routing would do with a text (POST /api/v1/rules/test's service)."""
    form = request.form
    owner = _chosen(Actor.staff(user), {"agency": form.get("owner", "")})
    raw = {name: form[name].strip() for name in ("text", "agency", "type", "channel")
           if form.get(name, "").strip()}  # an empty text is "required", not "too short"
    args, errors = load(TestIn(), {**raw, "draft": "draft" in form})
    plan = None
    if not errors:
        try:
            plan = _try(args)
        except WorkflowError as exc:  # no such agency, no draft, or a draft that does not compile
            errors = {"agency": [refusal(exc)]} if exc.code == "agency_not_found" else {"_": _explained(exc)}
    context = {"test": plan, "test_form": form, "test_errors": errors,
               "test_draft": bool(args.get("draft")) if not errors else False}
    if is_htmx():  # htmx swaps only successful answers: errors come with 200 too
        return render_template("staff/_rules_test.html", **context)
    return render(user, owner, status=422 if errors else 200, **context)


@bp.post("/uji-ulang")
@manage
def backtest(user):
    """The draft against the owner's latest reports: those it would route differently."""
    actor = Actor.staff(user)
    agency = _chosen(actor, request.form)
    limit = request.form.get("limit", type=int)
    limit = limit if limit in BACKTEST_SIZES else BACKTEST_DEFAULT
    try:
        result = routing.backtest(agency, limit, access.staff_scope(actor))
    except WorkflowError as exc:  # no draft to try, or one that does not compile
        result = {"refused": " ".join(_explained(exc))}
    context = {"backtest": result, "limit": limit}
    if is_htmx():
        return render_template("staff/_rules_backtest.html", **context)
    return render(user, agency, **context)


@bp.post("/impor")
@manage
def import_file(user):
    actor = Actor.staff(user)
    agency = _chosen(actor, request.form)
    args, errors = load(ImportArgs(), {key: request.form[key] for key in ("format", "mode")
                                       if request.form.get(key)})
    text, named = _upload(errors)
    fmt = args.get("format") or named
    if not errors and fmt is None:
        errors["format"] = [gettext("error.rules_format", choices=", ".join(rulesets.FORMATS))]
    problems = []
    if not errors:
        try:
            draft = rulesets.import_rules(agency, actor, utcnow(), text, fmt, args["mode"])
            count = len(draft.rules)
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()  # nothing of a refused file is kept
            errors, problems = {"_": [refusal(exc)]}, _problems(exc)
    if errors:
        return render(user, agency, import_form=request.form, import_errors=errors,
                      problems=problems, status=422)
    return _done(agency, "desk.rules.done.imported", count=count)


def render(user, agency: Agency | None, status: int = 200, **extra):
    """The screen for one owner; `extra` holds a refused form's values and errors, or results."""
    active, draft = find_set(agency, "active"), find_set(agency, "draft")
    targets = rulesets.Checker(agency).targets
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    context = {
        "owner": agency, "owner_code": agency.code if agency else "", "label": owner_label(agency),
        "active": active, "draft": draft, "changes": _changes(active, draft),
        "agencies": agencies, "targets": [a for a in agencies if a.code in targets],
        "categories": db.session.scalars(select(Category).order_by(Category.name)).all(),
        "policies": db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.name)).all(),
        "report_types": REPORT_TYPES, "channels": sorted(CHANNELS), "scopes": SCOPES,
        "kinds": KINDS, "formats": rulesets.FORMATS, "sizes": BACKTEST_SIZES,
        "limit": BACKTEST_DEFAULT, "editing": None, "form": NEW_RULE, "errors": {},
        "test": None, "test_form": NEW_TEST, "test_errors": {}, "backtest": None,
        "import_form": {}, "import_errors": {}, "problems": [], "refused": None,
    }
    context.update(extra)
    return page("staff/rules.html", user, status=status, **context)


def _chosen(actor: Actor, values) -> Agency | None:
    """The owner asked for (the admin's own agency, or the national set, without one), if the
    actor may manage it: 403 otherwise, 404 for an agency that does not exist."""
    try:
        agency = rulesets.owner_for(actor, (values.get("agency") or "").strip())
    except InvalidInput as exc:
        raise NotFound(exc.code, **exc.params) from None
    rulesets.check_may_manage(actor, agency)
    return agency


def _done(agency: Agency | None, message: str, **params):
    flash(gettext(message, owner=owner_label(agency), **params), "success")
    return redirect(url_for(".index", agency=agency.code if agency else None), 303)


def _save(user, agency: Agency | None, row, change):
    """Carry out the rule form with `change(data)`; a refusal shows the form again as typed."""
    data, errors = _read_rule(request.form)
    if not errors:
        try:
            key = change(data).key
            db.session.commit()
            return _done(agency, "desk.rules.done." + ("updated" if row else "created"), rule=key)
        except WorkflowError as exc:
            errors = _refused(exc)
    return render(user, agency, editing=row, form=request.form, errors=errors, status=422)


def _read_rule(form) -> tuple[dict, dict[str, list[str]]]:
    """The rule form in the API's shape, checked by its schema; errors by the form's field names."""
    raw = {
        "name": form.get("name", "").strip(), "priority": form.get("priority", "").strip() or 0,
        "active": "active" in form, "scope": form.get("scope", "both"),
        "keywords": {kind: _words(form.get(kind, "")) for kind in KINDS},
        "filters": {"report_types": form.getlist("report_types"),
                    "channels": form.getlist("channels")},
        "actions": {"category": form.get("category") or None, "policy": form.get("policy") or None,
                    "urgent": "urgent" in form, "stop": "stop" in form},
    }
    for name in ("key", "target", "regex"):
        if form.get(name, "").strip():
            raw[name] = form[name].strip()
    args, errors = load(RuleFields(), raw)
    by_field = {}
    for name, messages in errors.items():  # keywords_any_0 → any, actions_category → category
        name = re.sub(r"^(keywords|filters|actions)_|_\d+$", "", name)
        by_field.setdefault(name, []).extend(messages)
    return (rulesets.rule_data(args) if not errors else {}), by_field


def _words(text: str) -> list[str]:
    """Keywords typed one a line, or separated by commas or semicolons."""
    return [word.strip() for word in re.split(r"[,;\n]", text) if word.strip()]


def _form_of(data: dict) -> MultiDict:
    """A stored rule as the form's values (the template shows None as empty)."""
    keywords, filters, actions = (data.get(k) or {} for k in ("keywords", "filters", "actions"))
    form = MultiDict({"key": data["id"], "name": data.get("name"), "target": data["target"],
                      "priority": data.get("priority", 0), "regex": data.get("regex"),
                      "scope": data.get("scope"), "category": actions.get("category"),
                      "policy": actions.get("policy"),
                      **{kind: ", ".join(keywords.get(kind) or ()) for kind in KINDS}})
    for name in ("report_types", "channels"):
        form.setlist(name, filters.get(name) or [])
    for name, value in (("active", data.get("active", True)), ("urgent", actions.get("urgent")),
                        ("stop", actions.get("stop"))):
        if value:
            form[name] = "1"
    return form


def _refused(exc: WorkflowError) -> dict[str, list[str]]:
    """A refused change, rolled back: the rules' own problems, or the refusal itself."""
    db.session.rollback()
    return {"_": _explained(exc)}


def _explained(exc: WorkflowError) -> list[str]:
    """A refusal in the reader's language: the rules' own problems, or the refusal itself."""
    return [problem["message"] for problem in _problems(exc)] or [refusal(exc)]


def _problems(exc: WorkflowError) -> list[dict]:
    """An InvalidRules' problems (row, line, rule), their messages in the reader's language."""
    return translate_problems(getattr(exc, "errors", None))


def _changes(active, draft) -> dict:
    """How the draft differs from the active set: rule keys added or changed, and removed."""
    if draft is None:
        return {}
    before = {row.key: row.data for row in active.rules} if active else {}
    marks = {row.key: "new" if row.key not in before else "changed"
             for row in draft.rules if before.get(row.key) != row.data}
    return {"marks": marks, "removed": sorted(before.keys() - {row.key for row in draft.rules})}


def _try(args: dict) -> routing.Plan:
    agency = find_agency(args.get("agency"))
    compiled = None
    if args["draft"]:
        draft = find_set(agency, "draft")
        if draft is None:
            raise StateConflict("rules_no_draft", owner=owner_label(agency))
        compiled = compile_set(draft)
    return routing.plan_route(args.get("title"), args["text"], args["type"], args["channel"],
                              agency, compiled)


def _upload(errors: dict) -> tuple[str, str | None]:
    """The file's text (or else the pasted text), and the format the file's name tells."""
    upload = request.files.get("file")
    name, text = (upload.filename or "").lower() if upload else "", request.form.get("text", "")
    if name:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            errors["file"], text = [gettext("desk.rules.import.not_text")], ""
    if not text.strip() and "file" not in errors:
        errors["file"] = [gettext("error.rules_empty_file")]
    return text, next((fmt for ext, fmt in EXTENSIONS.items() if name.endswith(ext)), None)
