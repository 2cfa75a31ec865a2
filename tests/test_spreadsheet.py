"""Cells that spreadsheet programs would run as formulas stay text, and come back unchanged."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lapor.spreadsheet import FORMULA_START, as_text, from_text


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+62 812", "'+62 812"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("'=1", "''=1"),  # an apostrophe of its own is kept apart from the one added
    ("Dinas PU", "Dinas PU"), ("'kutipan'", "'kutipan'"), ("", ""), (5, 5), (None, None),
])
def test_formula_like_text_gets_an_apostrophe_and_nothing_else_changes(value, shown):
    assert as_text(value) == shown


@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab 1"), max_size=8) | st.text(max_size=20))
def test_reading_back_gives_the_value_written(value):
    written = as_text(value)
    assert from_text(written) == value
    assert not str(written).startswith(FORMULA_START)
