import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lapor.rules.normalise import (
    Normaliser,
    default_abbreviations,
    default_normaliser,
    normalise,
    parse_abbreviations,
)

CASES = [
    ("lowercases", "JALAN Rusak", "jalan rusak"),
    ("strips_accents", "sekolàh", "sekolah"),
    ("strips_combining_marks", "rusa\u0301k", "rusak"),
    ("folds_fullwidth_letters", "ｊａｌａｎ", "jalan"),
    ("casefolds_sharp_s", "Straße", "strasse"),
    ("folds_dotted_capital_i", "İbu", "ibu"),
    ("punctuation_becomes_space", "jalan,rusak.parah!", "jalan rusak parah"),
    ("symbols_and_underscore_become_space", "air_mati@rumah#3", "air mati rumah 3"),
    ("collapses_whitespace", "  jalan \t\n  rusak  ", "jalan rusak"),
    ("keeps_digits", "RT 05 / RW 03", "rt 05 rw 03"),
    ("squeezes_triple_letters", "rusakkkk parahhh", "rusak parah"),
    ("squeezes_long_vowel_runs", "tolooooong", "tolong"),
    ("keeps_legitimate_double_letters", "maaf saat taat", "maaf saat taat"),
    ("never_squeezes_digits", "Rp 1000000", "rp 1000000"),
    ("squeezes_non_ascii_letters", "bagüüüs sekali", "bagus sekali"),
    ("keeps_numerals_and_letter_runs", "kelas VIII Gg. III B 1234 AAA", "kelas viii gang iii b 1234 aaa"),
    ("expands_jln", "Jln. Mawar", "jalan mawar"),
    ("expands_yg_and_gak", "yg gak ada", "yang tidak ada"),
    ("expands_adjacent_abbreviations", "yg yg yg", "yang yang yang"),
    ("expands_to_several_words", "gpp kok", "tidak apa apa kok"),
    ("expands_after_squeezing", "ygggg", "yang"),
    ("expands_in_non_ascii_text", "jln sekolàh", "jalan sekolah"),
    ("does_not_expand_inside_words", "jlnan gakgak", "jlnan gakgak"),
    ("empty_text", "", ""),
    ("only_punctuation", "?!...", ""),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_normalise_gives_the_expected_text(text, expected):
    assert normalise(text) == expected


def test_custom_dictionary_replaces_the_shipped_one():
    assert normalise("yg bnjr", abbreviations={"bnjr": "banjir"}) == "yg banjir"


def test_empty_dictionary_disables_expansion():
    assert normalise("yg jln", abbreviations={}) == "yg jln"


def test_dictionary_entries_are_normalised_when_loaded():
    n = Normaliser({"JL.": "Jalan", "pju": "Penerangan Jalan-Umum"})
    assert n.normalise("jl pju") == "jalan penerangan jalan umum"


@pytest.mark.parametrize("entry", [{"jl mawar": "x"}, {"...": "x"}, {"jl": "..."}],
                         ids=["multi_word_key", "empty_key", "empty_expansion"])
def test_bad_dictionary_entries_are_rejected(entry):
    with pytest.raises(ValueError):
        Normaliser(entry)


def test_shipped_dictionary_has_the_common_sms_forms():
    table = default_abbreviations()
    assert len(table) >= 60
    for short, long in [("yg", "yang"), ("jln", "jalan"), ("jl", "jalan"), ("tdk", "tidak"),
                        ("gak", "tidak"), ("nggak", "tidak"), ("sdh", "sudah"), ("blm", "belum"),
                        ("kab", "kabupaten"), ("kec", "kecamatan"), ("utk", "untuk"), ("sy", "saya"),
                        ("skrg", "sekarang"), ("bgt", "banget")]:
        assert table[short] == long


def test_default_abbreviations_returns_a_copy():
    default_abbreviations()["yg"] = "oops"
    assert default_abbreviations()["yg"] == "yang"


def test_parse_abbreviations_reads_comments_and_reports_bad_lines():
    assert parse_abbreviations("# c\n\nbnjr = banjir  # flood\n") == {"bnjr": "banjir"}
    with pytest.raises(ValueError, match="line 2"):
        parse_abbreviations("a = b\nno equals sign\n")


KEYWORDS = [
    ("word", "Rusak", ("rusak", False)),
    ("phrase_with_abbreviation", "Jln. Rusak", ("jalan rusak", False)),
    ("prefix", "jalan*", ("jalan", True)),
    ("prefix_with_space_before_star", "jalan *", ("jalan", True)),
    ("phrase_prefix", "jln rus*", ("jalan rus", True)),
    ("prefix_last_word_not_expanded", "ga*", ("ga", True)),
    ("empty", "...", ("", False)),
]


@pytest.mark.parametrize("keyword, expected", [c[1:] for c in KEYWORDS], ids=[c[0] for c in KEYWORDS])
def test_keyword_normalises_to_its_key_and_prefix_flag(keyword, expected):
    assert Normaliser().normalise_keyword(keyword) == expected


@pytest.mark.parametrize("keyword", ["*jalan", "ja*lan", "jalan**"])
def test_star_only_allowed_at_the_end_of_a_keyword(keyword):
    with pytest.raises(ValueError, match="only allowed at the end"):
        Normaliser().normalise_keyword(keyword)


def test_spans_map_normalised_tokens_back_to_the_source():
    source = "Jln.  RUSAKKK di Sekolàh!"
    result = Normaliser().normalise_with_spans(source)
    assert result.text == "jalan rusak di sekolah"
    words = [(result.text[s.start:s.end], source[s.source_start:s.source_end]) for s in result.spans]
    assert words == [("jalan", "Jln"), ("rusak", "RUSAKKK"), ("di", "di"), ("sekolah", "Sekolàh")]
    start = result.text.index("rusak di")
    assert result.to_source(start, start + len("rusak di")) == (6, 16)
    assert result.to_source(len(result.text) + 5, len(result.text) + 9) is None


# letters, separators, digits, accents, ligatures, full-width and CJK
# characters, abbreviations and stretched letters
ALPHABET = st.sampled_from(list("abcdeklmnoy jgs.,!-_'\t\n0123AEÀéçßİıﬁ²½\u0301\u0327ｊｇ日本")
                           + ["yg", "jln", "gak", "kkk", "gggg", "ééé"])


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_fast_path_equals_character_by_character_path(text):
    n = Normaliser()
    assert n.normalise(text) == n.normalise_with_spans(text).text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalised_text_is_single_spaced_and_idempotent_without_abbreviations(text):
    n = Normaliser({})
    once = n.normalise(text)
    assert once == " ".join(once.split())
    assert n.normalise(once) == once
    assert n.normalise_with_spans(text).text == once


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=120).map("".join))
def test_matcher_scan_normalises_like_the_normaliser(text):
    from lapor.rules import Rule, compile_rules

    ruleset = compile_rules([Rule(id=1, name="", owner="A", target="B", any=("jalan", "ab*"))])
    texts, _ = ruleset._scan(text, text)
    assert texts == (Normaliser().padded(text),) * 2
    assert texts[0] == " " + normalise(text) + " " or (texts[0] == "  " and normalise(text) == "")


@pytest.mark.parametrize("text", ["Jum'at", "Jum’at", "JUM'AT", "jum\u00adat", "jum\u200bat", "\ufeffjumat"])
def test_apostrophes_and_invisible_characters_join_a_word_rather_than_split_it(text):
    assert normalise(text) == "jumat"
    assert default_normaliser().padded(text) == " jumat "
    assert default_normaliser().normalise_with_spans(text).text == "jumat"


def test_a_keyword_with_an_apostrophe_matches_the_word_written_without_one():
    from lapor.rules import Rule, compile_rules

    rule = Rule(id="r", name="r", owner="NAS", target="PU", any=("jum'at",))
    assert compile_rules([rule]).match("", "Sejak hari Jumat jalan ditutup")
    assert compile_rules([Rule(id="s", name="s", owner="NAS", target="PU", any=("jumat",))]).match(
        "", "Sejak hari Jum’at jalan ditutup")
