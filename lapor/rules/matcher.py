"""Compiling a rule set into one Hyperscan database of keys, and matching texts.

Word boundaries come from padding: texts are normalised to single-space
separated tokens and scanned as ``" " + text + " "``; a keyword ``jalan`` is
stored as ``" jalan "`` (so it does not match inside ``jalanan``), a prefix
``jalan*`` as ``" jalan"`` (leading space only). The scan (``LiteralSet``)
reports every key that occurs, overlapping ones included ("jalan", "jalan
rusak" and "rusak" all match in "jalan rusak parah"), each key once.

Each distinct key gets an integer id. For each key and each field (title,
body) the compiled set keeps the postings ``(rule index, bit)`` of the rules
that use the key and whose scope covers the field; each rule numbers its
distinct keywords with bits. Matching ORs the bits of every posting hit into a
per-rule integer, so the work per decision is proportional to the keys found
(and their postings), not to the number of rules; ``all`` / ``any`` / ``none``
are then mask tests, and filters and regexes are evaluated only for rules that
got a hit. Postings are also indexed by owner agency, so a report scoped to
one agency (``owners=``) only touches that agency's rules, however many
agencies share its words. Rules whose only positive condition is a regex are
checked on every decision.

Production compiles each agency's rules as a set of its own
(``lapor.rules.store``), so a scan only looks for that agency's few hundred
keys. Where the keys occur (``Match.hits``) is worked out only when read, since
ranking needs just which keys occur: by searching the normalised text for the
matched rules' keys.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping

from .decide import decide
from .match import KeywordHit, Match
from .model import CHANNELS, REPORT_TYPES, Rule, RuleError, compile_regex, search_regex
from .normalise import Normaliser, _normaliser_for
from .scan import LITERAL_MAX, LiteralSet, build_all

__all__ = ["CompiledRuleSet", "KeywordHit", "Match", "build_databases", "compile_rules"]

FIELDS = ("title", "body")
_EMPTY_FIELD = ("  ", ())


class _Compiled:
    """Per-rule data for the hot path (plain attributes, slots for speed)."""

    __slots__ = ("rule", "any_mask", "all_mask", "none_mask", "positive_mask", "phrase_mask",
                 "owner", "types", "channels", "regex", "plain", "in_title", "in_body", "bits")

    def __init__(self, rule: Rule, regex):  # a compiled `regex` pattern (compile_regex) or None
        self.rule = rule
        self.any_mask = self.all_mask = self.none_mask = self.positive_mask = self.phrase_mask = 0
        self.owner = rule.owner
        self.types = rule.report_types or None
        self.channels = rule.channels or None
        self.regex = regex
        self.plain = self.types is None and self.channels is None and regex is None  # no filter/regex
        self.in_title = rule.scope in ("title", "both")
        self.in_body = rule.scope in ("body", "both")
        # bit index -> (keyword as written, kind, key id, is prefix)
        self.bits: list[tuple[str, str, int, bool]] = []


class CompiledRuleSet:
    """An immutable, compiled rule set; build it with ``compile_rules``."""

    def __init__(self, rules: Iterable[Rule], normaliser: Normaliser):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.normaliser = normaliser
        key_ids: dict[str, int] = {}
        keys: list[str] = []
        encoded_keys: list[bytes] = []  # keys[i].encode(), for the scan
        # Per field (title, body): postings [(rule index, bit)] by key id, and
        # by owner agency then key id (so a report scoped to one agency only
        # touches that agency's postings). Lists, never mutated after this.
        post: tuple[list[list], list[list]] = ([], [])
        owner_post: tuple[dict[str, dict[int, list]], dict[str, dict[int, list]]] = ({}, {})
        normalised_keywords: dict[str, tuple[str, bool]] = {}  # many rules share keywords
        compiled_rules: list[_Compiled | None] = []
        always = []
        for index, rule in enumerate(self.rules):
            if not isinstance(rule, Rule):
                raise RuleError(f"rule set item {index} is not a Rule: {rule!r}")
            if not rule.active or not rule.can_match:
                compiled_rules.append(None)
                continue
            compiled = _Compiled(rule, compile_regex(rule.regex) if rule.regex else None)
            compiled_rules.append(compiled)
            targets = [(post[f], owner_post[f].setdefault(rule.owner, {}))
                       for f, on in enumerate((compiled.in_title, compiled.in_body)) if on]
            seen: dict[tuple[str, bool], int] = {}
            masks = {"all": 0, "any": 0, "none": 0}
            bits = compiled.bits
            for kind in ("all", "any", "none"):
                mask = 0
                for keyword in getattr(rule, kind):
                    found = normalised_keywords.get(keyword)
                    if found is None:
                        found = normalised_keywords[keyword] = normaliser.normalise_keyword(keyword)
                    normalised, prefix = found
                    if not normalised:
                        raise RuleError(f"rule {rule.id!r}: keyword {keyword!r} is empty after normalisation")
                    slot = (normalised if kind != "none" else "\0" + normalised, prefix)
                    bit_index = seen.get(slot)
                    if bit_index is None:
                        key = " " + normalised + ("" if prefix else " ")
                        key_id = key_ids.get(key)
                        if key_id is None:
                            encoded = key.encode()
                            if len(encoded) > LITERAL_MAX:  # its abbreviations made it so
                                raise RuleError(f"rule {rule.id!r}: keyword {keyword!r} is too long once its "
                                                f"abbreviations are expanded")
                            key_id = key_ids[key] = len(keys)
                            keys.append(key)
                            encoded_keys.append(encoded)
                            post[0].append([])
                            post[1].append([])
                        bit_index = seen[slot] = len(bits)
                        bits.append((keyword, kind, key_id, prefix))
                        posting = (index, 1 << bit_index)
                        for field_post, agency in targets:
                            field_post[key_id].append(posting)
                            agency.setdefault(key_id, []).append(posting)
                        if kind != "none" and " " in normalised:
                            compiled.phrase_mask |= 1 << bit_index
                    mask |= 1 << bit_index
                masks[kind] = mask
            compiled.any_mask, compiled.all_mask, compiled.none_mask = masks["any"], masks["all"], masks["none"]
            compiled.positive_mask = compiled.any_mask | compiled.all_mask
            if not compiled.positive_mask:
                always.append(index)
        self._compiled = compiled_rules
        self._always = tuple(always)
        self._keys = keys
        self._post = post
        self._owner_post = owner_post
        self._database = LiteralSet(encoded_keys) if keys else None

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def n_keys(self) -> int:
        """Distinct keys in the compiled set."""
        return len(self._keys)

    @property
    def database(self) -> LiteralSet | None:
        """The compiled keys (None for no keywords)."""
        return self._database

    def match(self, title: str | None, body: str | None, report_type: str | None = None,
              channel: str | None = None, owners: Iterable[str] | None = None) -> list[Match]:
        """Every rule that matches, in rule-set order.

        ``report_type`` / ``channel``: None means "do not filter" (rules with a
        type or channel filter are then not excluded by it). ``owners``: only
        rules owned by these agency codes; None means all rules.
        """
        if report_type is not None and report_type not in REPORT_TYPES:
            raise ValueError(f"unknown report type {report_type!r}")
        if channel is not None and channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if owners is not None:
            owners = frozenset((owners,) if isinstance(owners, str) else owners)
        texts, keys = self._scan(title, body)
        return self._evaluate(texts, keys, report_type, channel, owners)

    def route(self, title: str | None, body: str | None, report_type: str | None = None,
              channel: str | None = None, owners: Iterable[str] | None = None):
        """``decide(self.match(...))``: the routing ``Decision``."""
        return decide(self.match(title, body, report_type, channel, owners))

    def _scan(self, title: str | None, body: str | None) -> tuple[tuple, tuple]:
        """Per field (title, body): the padded normalised text and the ids of the keys in it."""
        if self._database is None:
            padded = self.normaliser.padded
            return (padded(title) if title else "  ", padded(body) if body else "  "), ((), ())
        title_text, title_ids = self._scan_field(title) if title else _EMPTY_FIELD
        body_text, body_ids = self._scan_field(body) if body else _EMPTY_FIELD
        return (title_text, body_text), (title_ids, body_ids)

    def _scan_field(self, text: str) -> tuple[str, list[int]]:
        padded, data = self.normaliser.padded_with_bytes(text)
        return padded, self._database.found(data)

    def _evaluate(self, texts: tuple, keys: tuple, report_type: str | None,
                  channel: str | None, owners: frozenset[str] | None) -> list[Match]:
        """Rules satisfied by the scanned hits: the hot path after the scan."""
        acc: dict[int, int] = {}
        get = acc.get
        for f in (0, 1):
            key_ids = keys[f]  # each key found once
            if not key_ids:
                continue
            if owners is None:
                for plist in map(self._post[f].__getitem__, key_ids):
                    for r, bit in plist:
                        acc[r] = get(r, 0) | bit
                continue
            owner_post = self._owner_post[f]
            for o in owners:
                agency = owner_post.get(o)
                if agency is None:
                    continue
                for key_id in agency.keys() & key_ids:  # C-level; iterates key_ids once
                    for r, bit in agency[key_id]:
                        acc[r] = get(r, 0) | bit
        if not acc and not self._always:
            return []
        compiled_rules = self._compiled
        matches = []
        hits_of = self._hits
        for r, bits in acc.items():
            c = compiled_rules[r]
            if bits & c.none_mask or bits & c.all_mask != c.all_mask:
                continue
            if c.any_mask:
                if not bits & c.any_mask:
                    continue
            elif not c.all_mask:  # a regex-only rule, handled below
                continue
            # acc only holds rules of `owners` (when given): no owner check here
            if not c.plain and not self._passes(c, texts, report_type, channel, None):
                continue
            positive = bits & c.positive_mask
            matches.append(Match(c.rule, None, (positive & c.phrase_mask).bit_count(), positive.bit_count(),
                                 r, (hits_of, r, bits, texts)))
        for r in self._always:
            c = compiled_rules[r]
            bits = acc.get(r, 0)
            if not bits & c.none_mask and self._passes(c, texts, report_type, channel, owners):
                matches.append(Match(c.rule, None, 0, 0, r, (hits_of, r, bits, texts)))
        if len(matches) > 1:
            matches.sort(key=_index)
        return matches

    @staticmethod
    def _passes(c: _Compiled, texts: tuple, report_type: str | None, channel: str | None,
                owners: frozenset[str] | None) -> bool:
        """Owner, type and channel filters and the regex of a rule whose
        keywords are satisfied."""
        if owners is not None and c.owner not in owners:
            return False
        if report_type is not None and c.types is not None and report_type not in c.types:
            return False
        if channel is not None and c.channels is not None and channel not in c.channels:
            return False
        if c.regex is not None:
            pattern = c.regex
            return (c.in_title and search_regex(pattern, texts[0][1:-1]) is not None) or (
                c.in_body and search_regex(pattern, texts[1][1:-1]) is not None)
        return True

    def _hits(self, r: int, bits: int, texts: tuple) -> tuple[KeywordHit, ...]:
        """The occurrences of rule ``r``'s matched keywords (and of its regex),
        worked out when a ``Match``'s hits are first read."""
        c = self._compiled[r]
        wanted = [(keyword, kind, prefix, self._keys[key_id])
                  for bit_index, (keyword, kind, key_id, prefix) in enumerate(c.bits)
                  if kind != "none" and bits >> bit_index & 1]
        hits: list[KeywordHit] = []
        for f, on in enumerate((c.in_title, c.in_body)):
            if not on:
                continue
            field, text = FIELDS[f], texts[f]
            if c.regex is not None:
                m = search_regex(c.regex, text[1:-1])
                if m is not None:
                    hits.append(KeywordHit(c.rule.regex, "regex", field, m.start(), m.end(), m.group()))
            for keyword, kind, prefix, key in wanted:
                found = text.find(key)
                while found >= 0:  # offsets in the unpadded text: the key's leading space is at `found`
                    stop = text.find(" ", found + len(key)) - 1 if prefix else found + len(key) - 2
                    hits.append(KeywordHit(keyword, kind, field, found, stop, text[found + 1:stop + 1]))
                    found = text.find(key, found + 1)
        hits.sort(key=_hit_order)
        return tuple(hits)


def _index(match: Match) -> int:
    return match.index


def _hit_order(hit: KeywordHit) -> tuple:
    return (hit.field != "title", hit.start, hit.end)


def compile_rules(rules: Iterable[Rule], abbreviations: Mapping[str, str] | Normaliser | None = None,
                  build: bool = True) -> CompiledRuleSet:
    """Compile ``rules`` into one set. Inactive rules and rules that can
    never match are kept in ``.rules`` but take no part in matching.

    ``abbreviations``: None for the shipped dictionary, a mapping, or a
    ``Normaliser``; texts and keywords are normalised with the same one.
    ``build=False`` leaves the keys' scan database to ``build_databases`` (or
    to the first match), for compiling many sets on every core.

    The cyclic garbage collector is paused while compiling (and restored
    after): compiling allocates hundreds of thousands of small, long-lived,
    acyclic objects, and the collections they would trigger, each traversing
    the whole heap, cost as much as the compilation itself.
    """
    normaliser = _normaliser_for(abbreviations)
    enabled = gc.isenabled()
    gc.disable()
    try:
        compiled = CompiledRuleSet(rules, normaliser)
    finally:
        if enabled:
            gc.enable()
    if build and compiled.database is not None:
        compiled.database.build()
    return compiled


def build_databases(sets: Iterable[CompiledRuleSet], threads: int | None = None) -> None:
    """Build the scan databases of ``sets`` not built yet, on ``threads`` threads (default:
    one a core). Hyperscan compiles outside the GIL, and its compilation is most of a set's."""
    build_all((s._database for s in sets if s._database is not None), threads)
