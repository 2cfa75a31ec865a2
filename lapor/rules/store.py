"""Rule sets in the database, as routing reads them: compiled once per process and version.

An active rule set never changes (admins edit a draft and activate it, see
``lapor.rulesets``), so each process compiles an active set once and keeps it
until a newer activation. Every decision reads one indexed row, the latest
activation's (``generation``, ``stamp``); only a changed fingerprint reloads,
and even then only the sets not compiled before are compiled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lapor.extensions import db
from lapor.models import Agency, RuleRow, RuleSet
from lapor.rules.decide import Decision
from lapor.rules.matcher import CompiledRuleSet, build_databases, compile_rules
from lapor.rules.model import rule_from_dict
from lapor.rules.normalise import default_abbreviations
from lapor.workflow import InvalidInput

NATIONAL = "NASIONAL"  # the owner written in the national set's rules (its agency_id is null)


class InvalidRules(InvalidInput):
    """Rules that cannot be stored or compiled; ``errors`` are ``{"row", "line"?, "rule"?, "message"}``."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__("rules_invalid", count=len(errors))
        self.errors = errors


@dataclass(frozen=True)
class ActiveSet:
    id: int
    stamp: str
    owner: str | None  # agency code; None for the national set
    version: int
    compiled: CompiledRuleSet


@dataclass(frozen=True)
class ActiveRules:
    fingerprint: tuple[int, str] | None
    sets: dict[str | None, ActiveSet]


_lock = threading.Lock()
_cache: ActiveRules | None = None  # this process's compiled active rules
# Sets compiled while being activated here, by (id, stamp): the next reload takes them instead
# of compiling again. A rolled-back activation's stamp never appears, and reloads clear this.
_fresh: dict[tuple[int, str], CompiledRuleSet] = {}


def fingerprint() -> tuple[int, str] | None:
    """The latest activation; the stamp is random, so a rebuilt database never looks unchanged."""
    row = db.session.execute(
        select(RuleSet.generation, RuleSet.stamp).where(RuleSet.generation.is_not(None))
        .order_by(RuleSet.generation.desc()).limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def active_rules() -> ActiveRules:
    """Every owner's active set, compiled; rebuilt only after an activation."""
    global _cache
    current = fingerprint()
    cached = _cache
    if cached is not None and cached.fingerprint == current:
        return cached
    with _lock:  # one thread compiles; the others wait for its result
        if _cache is None or _cache.fingerprint != current:
            _cache = _load(current, _cache)
        return _cache


def _load(current: tuple[int, str] | None, previous: ActiveRules | None) -> ActiveRules:
    known = {} if previous is None else {(s.id, s.stamp): s for s in previous.sets.values()}
    fresh = dict(_fresh)
    _fresh.clear()
    rows = db.session.execute(
        select(RuleSet.id, RuleSet.stamp, RuleSet.version, RuleSet.abbreviations, Agency.code)
        .outerjoin(Agency, RuleSet.agency_id == Agency.id).where(RuleSet.status == "active")
    ).all()
    sets = {}
    for set_id, stamp, version, abbreviations, code in rows:
        entry = known.get((set_id, stamp))
        if entry is None and (set_id, stamp) in fresh:
            entry = ActiveSet(set_id, stamp, code, version, fresh[set_id, stamp])
        if entry is None:
            data = db.session.scalars(select(RuleRow.data).where(RuleRow.rule_set_id == set_id)
                                      .order_by(RuleRow.position)).all()
            entry = ActiveSet(set_id, stamp, code, version, _compile(data, abbreviations, build=False))
        sets[code] = entry
    build_databases(active.compiled for active in sets.values())  # the new ones, on every core
    return ActiveRules(current, sets)


def _compile(data: Iterable[Mapping[str, Any]], abbreviations: Mapping[str, str] | None,
             build: bool = True) -> CompiledRuleSet:
    table = {**default_abbreviations(), **abbreviations} if abbreviations else None
    return compile_rules([rule_from_dict(d) for d in data], abbreviations=table, build=build)


def compile_set(rule_set: RuleSet) -> CompiledRuleSet:
    """Compile any set, a draft included, without the cache (for activation, tests and back-tests);
    ``InvalidRules`` if it does not compile (a keyword its abbreviations make too long)."""
    try:
        return _compile([row.data for row in rule_set.rules], rule_set.abbreviations)
    except ValueError as exc:  # RuleError included
        raise InvalidRules([{"row": None, "message": str(exc)}]) from None


def remember(rule_set: RuleSet, compiled: CompiledRuleSet) -> None:
    """Keep a set compiled while activating it here, so the next reload need not compile it."""
    _fresh[rule_set.id, rule_set.stamp] = compiled


def route_text(title: str | None, body: str | None, report_type: str | None = None,
               channel: str | None = None,
               owner: str | None = None) -> tuple[Decision, ActiveSet | None]:
    """Route with the active set of ``owner`` (an agency code; None: the national set)."""
    entry = active_rules().sets.get(owner)
    if entry is None:
        return Decision(None, "no_match"), None
    return entry.compiled.route(title, body, report_type, channel), entry


def owner_label(agency: Agency | None) -> str:
    return agency.code if agency is not None else NATIONAL


def slot(status: str, agency: Agency | None) -> str:
    """The unique slot of an owner's draft or active set (see ``RuleSet``)."""
    return f"{status}:{agency.id if agency is not None else 'national'}"


def find_set(agency: Agency | None, status: str, lock: bool = False) -> RuleSet | None:
    """The owner's draft or active set (None if it has none)."""
    query = select(RuleSet).where(RuleSet.slot == slot(status, agency))
    return db.session.scalars(query.with_for_update() if lock else query).first()


