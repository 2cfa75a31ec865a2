import json

import pytest
import yaml

from lapor.rules import Rule, RuleError, rule_from_dict, rule_to_dict

BASE = {"id": "r1", "name": "Jalan rusak", "owner": "TANGKAB", "target": "DPUPR",
        "keywords": {"any": ["jalan*"]}}


def with_(**changes):
    data = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        if "__" in key:
            section, name = key.split("__")
            data.setdefault(section, {})[name] = value
        else:
            data[key] = value
    return data


def test_minimal_dict_gets_defaults():
    rule = rule_from_dict({"id": 7, "owner": "TANGKAB", "target": "DPUPR", "keywords": {"any": ["jalan"]}})
    assert rule == Rule(id=7, name="", owner="TANGKAB", target="DPUPR", any=("jalan",))
    assert (rule.priority, rule.active, rule.scope, rule.urgent, rule.stop) == (0, True, "both", False, False)
    assert rule.report_types == frozenset() and rule.channels == frozenset()


def test_round_trip_through_dict_json_and_yaml():
    rule = Rule(id="r1", name="Jalan", owner="TANGKAB", target="DPUPR", priority=5, active=False,
                any=("jalan*", "jembatan"), all=("rusak",), none=("tol",), regex=r"rt \d+",
                scope="title", report_types=frozenset({"complaint"}), channels=frozenset({"sms", "web"}),
                category="infrastruktur", policy="reguler", urgent=True, stop=True)
    data = rule_to_dict(rule)
    assert rule_from_dict(data) == rule
    assert rule_from_dict(json.loads(json.dumps(data))) == rule
    assert rule_from_dict(yaml.safe_load(yaml.safe_dump(data))) == rule
    assert data["filters"]["channels"] == ["sms", "web"]


def test_lists_are_stored_as_tuples_so_rules_are_hashable():
    rule = Rule(id=1, name="", owner="A", target="B", any=["jalan"], report_types={"complaint"})
    assert rule.any == ("jalan",) and rule.report_types == frozenset({"complaint"})
    assert hash(rule) == hash(Rule(id=1, name="", owner="A", target="B", any=("jalan",),
                                   report_types=frozenset({"complaint"})))


def test_rule_without_keywords_or_regex_is_valid_but_cannot_match():
    assert not rule_from_dict(with_(keywords={})).can_match
    assert rule_from_dict(with_(keywords={}, regex="rt")).can_match


INVALID = [
    ("empty_keyword", with_(keywords__any=["jalan", "  "]), r"keywords\.any\[1\]: empty keyword"),
    ("punctuation_only_keyword", with_(keywords__all=["..."]), r"keywords\.all\[0\]: empty keyword"),
    ("bare_star", with_(keywords__any=["*"]), "empty keyword"),
    ("star_inside_keyword", with_(keywords__any=["ja*lan"]), r"'\*' is only allowed at the end"),
    ("keywords_given_as_string", with_(keywords__any="jalan rusak"), "must be a list of strings"),
    ("non_string_keyword", with_(keywords__none=[3]), r"keywords\.none\[0\] must be a string"),
    ("required_and_excluded", with_(keywords__all=["Jln"], keywords__none=["jalan"]),
     "both required and excluded: jalan"),
    ("invalid_regex", with_(regex="rt (\\d+"), "invalid regex"),
    ("empty_regex", with_(regex=""), "regex must be a non-empty string"),
    ("bad_scope", with_(scope="subject"), "scope must be one of title, body, both"),
    ("unknown_report_type", with_(filters__report_types=["complain"]), "unknown 'complain'"),
    ("unknown_channel", with_(filters__channels=["fax"]), "unknown 'fax'"),
    ("channels_given_as_string", with_(filters__channels="sms"), "must be a list"),
    ("priority_not_int", with_(priority="high"), "priority must be an integer"),
    ("priority_bool", with_(priority=True), "priority must be an integer"),
    ("active_not_bool", with_(active="yes"), "active must be true or false"),
    ("urgent_not_bool", with_(actions__urgent=1), "urgent must be true or false"),
    ("empty_category", with_(actions__category=" "), "category must be a non-empty string"),
    ("missing_owner", {k: v for k, v in BASE.items() if k != "owner"}, "owner is required"),
    ("missing_target", with_(target=""), "target is required"),
    ("missing_id", {k: v for k, v in BASE.items() if k != "id"}, "id is required"),
    ("owner_with_spaces", with_(owner=" TANGKAB"), "owner must be a non-empty agency code"),
    ("unknown_top_level_key", with_(keyword={"any": ["x"]}), "unknown key.*keyword"),
    ("unknown_section_key", with_(keywords__some=["x"]), "unknown key.*in keywords: some"),
    ("section_not_mapping", with_(actions=["stop"]), "actions must be a mapping"),
]


@pytest.mark.parametrize("data, message", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_rules_raise_rule_error_with_a_clear_message(data, message):
    with pytest.raises(RuleError, match=message):
        rule_from_dict(data)


def test_rule_error_is_a_value_error_and_names_the_rule():
    with pytest.raises(ValueError, match="^rule 'r1': "):
        rule_from_dict(with_(scope="x"))


def test_non_mapping_is_rejected():
    with pytest.raises(RuleError, match="must be a mapping"):
        rule_from_dict(["id", "r1"])


def test_direct_construction_validates_too():
    with pytest.raises(RuleError, match="id must be a non-empty string or an integer"):
        Rule(id=True, name="", owner="A", target="B")
    with pytest.raises(RuleError, match="empty keyword"):
        Rule(id=1, name="", owner="A", target="B", any=("",))
