"""Turning matched rules into one routing decision, with its explanation.

Ranking: matched rules are ordered by ``Match.sort_key`` descending, that is
priority, then matched phrases (multi-word keywords), then distinct matched
keywords; the rule-set order breaks remaining ties deterministically.

* No match → ``Decision(target=None, reason="no_match")``.
* The best-ranked rules (equal sort keys) name different targets →
  ``Decision(target=None, reason="tie", candidates=...)``: the dispatcher's
  triage queue decides. Equal-ranked rules with the same target are no tie.
* Otherwise the best rule wins and gives the target. Actions are gathered in
  rank order from the matched rules with the *same target* (a rule for another
  agency must not set the category of this one's disposition): the first
  category and the first SLA policy found, urgent if any of them is urgent.
  Gathering stops after the rank group (equal sort keys) that contains a rule
  with ``stop``: a stop rule among the best prevents lower ones from adding
  actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .model import Rule

if TYPE_CHECKING:  # pragma: no cover
    from .match import Match
    from .matcher import CompiledRuleSet

__all__ = ["Decision", "decide", "route"]

MATCH, TIE, NO_MATCH = "match", "tie", "no_match"


class Decision:
    """The outcome of routing one report (read-only by convention).

    ``target`` is None unless ``reason == "match"``. ``matches`` are all
    matched rules in rank order; ``candidates`` the tied best rules (ties
    only); ``contributors`` the rules whose actions were applied (winner
    first); ``stopped_by`` the stop rule that ended action gathering.
    ``explanation`` (worked out on first access) and ``to_dict()`` are
    JSON-serialisable. A plain slotted class rather than a frozen dataclass:
    one is built per decision and frozen dataclasses are slow to construct.
    """

    __slots__ = ("target", "reason", "category", "policy", "urgent", "rule", "candidates", "matches",
                 "contributors", "stopped_by", "_explanation")

    def __init__(self, target: str | None, reason: str, category: str | None = None, policy: str | None = None,
                 urgent: bool = False, rule: Rule | None = None, candidates: tuple[Match, ...] = (),
                 matches: tuple[Match, ...] = (), contributors: tuple[Match, ...] = (),
                 stopped_by: Rule | None = None):
        self.target = target
        self.reason = reason
        self.category = category
        self.policy = policy
        self.urgent = urgent
        self.rule = rule
        self.candidates = candidates
        self.matches = matches
        self.contributors = contributors
        self.stopped_by = stopped_by
        self._explanation = None

    @property
    def routed(self) -> bool:
        return self.target is not None

    @property
    def explanation(self) -> dict[str, Any]:
        if self._explanation is None:
            self._explanation = _explain(self)
        return self._explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "reason": self.reason,
            "category": self.category,
            "policy": self.policy,
            "urgent": self.urgent,
            "rule": None if self.rule is None else self.rule.id,
            "candidates": [m.rule.id for m in self.candidates],
            "explanation": self.explanation,
        }

    def _key(self) -> tuple:
        return (self.target, self.reason, self.category, self.policy, self.urgent, self.rule,
                self.candidates, self.matches, self.contributors, self.stopped_by)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        rule = None if self.rule is None else self.rule.id
        return (f"Decision(target={self.target!r}, reason={self.reason!r}, category={self.category!r}, "
                f"policy={self.policy!r}, urgent={self.urgent!r}, rule={rule!r}, "
                f"candidates={[m.rule.id for m in self.candidates]!r})")


def _rank_key(m: Match) -> tuple[int, int, int, int]:
    return (-m.rule.priority, -m.n_phrases, -m.n_keywords, m.index)


def decide(matches: Iterable[Match]) -> Decision:
    """The routing ``Decision`` for the matches of one report (any order)."""
    if not isinstance(matches, (list, tuple)):
        matches = list(matches)
    if not matches:
        return Decision(None, NO_MATCH)
    if len(matches) == 1:
        best = matches[0]
        rule = best.rule
        ranked = (best,)
        return Decision(rule.target, MATCH, rule.category, rule.policy, rule.urgent, rule, (), ranked, ranked,
                        rule if rule.stop else None)
    ranked = sorted(matches, key=_rank_key)
    best = ranked[0]
    rule = best.rule
    target = rule.target
    top_key = (rule.priority, best.n_phrases, best.n_keywords)
    # the best group: the leading matches with the same sort key
    end = 1
    while end < len(ranked) and ranked[end].sort_key == top_key:
        end += 1
    for m in ranked[1:end]:
        if m.rule.target != target:
            top = ranked[:end]
            return Decision(None, TIE, urgent=any(m.rule.urgent for m in top), candidates=tuple(top),
                            matches=tuple(ranked))
    contributors: list[Match] = []
    stopped_by = None
    category = policy = None
    urgent = False
    group_key = top_key
    for m in ranked:
        r = m.rule
        if stopped_by is not None and m.sort_key != group_key:
            break
        group_key = m.sort_key
        if r.target != target:
            continue
        contributors.append(m)
        if category is None:
            category = r.category
        if policy is None:
            policy = r.policy
        urgent = urgent or r.urgent
        if r.stop and stopped_by is None:
            stopped_by = r
    return Decision(target, MATCH, category, policy, urgent, rule, (), tuple(ranked), tuple(contributors),
                    stopped_by)


def route(ruleset: CompiledRuleSet, title: str | None, body: str | None, report_type: str | None = None,
          channel: str | None = None, owners=None) -> Decision:
    """Match ``title``/``body`` against ``ruleset`` and decide (see
    ``CompiledRuleSet.match`` for the filters)."""
    return decide(ruleset.match(title, body, report_type=report_type, channel=channel, owners=owners))


def _describe_key(m: Match) -> str:
    return (f"priority {m.rule.priority}, {m.n_phrases} phrase(s), "
            f"{m.n_keywords} keyword(s)")


def _why_won(best: Match, ranked: list[Match]) -> str:
    if len(ranked) == 1:
        return f"rule {best.rule.id!r} is the only matching rule"
    rivals = [m for m in ranked[1:] if m.rule.target != best.rule.target]
    peers = [m for m in ranked[1:] if m.sort_key == best.sort_key]
    if peers:
        ids = ", ".join(repr(m.rule.id) for m in peers)
        return (f"rule {best.rule.id!r} ties with {ids} on {_describe_key(best)}, but they route to "
                f"the same target {best.rule.target!r}; the first in rule-set order is reported")
    if not rivals:
        return (f"rule {best.rule.id!r} ranks first ({_describe_key(best)}) and every matching rule "
                f"routes to the same target {best.rule.target!r}")
    rival = rivals[0]
    labels = ("higher priority", "more phrases matched", "more keywords matched")
    for label, mine, theirs in zip(labels, best.sort_key, rival.sort_key, strict=False):
        if mine != theirs:
            return (f"rule {best.rule.id!r} beats rule {rival.rule.id!r} (target {rival.rule.target!r}): "
                    f"{label} ({mine} > {theirs})")
    return f"rule {best.rule.id!r} ranks first"  # pragma: no cover - sort_keys differ


def _explain(decision: Decision) -> dict[str, Any]:
    ranked = list(decision.matches)
    out: dict[str, Any] = {
        "reason": decision.reason,
        "ranking": ["priority", "phrases", "keywords"],
        "positions": "[start, end) offsets in the normalised title or body (lapor.rules.normalise)",
        "matched": [m.to_dict() for m in ranked],
    }
    if decision.reason == NO_MATCH:
        out["why"] = "no rule matched"
        return out
    if decision.reason == TIE:
        parts = ", ".join(f"{m.rule.id!r} -> {m.rule.target!r}" for m in decision.candidates)
        out["why"] = (f"rules {parts} tie on {_describe_key(decision.candidates[0])} "
                      f"and route to different targets")
        out["candidates"] = [m.rule.id for m in decision.candidates]
        return out
    best = ranked[0]
    out["winner"] = best.rule.id
    out["target"] = decision.target
    out["why"] = _why_won(best, ranked)
    out["contributors"] = [m.rule.id for m in decision.contributors]
    out["stopped_by"] = None if decision.stopped_by is None else decision.stopped_by.id
    out["outranked"] = [m.rule.id for m in ranked if m.rule.target != decision.target]
    contributors = decision.contributors
    out["actions"] = {
        "category": _action_source(contributors, "category"),
        "policy": _action_source(contributors, "policy"),
        "urgent": {"value": decision.urgent,
                   "rules": [m.rule.id for m in contributors if m.rule.urgent]},
    }
    if decision.stopped_by is not None:
        used = {id(m) for m in contributors}
        skipped = [m.rule.id for m in ranked if m.rule.target == decision.target and id(m) not in used]
        out["skipped_after_stop"] = skipped
    return out


def _action_source(contributors, name: str) -> dict[str, Any]:
    for m in contributors:
        value = getattr(m.rule, name)
        if value is not None:
            return {"value": value, "rule": m.rule.id}
    return {"value": None, "rule": None}
