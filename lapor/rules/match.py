"""What matching reports: ``Match`` (a rule that matched) and ``KeywordHit``
(one occurrence of one of its keywords, or of its regex).

Both are built on the hot path, so they are light: ``KeywordHit`` is a named
tuple and ``Match`` a slotted class whose ``hits`` (with positions) are only
worked out when first read — ranking needs just the counts.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .model import Rule

__all__ = ["KeywordHit", "Match"]


class KeywordHit(NamedTuple):
    """One occurrence of a rule's keyword (or regex) in a field.

    ``start``/``end`` are offsets in the normalised text of ``field``;
    ``text`` is that normalised slice (the whole word for a prefix keyword).
    ``kind`` is "all", "any" (a keyword in both lists reports "all") or
    "regex" (``keyword`` is then the pattern).
    """

    keyword: str
    kind: str
    field: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        keyword, kind, field, start, end, text = self
        return {"keyword": keyword, "kind": kind, "field": field, "start": start, "end": end, "text": text}


class Match:
    """A rule that matched (read-only by convention).

    ``n_keywords``: distinct ``any``/``all`` keywords matched; ``n_phrases``:
    how many of those are multi-word. ``index`` is the rule's position in the
    compiled rule set (the final, deterministic tie-break). ``hits``: every
    occurrence of the matched keywords (and the regex match), title first,
    in text order.
    """

    __slots__ = ("rule", "n_phrases", "n_keywords", "index", "_hits", "_source")

    def __init__(self, rule: Rule, hits: tuple[KeywordHit, ...] | None, n_phrases: int, n_keywords: int,
                 index: int, source: tuple | None = None):
        self.rule = rule
        self.n_phrases = n_phrases
        self.n_keywords = n_keywords
        self.index = index
        self._hits = None if hits is None else tuple(hits)
        # (function, *arguments) computing the hits, when they are not given
        self._source = source

    @property
    def hits(self) -> tuple[KeywordHit, ...]:
        if self._hits is None:
            function, *arguments = self._source
            self._hits = function(*arguments)
            self._source = None
        return self._hits

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Higher is better: (priority, phrases matched, keywords matched)."""
        return (self.rule.priority, self.n_phrases, self.n_keywords)

    @property
    def keywords(self) -> tuple[str, ...]:
        """Distinct matched keywords, as written in the rule, in hit order."""
        return tuple(dict.fromkeys(h.keyword for h in self.hits if h.kind != "regex"))

    def to_dict(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "rule": rule.id, "name": rule.name, "owner": rule.owner, "target": rule.target,
            "priority": rule.priority, "phrases": self.n_phrases, "keywords": self.n_keywords,
            "stop": rule.stop, "hits": [h.to_dict() for h in self.hits],
        }

    def _key(self) -> tuple:
        return (self.index, self.rule, self.n_phrases, self.n_keywords, self.hits)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Match):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Match(rule={self.rule.id!r}, target={self.rule.target!r}, n_phrases={self.n_phrases}, "
                f"n_keywords={self.n_keywords}, index={self.index})")
