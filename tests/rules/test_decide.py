import json

import pytest

from lapor.rules import Decision, Rule, compile_rules, decide, route


def rule(id, target, priority=0, owner="NAS", **kw):
    return Rule(id=id, name=f"rule {id}", owner=owner, target=target, priority=priority, **kw)


def routed(rules, body, title="", **kw):
    return route(compile_rules(rules), title, body, **kw)


# (id, rules, body, expected target, expected reason, expected winning rule id)
CASES = [
    ("no_rules_no_match", [], "jalan rusak", None, "no_match", None),
    ("nothing_matches", [rule("pu", "PU", any=["jembatan"])], "jalan rusak", None, "no_match", None),
    ("single_match_wins", [rule("pu", "PU", any=["jalan"])], "jalan rusak", "PU", "match", "pu"),
    ("higher_priority_wins", [rule("pu", "PU", 1, any=["jalan"]), rule("dlh", "DLH", 5, any=["sampah"])],
     "sampah di jalan", "DLH", "match", "dlh"),
    ("priority_beats_specificity", [rule("pu", "PU", 1, any=["jalan", "rusak", "jalan rusak"]),
                                    rule("dlh", "DLH", 2, any=["sampah"])],
     "sampah di jalan rusak", "DLH", "match", "dlh"),
    ("more_phrases_win_at_equal_priority", [rule("pu", "PU", any=["jalan rusak"]),
                                            rule("dlh", "DLH", any=["sampah", "rusak", "jalan"])],
     "sampah di jalan rusak", "PU", "match", "pu"),
    ("more_keywords_win_at_equal_priority_and_phrases",
     [rule("pu", "PU", any=["jalan", "rusak"]), rule("dlh", "DLH", any=["sampah"])],
     "sampah di jalan rusak", "PU", "match", "pu"),
    ("tie_between_different_targets", [rule("pu", "PU", any=["jalan"]), rule("dlh", "DLH", any=["sampah"])],
     "sampah di jalan", None, "tie", None),
    ("tie_between_same_targets_is_no_tie", [rule("a", "PU", any=["jalan"]), rule("b", "PU", any=["rusak"])],
     "jalan rusak", "PU", "match", "a"),
    ("lower_ranked_other_target_is_no_tie", [rule("a", "PU", 3, any=["jalan"]), rule("b", "PU", 3, any=["rusak"]),
                                             rule("c", "DLH", 1, any=["sampah"])],
     "jalan rusak sampah", "PU", "match", "a"),
]


@pytest.mark.parametrize("rules, body, target, reason, winner", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_routing_decision_follows_priority_specificity_and_ties(rules, body, target, reason, winner):
    decision = routed(rules, body)
    assert (decision.target, decision.reason) == (target, reason)
    assert (decision.rule.id if decision.rule else None) == winner


def test_tie_lists_the_tied_candidates_and_not_the_lower_rules():
    decision = routed([rule("pu", "PU", 2, any=["jalan"]), rule("dlh", "DLH", 2, any=["sampah"]),
                       rule("pln", "PLN", 1, any=["listrik"])], "sampah jalan listrik")
    assert decision.reason == "tie" and decision.target is None
    assert [m.rule.id for m in decision.candidates] == ["pu", "dlh"]
    assert [m.rule.id for m in decision.matches] == ["pu", "dlh", "pln"]
    assert decision.to_dict()["candidates"] == ["pu", "dlh"]


def test_winner_takes_actions_from_itself_first():
    decision = routed([rule("pu", "PU", 5, any=["jalan"], category="infrastruktur", policy="reguler"),
                       rule("pu2", "PU", 1, any=["rusak"], category="lain", policy="khusus")], "jalan rusak")
    assert (decision.category, decision.policy) == ("infrastruktur", "reguler")
    assert [m.rule.id for m in decision.contributors] == ["pu", "pu2"]


def test_lower_rules_with_the_same_target_fill_in_missing_actions_and_urgency():
    decision = routed([rule("pu", "PU", 5, any=["jalan"]),
                       rule("pu-urgent", "PU", 1, any=["ambruk"], category="jembatan", urgent=True)],
                      "jalan ambruk")
    assert (decision.target, decision.category, decision.urgent) == ("PU", "jembatan", True)


def test_rules_with_another_target_do_not_add_actions():
    decision = routed([rule("pu", "PU", 5, any=["jalan"]),
                       rule("bpbd", "BPBD", 1, any=["longsor"], category="bencana", urgent=True)],
                      "jalan longsor")
    assert (decision.target, decision.category, decision.urgent) == ("PU", None, False)
    assert decision.explanation["outranked"] == ["bpbd"]


def test_stop_rule_prevents_lower_rules_from_adding_actions():
    decision = routed([rule("pu", "PU", 5, any=["jalan"], category="jalan", stop=True),
                       rule("pu-urgent", "PU", 1, any=["ambruk"], policy="khusus", urgent=True)],
                      "jalan ambruk")
    assert (decision.target, decision.category, decision.policy, decision.urgent) == ("PU", "jalan", None, False)
    assert decision.stopped_by.id == "pu"
    assert decision.explanation["skipped_after_stop"] == ["pu-urgent"]


def test_stop_applies_after_the_whole_best_group():
    decision = routed([rule("a", "PU", 5, any=["jalan"], stop=True),
                       rule("b", "PU", 5, any=["rusak"], urgent=True),
                       rule("c", "PU", 1, any=["parah"], category="x")], "jalan rusak parah")
    assert [m.rule.id for m in decision.contributors] == ["a", "b"]
    assert decision.urgent is True and decision.category is None


def test_stop_rule_lower_down_still_lets_higher_rules_contribute():
    decision = routed([rule("a", "PU", 5, any=["jalan"]),
                       rule("b", "PU", 3, any=["rusak"], stop=True, category="b"),
                       rule("c", "PU", 1, any=["parah"], urgent=True)], "jalan rusak parah")
    assert [m.rule.id for m in decision.contributors] == ["a", "b"]
    assert (decision.category, decision.urgent) == ("b", False)


def test_tie_is_flagged_urgent_when_a_tied_rule_is_urgent():
    decision = routed([rule("a", "PU", any=["banjir"], urgent=True), rule("b", "BPBD", any=["longsor"])],
                      "banjir longsor")
    assert decision.reason == "tie" and decision.urgent is True


def test_decide_accepts_matches_in_any_order():
    ruleset = compile_rules([rule("low", "PU", 1, any=["jalan"]), rule("high", "DLH", 9, any=["sampah"])])
    matches = ruleset.match("", "jalan sampah")
    assert decide(list(reversed(matches))).rule.id == "high"
    assert decide([]) == Decision(target=None, reason="no_match")


def test_route_passes_filters_through():
    rules = [rule("sms", "PU", any=["jalan"], channels=["sms"]), rule("web", "DLH", any=["jalan"], owner="X")]
    assert routed(rules, "jalan", channel="web").target == "DLH"
    assert routed(rules, "jalan", channel="sms", owners={"NAS"}).target == "PU"
    assert routed(rules, "jalan", report_type="aspiration", channel="api", owners={"Y"}).reason == "no_match"


def test_explanation_is_json_serialisable_and_says_why():
    decision = routed([rule("pu", "PU", 5, any=["jalan rusak", "jalan*"], category="infrastruktur"),
                       rule(7, "DLH", 1, any=["sampah"])], "Sampah", title="Jln. rusakkk")
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["target"] == "PU" and data["rule"] == "pu" and data["category"] == "infrastruktur"
    explanation = data["explanation"]
    assert explanation["winner"] == "pu"
    assert explanation["why"] == "rule 'pu' beats rule 7 (target 'DLH'): higher priority (5 > 1)"
    assert [m["rule"] for m in explanation["matched"]] == ["pu", 7]
    hits = explanation["matched"][0]["hits"]
    assert {"keyword": "jalan rusak", "kind": "any", "field": "title", "start": 0, "end": 11,
            "text": "jalan rusak"} in hits
    assert explanation["actions"]["category"] == {"value": "infrastruktur", "rule": "pu"}


@pytest.mark.parametrize("rules, body, why", [
    ([rule("a", "PU", any=["jalan"])], "jalan", "rule 'a' is the only matching rule"),
    ([rule("a", "PU", any=["jalan rusak"]), rule("b", "DLH", any=["sampah", "rusak"])], "sampah jalan rusak",
     "rule 'a' beats rule 'b' (target 'DLH'): more phrases matched (1 > 0)"),
    ([rule("a", "PU", any=["jalan", "rusak"]), rule("b", "DLH", any=["sampah"])], "sampah jalan rusak",
     "rule 'a' beats rule 'b' (target 'DLH'): more keywords matched (2 > 1)"),
    ([rule("a", "PU", any=["jalan"]), rule("b", "PU", any=["rusak"])], "jalan rusak",
     "rule 'a' ties with 'b' on priority 0, 0 phrase(s), 1 keyword(s), but they route to the same target 'PU'; "
     "the first in rule-set order is reported"),
    ([rule("a", "PU", 2, any=["jalan"]), rule("b", "PU", any=["rusak"])], "jalan rusak",
     "rule 'a' ranks first (priority 2, 0 phrase(s), 1 keyword(s)) and every matching rule routes to the same "
     "target 'PU'"),
    ([rule("a", "PU", any=["jalan"]), rule("b", "DLH", any=["sampah"])], "jalan sampah",
     "rules 'a' -> 'PU', 'b' -> 'DLH' tie on priority 0, 0 phrase(s), 1 keyword(s) and route to different targets"),
    ([rule("a", "PU", any=["jalan"])], "sampah", "no rule matched"),
], ids=["only_rule", "phrases", "keywords", "same_target_tie", "same_target_all", "tie", "no_match"])
def test_explanation_says_why_the_winner_won_or_why_there_is_none(rules, body, why):
    assert routed(rules, body).explanation["why"] == why


def test_compiled_rule_set_route_method_equals_route_function():
    ruleset = compile_rules([rule("a", "PU", any=["jalan"])])
    assert ruleset.route("", "jalan") == route(ruleset, "", "jalan")
