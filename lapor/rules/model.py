"""Routing rules: the ``Rule`` value, its validation and its dict form.

A rule matches a report when its filters pass, at least one ``any`` keyword
matched (if ``any`` is non-empty), every ``all`` keyword matched, no ``none``
keyword matched, and its regex (if any) matches. A rule with neither ``any``
nor ``all`` keywords nor a regex never matches. Keywords are words, phrases
(``jalan rusak``) or prefixes (``jalan*`` matches jalan, jalanan); they are
normalised like texts (see ``normalise``). The regex is searched, case-
insensitively, in the normalised text of each field in scope.

The dict form (``rule_to_dict`` / ``rule_from_dict``) is what adapters store
and what admins write in YAML::

    id: pu-jalan
    name: Jalan rusak
    owner: TANGKAB
    target: DPUPR-TANGKAB
    priority: 10
    active: true
    keywords: {any: [jalan*, jembatan], all: [rusak], none: [tol]}
    regex: null
    scope: both
    filters: {report_types: [complaint], channels: []}
    actions: {category: infrastruktur, policy: reguler, urgent: false, stop: false}

Only ``id``, ``owner`` and ``target`` are required in ``rule_from_dict``;
unknown keys are errors (a typo must not silently widen a rule).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from .normalise import default_normaliser

log = logging.getLogger(__name__)

__all__ = [
    "CHANNELS",
    "REPORT_TYPES",
    "SCOPES",
    "Rule",
    "RuleError",
    "rule_from_dict",
    "rule_to_dict",
]

REPORT_TYPES = frozenset({"complaint", "aspiration", "information_request"})
CHANNELS = frozenset({"web", "sms", "api", "open311", "subdomain"})
SCOPES = ("title", "body", "both")
KEYWORD_KINDS = ("any", "all", "none")
# Rule regexes use the `regex` module in its re-compatible mode: it can give up on a search that
# takes too long (REGEX_SECONDS), where `re` would backtrack for ever on a pattern such as
# "(a|aa)+$" and hold up routing for every agency.
REGEX_FLAGS = regex.IGNORECASE | regex.V0
REGEX_SECONDS = 0.05


def compile_regex(pattern: str) -> regex.Pattern:
    return regex.compile(pattern, REGEX_FLAGS)


# Texts shaped as normalised reports are (lower-case letters and digits, single spaces) on which a
# pattern that backtracks badly shows it at once: a new rule's regex is tried on them first.
_PROBES = ("ab" * 200, "ab " * 130, "jalan rusak di depan pasar " * 15, "12" * 200, "a1" * 200)


def regex_gives_up(pattern: str) -> bool:
    """Whether searching ``pattern`` runs past REGEX_SECONDS on some ordinary-looking text, so that
    it would count as no match there (and slow every report it is tried on)."""
    compiled = compile_regex(pattern)
    for text in _PROBES:
        try:
            compiled.search(text, timeout=REGEX_SECONDS)
        except TimeoutError:
            return True
    return False


def search_regex(pattern: regex.Pattern, text: str):
    """The first match of a rule's regex in ``text``, or None; a search that runs past
    REGEX_SECONDS counts as no match (and says so in the log)."""
    try:
        return pattern.search(text, timeout=REGEX_SECONDS)
    except TimeoutError:
        log.warning("a rule's regex gave up after %.2f s: %r", REGEX_SECONDS, pattern.pattern)
        return None


class RuleError(ValueError):
    """An invalid rule, with a message naming the rule and the field."""


def _fail(rule_id: Any, message: str) -> RuleError:
    where = f"rule {rule_id!r}: " if rule_id not in (None, "") else "rule: "
    return RuleError(where + message)


def _keyword_tuple(rule_id: Any, kind: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _fail(rule_id, f"keywords.{kind} must be a list of strings, got {type(value).__name__}")
    out = tuple(value)
    for i, keyword in enumerate(out):
        if not isinstance(keyword, str):
            raise _fail(rule_id, f"keywords.{kind}[{i}] must be a string, got {keyword!r}")
    return out


def _code_set(rule_id: Any, name: str, value: Any, allowed: frozenset[str]) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _fail(rule_id, f"filters.{name} must be a list, got {type(value).__name__}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(rule_id, f"filters.{name}[{i}] must be a string, got {type(item).__name__}")
    out = frozenset(items)
    unknown = sorted(map(repr, out - allowed))
    if unknown:
        raise _fail(rule_id, f"filters.{name}: unknown {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    return out


@dataclass(frozen=True)
class Rule:
    """One keyword routing rule. Lists are stored as tuples and filter sets as
    frozensets, so rules are hashable; construction validates and raises
    ``RuleError``. Empty ``report_types`` / ``channels`` mean all."""

    id: str | int
    name: str
    owner: str
    target: str
    priority: int = 0
    active: bool = True
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    regex: str | None = None
    scope: str = "both"
    report_types: frozenset[str] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)
    category: str | None = None
    policy: str | None = None
    urgent: bool = False
    stop: bool = False

    def __post_init__(self) -> None:
        rid = self.id
        if isinstance(rid, bool) or not isinstance(rid, (str, int)) or rid == "":
            raise _fail(None, f"id must be a non-empty string or an integer, got {rid!r}")
        if not isinstance(self.name, str):
            raise _fail(rid, f"name must be a string, got {self.name!r}")
        for name in ("owner", "target"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or value != value.strip():
                raise _fail(rid, f"{name} must be a non-empty agency code without surrounding spaces, got {value!r}")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise _fail(rid, f"priority must be an integer, got {self.priority!r}")
        for name in ("active", "urgent", "stop"):
            if not isinstance(getattr(self, name), bool):
                raise _fail(rid, f"{name} must be true or false, got {getattr(self, name)!r}")
        for name in ("category", "policy"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise _fail(rid, f"actions.{name} must be a non-empty string or null, got {value!r}")
        if self.scope not in SCOPES:
            raise _fail(rid, f"scope must be one of {', '.join(SCOPES)}, got {self.scope!r}")
        set_ = object.__setattr__
        set_(self, "report_types", _code_set(rid, "report_types", self.report_types, REPORT_TYPES))
        set_(self, "channels", _code_set(rid, "channels", self.channels, CHANNELS))
        normaliser = default_normaliser()
        keys: dict[str, set[tuple[str, bool]]] = {}
        for kind in KEYWORD_KINDS:
            keywords = _keyword_tuple(rid, kind, getattr(self, kind))
            set_(self, kind, keywords)
            found = keys[kind] = set()
            for i, keyword in enumerate(keywords):
                try:
                    normalised, prefix = normaliser.normalise_keyword(keyword)
                except ValueError as exc:
                    raise _fail(rid, f"keywords.{kind}[{i}]: {exc}") from None
                if not normalised:
                    raise _fail(rid, f"keywords.{kind}[{i}]: empty keyword {keyword!r} (no letters or digits)")
                found.add((normalised, prefix))
        clash = keys["none"] & (keys["any"] | keys["all"])
        if clash:
            words = ", ".join(sorted(n + ("*" if p else "") for n, p in clash))
            raise _fail(rid, f"keyword(s) both required and excluded: {words}")
        if self.regex is not None:
            if not isinstance(self.regex, str) or not self.regex:
                raise _fail(rid, f"regex must be a non-empty string or null, got {self.regex!r}")
            try:
                compile_regex(self.regex)
            except regex.error as exc:
                raise _fail(rid, f"invalid regex {self.regex!r}: {exc}") from None

    @property
    def can_match(self) -> bool:
        """False for a rule with no ``any``/``all`` keywords and no regex."""
        return bool(self.any or self.all or self.regex)


_TOP_KEYS = {"id", "name", "owner", "target", "priority", "active", "keywords", "regex", "scope", "filters", "actions"}
_SECTION_KEYS = {
    "keywords": {"any", "all", "none"},
    "filters": {"report_types", "channels"},
    "actions": {"category", "policy", "urgent", "stop"},
}


def _section(data: Mapping[str, Any], name: str, rule_id: Any) -> Mapping[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(rule_id, f"{name} must be a mapping, got {type(value).__name__}")
    unknown = set(value) - _SECTION_KEYS[name]
    if unknown:
        raise _fail(rule_id, f"unknown key(s) in {name}: {', '.join(sorted(map(str, unknown)))}")
    return value


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Build and validate a ``Rule`` from its dict form (see module docstring)."""
    if not isinstance(data, Mapping):
        raise RuleError(f"rule must be a mapping, got {type(data).__name__}")
    rule_id = data.get("id")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(rule_id, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    for required in ("id", "owner", "target"):
        if data.get(required) in (None, ""):
            raise _fail(rule_id, f"{required} is required")
    keywords = _section(data, "keywords", rule_id)
    filters = _section(data, "filters", rule_id)
    actions = _section(data, "actions", rule_id)

    def opt(mapping: Mapping[str, Any], key: str, default: Any) -> Any:
        value = mapping.get(key)
        return default if value is None else value

    return Rule(
        id=rule_id,
        name=opt(data, "name", ""),
        owner=data["owner"],
        target=data["target"],
        priority=opt(data, "priority", 0),
        active=opt(data, "active", True),
        any=opt(keywords, "any", ()),
        all=opt(keywords, "all", ()),
        none=opt(keywords, "none", ()),
        regex=data.get("regex"),
        scope=opt(data, "scope", "both"),
        report_types=opt(filters, "report_types", frozenset()),
        channels=opt(filters, "channels", frozenset()),
        category=actions.get("category"),
        policy=actions.get("policy"),
        urgent=opt(actions, "urgent", False),
        stop=opt(actions, "stop", False),
    )


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The canonical, JSON/YAML-friendly dict form of ``rule``."""
    return {
        "id": rule.id,
        "name": rule.name,
        "owner": rule.owner,
        "target": rule.target,
        "priority": rule.priority,
        "active": rule.active,
        "keywords": {"any": list(rule.any), "all": list(rule.all), "none": list(rule.none)},
        "regex": rule.regex,
        "scope": rule.scope,
        "filters": {"report_types": sorted(rule.report_types), "channels": sorted(rule.channels)},
        "actions": {"category": rule.category, "policy": rule.policy, "urgent": rule.urgent, "stop": rule.stop},
    }
