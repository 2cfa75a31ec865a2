"""Rule files written by Lapor read back unchanged, whatever text the rules hold (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lapor.rules import transfer

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# What a CSV cell can carry back: its lists are split at ';' and its cells trimmed.
CELL = TEXT.map(str.strip).filter(lambda t: ";" not in t)


def rules(text):
    return st.lists(st.fixed_dictionaries({
        "id": text.filter(bool), "name": text, "owner": st.just("TANGKAB"), "target": text.filter(bool),
        "priority": st.integers(-1000, 1000), "active": st.booleans(),
        "keywords": st.fixed_dictionaries({kind: st.lists(text.filter(bool), max_size=3)
                                           for kind in ("any", "all", "none")}),
        "regex": st.none() | text.filter(bool), "scope": st.sampled_from(["title", "body", "both"]),
        "filters": st.fixed_dictionaries({"report_types": st.lists(st.sampled_from(["complaint", "aspiration"]),
                                                                   max_size=2, unique=True),
                                          "channels": st.lists(st.sampled_from(["web", "sms"]), max_size=2,
                                                               unique=True)}),
        "actions": st.fixed_dictionaries({"category": st.none() | text.filter(bool),
                                          "policy": st.none() | text.filter(bool),
                                          "urgent": st.booleans(), "stop": st.booleans()}),
    }), max_size=4)


# Where each CSV column's value sits in a rule's dict form (top level when not named here).
SECTION_OF = {"any": "keywords", "all": "keywords", "none": "keywords", "report_types": "filters",
              "channels": "filters", "category": "actions", "policy": "actions", "urgent": "actions",
              "stop": "actions"}
EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@given(rules(TEXT), st.dictionaries(TEXT.filter(bool), TEXT.filter(bool), max_size=3))
@EXAMPLES
def test_yaml_reads_back_what_it_wrote(written, abbreviations):
    parsed = transfer.load_yaml(transfer.dump_yaml("TANGKAB", 3, "draft", written, abbreviations))
    assert parsed.errors == []
    assert [rule for _, rule in parsed.rows] == written
    assert parsed.owner == "TANGKAB" and parsed.abbreviations == abbreviations


@given(rules(CELL))
@EXAMPLES
def test_csv_reads_back_what_it_wrote(written):
    parsed = transfer.load_csv(transfer.dump_csv(written))
    assert parsed.errors == []
    for (_, back), rule in zip(parsed.rows, written, strict=True):
        for column in transfer.COLUMNS:  # empty cells are left out, so the defaults apply
            section = SECTION_OF.get(column)
            want = rule.get(section, {}).get(column) if section else rule.get(column)
            got = back.get(section, {}).get(column) if section else back.get(column)
            if want in (None, "", []):
                assert got is None, (column, want, got)
            else:
                assert got == want, (column, want, got)
