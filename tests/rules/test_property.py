"""The compiled matcher against a slow, obviously correct reference matcher."""

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lapor.rules import Rule, RuleError, compile_rules, decide
from lapor.rules.normalise import Normaliser

NORMALISER = Normaliser()
NO_ABBREVIATIONS = Normaliser({})

WORDS = ["jalan", "jalanan", "Jln", "jl", "rusak", "rusakkk", "air", "mati", "ga", "tidak",
         "sekolah", "sekolàh", "rt", "05", "saat", "道路", "Привет", "привет"]  # non-Latin: UTF-8 scans
SEPARATORS = [" ", " ", " ", ", ", ". ", "!! ", " - ", "\n"]
REGEXES = [r"air mati", r"^jalan", r"k$", r"\d+"]
REPORT_TYPES = ["complaint", "aspiration", "information_request"]
CHANNELS = ["web", "sms", "api"]

# a word or a 2-3 word phrase, half of them prefixes ("jalan*", "jalan rus*")
keyword = st.builds(
    lambda words, star: " ".join(words) + ("*" if star else ""),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=1)
    | st.lists(st.sampled_from(WORDS), min_size=2, max_size=3),
    st.booleans(),
)


@st.composite
def rules(draw):
    out = []
    for index in range(draw(st.integers(1, 6))):
        try:
            out.append(Rule(
                id=index, name=f"r{index}",
                owner=draw(st.sampled_from(["A", "B"])),
                target=draw(st.sampled_from(["PU", "DLH", "PDAM"])),
                priority=draw(st.integers(0, 2)),
                active=draw(st.sampled_from([True, True, True, False])),
                any=draw(st.lists(keyword, max_size=3)),
                all=draw(st.lists(keyword, max_size=1) | st.lists(keyword, max_size=2)),
                none=draw(st.lists(keyword, max_size=1)),
                regex=draw(st.sampled_from([None] * 12 + REGEXES)),
                scope=draw(st.sampled_from(["title", "body", "both"])),
                report_types=draw(st.sets(st.sampled_from(REPORT_TYPES), max_size=2)),
                channels=draw(st.sets(st.sampled_from(CHANNELS), max_size=2)),
            ))
        except RuleError:  # e.g. a keyword both required and excluded
            assume(False)
    return out


@st.composite
def texts(draw, rule_list, min_pieces, max_pieces):
    """Random words mixed with the rules' own keywords (a prefix keyword gets
    a random ending), joined by random separators, so that rules often match."""
    written = [k for r in rule_list for k in r.any + r.all + r.none]
    piece = st.sampled_from(WORDS)
    if written:
        piece = piece | st.builds(lambda k, end: k[:-1] + end if k.endswith("*") else k,
                                  st.sampled_from(written), st.sampled_from(["", "an", "nya"]))
    pieces = draw(st.lists(piece, min_size=min_pieces, max_size=max_pieces))
    return "".join(p + draw(st.sampled_from(SEPARATORS)) for p in pieces)


@st.composite
def cases(draw):
    rule_list = draw(rules())
    return rule_list, draw(texts(rule_list, 0, 3)), draw(texts(rule_list, 3, 12))


def keyword_tokens(written):
    """(tokens, is_prefix): the words of a keyword, the last one a prefix if
    it ends with '*'; a prefix's last word is not abbreviation-expanded."""
    written = written.strip()
    if not written.endswith("*"):
        return tuple(NORMALISER.normalise(written).split()), False
    head, _, last = written[:-1].strip().rpartition(" ")
    return tuple(NORMALISER.normalise(head).split() + NO_ABBREVIATIONS.normalise(last).split()), True


def occurrences(tokens, prefix, text):
    """(start, end) of every occurrence of the token sequence in ``text``."""
    words = text.split()
    starts = []
    position = 0
    for w in words:
        starts.append(position)
        position += len(w) + 1
    n = len(tokens)
    found = []
    for i in range(len(words) - n + 1):
        window = words[i:i + n]
        if window[:-1] == list(tokens[:-1]) and (
                window[-1].startswith(tokens[-1]) if prefix else window[-1] == tokens[-1]):
            found.append((starts[i], starts[i + n - 1] + len(window[-1])))
    return found


def reference_match(rule_list, title, body, report_type, channel, owners):
    """{rule index: (set of (keyword key, field, start, end), n_phrases)}."""
    fields = {"title": NORMALISER.normalise(title), "body": NORMALISER.normalise(body)}
    result = {}
    for index, rule in enumerate(rule_list):
        if not rule.active or not (rule.any or rule.all or rule.regex):
            continue
        if report_type is not None and rule.report_types and report_type not in rule.report_types:
            continue
        if channel is not None and rule.channels and channel not in rule.channels:
            continue
        if owners is not None and rule.owner not in owners:
            continue
        scoped = ["title", "body"] if rule.scope == "both" else [rule.scope]

        def hits(words, scoped=scoped):  # bound now; used in this iteration only
            out = set()
            for w in words:
                key = keyword_tokens(w)
                for f in scoped:
                    for start, end in occurrences(*key, fields[f]):
                        out.add((key, f, start, end))
            return out

        def found(w):
            return any(h[0] == keyword_tokens(w) for h in hits([w]))

        if rule.any and not any(found(w) for w in rule.any):
            continue
        if not all(found(w) for w in rule.all):
            continue
        if any(found(w) for w in rule.none):
            continue
        if rule.regex and not any(re.search(rule.regex, fields[f], re.IGNORECASE) for f in scoped):
            continue
        positive = hits(list(rule.any) + list(rule.all))
        keys = {h[0] for h in positive}
        result[index] = (positive, sum(1 for tokens, _ in keys if len(tokens) > 1), len(keys))
    return result


def compiled_hits(match):
    return {(keyword_tokens(h.keyword), h.field, h.start, h.end) for h in match.hits if h.kind != "regex"}


@settings(max_examples=300, deadline=None)
@given(case=cases(),
       report_type=st.sampled_from([None] + REPORT_TYPES), channel=st.sampled_from([None] + CHANNELS),
       owners=st.sampled_from([None, {"A"}, {"B"}, {"A", "B"}]))
def test_compiled_matcher_equals_reference_matcher(case, report_type, channel, owners):
    rule_list, title, body = case
    expected = reference_match(rule_list, title, body, report_type, channel, owners)
    matches = compile_rules(rule_list).match(title, body, report_type, channel, owners)
    got = {m.index: (compiled_hits(m), m.n_phrases, m.n_keywords) for m in matches}
    assert got == expected
    for m in matches:
        assert m.rule is rule_list[m.index]

    # and the decision follows the ranking rule
    decision = decide(matches)
    if not expected:
        assert decision.reason == "no_match"
        return
    key = {i: (rule_list[i].priority, phrases, n) for i, (_, phrases, n) in expected.items()}
    best = max(key.values())
    targets = {rule_list[i].target for i, k in key.items() if k == best}
    if len(targets) > 1:
        assert (decision.reason, decision.target) == ("tie", None)
    else:
        assert (decision.reason, decision.target) == ("match", targets.pop())
        assert key[decision.matches[0].index] == best
