"""Managing rule sets: drafts, the checks every rule passes, files, and activation.

Admins change an owner's draft (made from its active set on the first change)
and activate it; the active set is then retired, and every process's compiled
rules (``lapor.rules.store``) follow at its next decision. Rules are checked
by the engine (``lapor.rules.model``) and against the database: targets must
be the owner or its units (any agency for the national set), categories and
SLA policies must exist. A refused change raises before changing anything, or
leaves the session for the caller to roll back. Nothing here commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lapor import audit
from lapor.extensions import db
from lapor.intake import find_agency
from lapor.models import Agency, Category, RuleRow, RuleSet, SlaPolicy, subtree_ids
from lapor.rules import transfer
from lapor.rules.model import KEYWORD_KINDS, RuleError, regex_gives_up, rule_from_dict, rule_to_dict
from lapor.rules.normalise import Normaliser, default_abbreviations
from lapor.rules.store import InvalidRules, compile_set, find_set, owner_label, remember, slot
from lapor.workflow import Actor, NotAllowed, NotFound, StateConflict

FORMATS = ("yaml", "csv")
# What a stored rule may hold, whichever way it comes (API, desk form, file); the API's schema
# says the same (lapor.api.rules_schemas).
KEY_MAX, NAME_MAX, REGEX_MAX, PRIORITIES = 64, 200, 500, (-1000, 1000)
KEYWORD_MAX = 200  # characters of one keyword as written
# Separate the keywords of a list in the desk's form (",") and in CSV files (";"): inside one
# keyword they would split it on the next save or import. Matching reads them as spaces anyway.
KEYWORD_SEPARATORS = (",", ";")


def find_rule(row_id: int) -> RuleRow:
    row = db.session.get(RuleRow, row_id)
    if row is None:
        raise NotFound("rule_not_found")
    return row


def lock_draft(row: RuleRow) -> None:
    """Refuse unless the rule is in a draft; its set stays locked until the change is committed,
    so no activation slips in between (an active set must never change: processes compiled it)."""
    rule_set = db.session.get(RuleSet, row.rule_set_id, with_for_update=True,
                              populate_existing=True)
    if rule_set.status != "draft":
        raise StateConflict("rules_not_draft")


def owner_for(actor: Actor, code: str | None) -> Agency | None:
    """The rule set owner a staff member names (an agency admin's own agency by default;
    None is the national set)."""
    if code:
        return find_agency(code)
    if actor.who == "agency_admin" and actor.agency_id is not None:
        return db.session.get(Agency, actor.agency_id)
    return None


def check_may_manage(actor: Actor, agency: Agency | None) -> None:
    """Raise unless ``actor`` may change ``agency``'s rules (sysadmins: every set)."""
    if actor.who == "sysadmin":
        return
    if actor.who == "agency_admin" and agency is not None and agency.id == actor.agency_id:
        return
    raise NotAllowed("rules_not_yours", owner=owner_label(agency))


def draft_rule(actor: Actor, rule_id: int) -> RuleRow:
    """A rule of a draft that ``actor`` may change, locked for the change."""
    row = find_rule(rule_id)
    check_may_manage(actor, row.rule_set.agency)
    lock_draft(row)
    return row


def rule_data(args: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's dict form of a request's rule (its ``key`` is the rule's ``id``)."""
    data = {k: v for k, v in args.items() if k not in ("agency", "position", "key")}
    if args.get("key"):
        data["id"] = args["key"]
    return data


def draft_for(agency: Agency | None, actor: Actor, now: datetime) -> RuleSet:
    """The owner's draft (locked for the change to come), first made as a copy of its active set
    when there is none."""
    draft = find_set(agency, "draft", lock=True)
    if draft is not None:
        return draft
    active = find_set(agency, "active")
    owned = RuleSet.agency_id == agency.id if agency is not None else RuleSet.agency_id.is_(None)
    version = (db.session.scalar(select(func.max(RuleSet.version)).where(owned)) or 0) + 1
    draft = RuleSet(agency=agency, version=version, status="draft", slot=slot("draft", agency),
                    abbreviations=dict(active.abbreviations or {}) if active else None,
                    created_at=now, created_by_id=actor.user_id)
    for row in active.rules if active else ():
        draft.rules.append(RuleRow(position=row.position, key=row.key, name=row.name,
                                   target=row.target, data=dict(row.data)))
    db.session.add(draft)
    _flush()
    return draft


def _flush() -> None:
    """Flush; the unique slots turn a concurrent admin's change into a clear 409 (the caller
    rolls back, as after any refused change). No savepoint: SQLite's driver would commit it."""
    try:
        db.session.flush()
    except IntegrityError:
        raise StateConflict("rules_busy") from None


class Checker:
    """Judges rule dicts for one owner: the engine's checks, then targets (the owner and its
    units; any agency for the national set), categories and SLA policies that exist."""

    def __init__(self, agency: Agency | None):
        self.owner = owner_label(agency)
        self.scoped = agency is not None
        query = select(Agency.code)
        if agency is not None:
            query = query.where(Agency.id.in_(subtree_ids(agency.id)))
        self.targets = set(db.session.scalars(query))
        self.categories = set(db.session.scalars(select(Category.code)))
        self.policies = set(db.session.scalars(select(SlaPolicy.code)))

    def check(self, data: Mapping[str, Any], taken: set[str]) -> dict[str, Any]:
        """The canonical dict form of a valid rule; raises ``RuleError``."""
        if not isinstance(data, Mapping):
            raise RuleError(f"rule must be a mapping, got {type(data).__name__}")
        data = dict(data)
        owner = data.get("owner")
        if owner not in (None, "") and str(owner).strip().upper() != self.owner:
            raise RuleError(f"owner must be {self.owner} (this rule set's owner), got {owner!r}")
        data["owner"] = self.owner
        if isinstance(data.get("target"), str):
            data["target"] = data["target"].strip().upper()
        key = data.get("id")
        if key in (None, ""):
            data["id"] = _new_key(data.get("name"), taken)
        elif isinstance(key, int) and not isinstance(key, bool):
            data["id"] = str(key)  # keys are text in the database and in files
        rule = rule_from_dict(data)
        where = f"rule {rule.id!r}: "
        if len(rule.id) > KEY_MAX or len(rule.name) > NAME_MAX:
            raise RuleError(where + f"id is limited to {KEY_MAX} characters, name to {NAME_MAX}")
        if not PRIORITIES[0] <= rule.priority <= PRIORITIES[1]:
            raise RuleError(where + f"priority must be between {PRIORITIES[0]} and {PRIORITIES[1]}, "
                                    f"got {rule.priority}")
        keywords = [keyword for kind in KEYWORD_KINDS for keyword in getattr(rule, kind)]
        if any(len(keyword) > KEYWORD_MAX for keyword in keywords):
            raise RuleError(where + f"a keyword is limited to {KEYWORD_MAX} characters")
        split = next((k for k in keywords if any(mark in k for mark in KEYWORD_SEPARATORS)), None)
        if split is not None:
            raise RuleError(where + f"the keyword {split!r} holds ',' or ';', which separate keywords; "
                                    "write a space instead (matching reads them as one)")
        if rule.regex is not None and len(rule.regex) > REGEX_MAX:
            raise RuleError(where + f"the regex is limited to {REGEX_MAX} characters")
        if rule.regex is not None and regex_gives_up(rule.regex):
            raise RuleError(where + f"the regex {rule.regex!r} takes too long on ordinary texts; simplify it")
        if rule.id in taken:
            raise RuleError(where + "another rule of this set has the same id")
        if rule.target not in self.targets:
            raise RuleError(where + (
                f"target {rule.target!r} is not {self.owner} or one of its units" if self.scoped
                else f"unknown target agency {rule.target!r}"))
        if rule.category is not None and rule.category not in self.categories:
            raise RuleError(where + f"unknown category {rule.category!r}")
        if rule.policy is not None and rule.policy not in self.policies:
            raise RuleError(where + f"unknown SLA policy {rule.policy!r}")
        return rule_to_dict(rule)


def _new_key(name: Any, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", str(name or "").lower()).strip("-")[:KEY_MAX - 4] or "aturan"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _row(rule: dict[str, Any]) -> RuleRow:
    return RuleRow(position=0, key=rule["id"], name=rule["name"], target=rule["target"], data=rule)


def _renumber(draft: RuleSet) -> None:
    for position, row in enumerate(draft.rules):
        row.position = position


def _check_all(agency: Agency | None, rows: Iterable[tuple[int, Mapping[str, Any]]],
               taken: set[str], errors: list[dict[str, Any]],
               lines: Mapping[int, int] | None = None) -> list[dict[str, Any]]:
    """The valid rules among numbered ``rows``; every invalid one adds its error to ``errors``."""
    checker, rules = Checker(agency), []
    for number, data in rows:
        try:
            rule = checker.check(data, taken)
        except RuleError as exc:
            errors.append({"row": number, "line": (lines or {}).get(number), "rule": _named_id(data),
                           "message": str(exc)})
            continue
        taken.add(rule["id"])
        rules.append(rule)
    return rules


def _one(checker: Checker, data: Mapping[str, Any], taken: set[str]) -> dict[str, Any]:
    try:
        return checker.check(data, taken)
    except RuleError as exc:
        raise InvalidRules([{"row": None, "rule": _named_id(data), "message": str(exc)}]) from None


def _named_id(data: Any) -> str | int | None:
    """The id a refused rule gave, as an answer can carry it (a YAML id may be bytes or a set)."""
    rule_id = data.get("id") if isinstance(data, Mapping) else None
    if rule_id is None or (isinstance(rule_id, str | int) and not isinstance(rule_id, bool)):
        return rule_id
    return repr(rule_id)[:100]


def add_rule(draft: RuleSet, data: Mapping[str, Any], position: int | None = None) -> RuleRow:
    """Add a rule to a draft, at ``position`` (0 first) or last."""
    rule = _one(Checker(draft.agency), data, {r.key for r in draft.rules})
    row = _row(rule)
    draft.rules.insert(len(draft.rules) if position is None else max(position, 0), row)
    _renumber(draft)
    _flush()
    return row


def update_rule(row: RuleRow, data: Mapping[str, Any], position: int | None = None) -> RuleRow:
    """Replace a draft's rule (a missing id keeps the rule's own) and optionally move it."""
    draft = row.rule_set
    data = {**data, "id": data.get("id") or row.key}
    rule = _one(Checker(draft.agency), data, {r.key for r in draft.rules if r is not row})
    row.key, row.name, row.target, row.data = rule["id"], rule["name"], rule["target"], rule
    if position is not None:
        draft.rules.remove(row)
        draft.rules.insert(max(position, 0), row)
        _renumber(draft)
    _flush()
    return row


def delete_rule(row: RuleRow) -> None:
    draft = row.rule_set
    draft.rules.remove(row)  # delete-orphan removes the row
    _renumber(draft)
    _flush()


def check_abbreviations(extra: Any) -> dict[str, str]:
    """Admin-added abbreviations, validated with the shipped dictionary they extend."""
    try:
        if not isinstance(extra, Mapping):
            raise ValueError("abbreviations must map short forms to expansions")
        Normaliser({**default_abbreviations(), **extra})
    except ValueError as exc:
        raise InvalidRules([{"row": None, "field": "abbreviations", "message": str(exc)}]) from None
    return dict(extra)


def import_rules(agency: Agency | None, actor: Actor, now: datetime, text: str, fmt: str,
                 mode: str = "replace") -> RuleSet:
    """Read a YAML or CSV file into the owner's draft: every row is checked before anything
    changes, and any error (each with its row number) leaves the draft as it was."""
    try:
        parsed = transfer.load_yaml(text) if fmt == "yaml" else transfer.load_csv(text)
    except transfer.FileProblems as exc:
        raise InvalidRules(exc.errors) from None
    errors = list(parsed.errors)
    label = owner_label(agency)
    if parsed.owner not in (None, "") and str(parsed.owner).strip().upper() != label:
        errors.append({"row": None, "line": 1,
                       "message": f"the file holds the rules of {parsed.owner}, not of {label}"})
    current = find_set(agency, "draft") or find_set(agency, "active")
    taken = {r.key for r in current.rules} if mode == "append" and current else set()
    rules = _check_all(agency, parsed.rows, taken, errors, parsed.lines)
    abbreviations = None
    if parsed.abbreviations is not None:
        try:
            abbreviations = check_abbreviations(parsed.abbreviations)
        except InvalidRules as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidRules(sorted(errors, key=lambda e: (e["row"] is not None, e["row"] or 0)))
    draft = draft_for(agency, actor, now)
    if mode == "replace":
        draft.rules.clear()
        db.session.flush()  # old keys go before new rows may reuse them
    draft.rules.extend(_row(rule) for rule in rules)
    if abbreviations is not None:
        if mode == "append":
            abbreviations = {**(draft.abbreviations or {}), **abbreviations}
        draft.abbreviations = abbreviations
    _renumber(draft)
    db.session.flush()
    return draft


def export_rules(agency: Agency | None, status: str, fmt: str) -> tuple[str, int]:
    """The owner's active set or draft as a file, and its version (0: nothing active yet)."""
    rule_set = find_set(agency, status)
    if rule_set is None and status == "draft":
        raise StateConflict("rules_no_draft", owner=owner_label(agency))
    rules = [row.data for row in rule_set.rules] if rule_set else []
    version = rule_set.version if rule_set else 0
    if fmt == "csv":
        return transfer.dump_csv(rules), version
    abbreviations = rule_set.abbreviations if rule_set else None
    return transfer.dump_yaml(owner_label(agency), version, status, rules, abbreviations), version


def activate(agency: Agency | None, actor: Actor, now: datetime) -> RuleSet:
    """The owner's draft becomes its active set; the active one is retired."""
    draft = find_set(agency, "draft", lock=True)
    if draft is None:
        raise StateConflict("rules_no_draft", owner=owner_label(agency))
    compiled = compile_set(draft)  # a set that does not compile must never become active
    active = find_set(agency, "active", lock=True)
    if active is not None:
        active.status, active.slot, active.retired_at = "retired", None, now
        _flush()  # free the active slot before the draft takes it
    latest = db.session.scalar(select(func.max(RuleSet.generation))) or 0
    draft.status, draft.slot = "active", slot("active", agency)
    draft.generation, draft.stamp = latest + 1, secrets.token_hex(8)
    draft.activated_at, draft.activated_by_id = now, actor.user_id
    audit.record(actor, "rules.activate", owner_label(agency), now,
                 {"version": draft.version, "rules": len(draft.rules),
                  "retired": active.version if active is not None else None})
    _flush()
    remember(draft, compiled)
    return draft


def discard_draft(agency: Agency | None) -> None:
    draft = find_set(agency, "draft", lock=True)
    if draft is None:
        raise StateConflict("rules_no_draft", owner=owner_label(agency))
    db.session.delete(draft)
    db.session.flush()


def install(agency: Agency | None, rules: Iterable[Mapping[str, Any]], actor: Actor, now: datetime,
            abbreviations: Mapping[str, str] | None = None) -> RuleSet:
    """Replace the owner's rules and activate them at once (seeding, scripts)."""
    errors: list[dict[str, Any]] = []
    checked = _check_all(agency, enumerate(rules, 1), set(), errors)
    if errors:
        raise InvalidRules(errors)
    draft = draft_for(agency, actor, now)
    draft.rules.clear()
    db.session.flush()
    draft.rules.extend(_row(rule) for rule in checked)
    draft.abbreviations = check_abbreviations(abbreviations) if abbreviations else None
    _renumber(draft)
    return activate(agency, actor, now)
