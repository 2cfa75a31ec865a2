import pytest

from lapor.rules import Rule, RuleError, compile_rules


def rule(id="r", owner="NAS", target="PU", **kw):
    return Rule(id=id, name=str(id), owner=owner, target=target, **kw)


# (id, rule keyword arguments, title, body, match() keyword arguments, matches?)
CASES = [
    # word boundaries
    ("word_matches_whole_word", dict(any=["jalan"]), "", "jalan berlubang", {}, True),
    ("word_does_not_match_inside_longer_word", dict(any=["jalan"]), "", "jalanan berlubang", {}, False),
    ("word_does_not_match_suffix_of_word", dict(any=["lan"]), "", "jalan", {}, False),
    ("word_matches_at_end_of_text", dict(any=["rusak"]), "", "jalan rusak", {}, True),
    ("word_matches_between_punctuation", dict(any=["rusak"]), "", "jalan(rusak)parah", {}, True),
    # prefixes
    ("prefix_matches_the_word_itself", dict(any=["jalan*"]), "", "jalan", {}, True),
    ("prefix_matches_longer_word", dict(any=["jalan*"]), "", "banyak jalanan rusak", {}, True),
    ("prefix_does_not_match_inside_word", dict(any=["jalan*"]), "", "perjalanan", {}, False),
    ("phrase_prefix_matches", dict(any=["jalan rus*"]), "", "jalan rusaknya parah", {}, True),
    ("phrase_prefix_needs_the_first_word_exactly", dict(any=["jalan rus*"]), "", "jalanan rusak", {}, False),
    # phrases
    ("phrase_matches_consecutive_words", dict(any=["jalan rusak"]), "", "ada jalan rusak", {}, True),
    ("phrase_does_not_match_words_apart", dict(any=["jalan rusak"]), "", "jalan sangat rusak", {}, False),
    ("phrase_does_not_match_reversed_words", dict(any=["jalan rusak"]), "", "rusak jalan", {}, False),
    ("phrase_matches_across_punctuation", dict(any=["jalan rusak"]), "", "jalan... rusak!", {}, True),
    # normalisation on both sides
    ("accented_text_matches_plain_keyword", dict(any=["sekolah"]), "", "atap sekolàh bocor", {}, True),
    ("accented_keyword_matches_plain_text", dict(any=["sekolàh"]), "", "atap sekolah bocor", {}, True),
    ("case_insensitive", dict(any=["Banjir"]), "", "BANJIR lagi", {}, True),
    ("abbreviated_text_matches_full_keyword", dict(any=["jalan rusak"]), "", "jln rusak dekat pasar", {}, True),
    ("abbreviated_keyword_matches_full_text", dict(any=["Jln. Rusak"]), "", "jalan rusak", {}, True),
    ("slang_negation_matches", dict(any=["tidak ada"]), "", "air gak ada sejak pagi", {}, True),
    ("repeated_letters_match", dict(any=["rusak parah"]), "", "rusakkkk parahhhh!!!", {}, True),
    ("double_letters_are_kept", dict(any=["maaf"]), "", "mohon maaf", {}, True),
    ("punctuation_inside_keyword_is_a_space", dict(any=["rt.05"]), "", "di RT 05", {}, True),
    # any / all / none
    ("any_needs_one_keyword", dict(any=["banjir", "longsor"]), "", "longsor di desa", {}, True),
    ("any_fails_without_keywords_found", dict(any=["banjir", "longsor"]), "", "jalan rusak", {}, False),
    ("all_needs_every_keyword", dict(all=["air", "mati"]), "", "air mati sejak pagi", {}, True),
    ("all_fails_with_one_keyword_missing", dict(all=["air", "mati"]), "", "air keruh", {}, False),
    ("all_keywords_may_come_from_both_fields", dict(all=["air", "mati"]), "air", "mati lagi", {}, True),
    ("any_and_all_both_required", dict(any=["pdam"], all=["air"]), "", "air mati", {}, False),
    ("any_and_all_both_satisfied", dict(any=["pdam"], all=["air"]), "", "air pdam mati", {}, True),
    ("exclusion_blocks_match", dict(any=["jalan"], none=["jalan tol"]), "", "jalan tol macet", {}, False),
    ("exclusion_elsewhere_in_text_blocks", dict(any=["jalan"], none=["tol"]), "tol", "jalan rusak", {}, False),
    ("exclusion_absent_allows_match", dict(any=["jalan"], none=["jalan tol"]), "", "jalan desa", {}, True),
    ("exclusion_prefix_blocks", dict(any=["sampah"], none=["hoa*"]), "", "sampah hoaks", {}, False),
    ("only_exclusions_never_match", dict(none=["tol"]), "", "jalan desa", {}, False),
    ("no_keywords_no_regex_never_matches", dict(), "", "apa saja", {}, False),
    # regex on the normalised text
    ("regex_alone_matches", dict(regex=r"\brt \d+"), "", "Di RT.05 banjir", {}, True),
    ("regex_alone_can_fail", dict(regex=r"\brt \d+"), "", "banjir", {}, False),
    ("regex_and_keywords_both_needed", dict(any=["banjir"], regex=r"\brt \d+"), "", "banjir besar", {}, False),
    ("regex_and_keywords_both_found", dict(any=["banjir"], regex=r"\brt \d+"), "", "banjir rt 5", {}, True),
    ("regex_is_case_insensitive", dict(regex=r"RT \d+"), "", "rt 5", {}, True),
    ("regex_anchors_apply_to_field_text", dict(regex=r"^banjir"), "", "Banjir!", {}, True),
    ("regex_alone_respects_exclusions", dict(regex=r"banjir", none=["hoaks"]), "", "banjir hoaks", {}, False),
    # scope
    ("title_scope_matches_title", dict(any=["banjir"], scope="title"), "Banjir", "air naik", {}, True),
    ("title_scope_ignores_body", dict(any=["banjir"], scope="title"), "Laporan", "banjir", {}, False),
    ("body_scope_ignores_title", dict(any=["banjir"], scope="body"), "Banjir", "air naik", {}, False),
    ("body_scope_matches_body", dict(any=["banjir"], scope="body"), "Laporan", "banjir", {}, True),
    ("title_scope_exclusion_ignores_body", dict(any=["banjir"], none=["hoaks"], scope="title"),
     "banjir", "hoaks", {}, True),
    ("regex_respects_scope", dict(regex="banjir", scope="title"), "laporan", "banjir", {}, False),
    ("phrase_does_not_span_title_and_body", dict(any=["jalan rusak"]), "jalan", "rusak", {}, False),
    # filters
    ("type_filter_passes", dict(any=["info"], report_types=["information_request"]), "", "info",
     {"report_type": "information_request"}, True),
    ("type_filter_blocks", dict(any=["info"], report_types=["information_request"]), "", "info",
     {"report_type": "complaint"}, False),
    ("type_filter_not_applied_without_type", dict(any=["info"], report_types=["complaint"]), "", "info", {}, True),
    ("channel_filter_passes", dict(any=["pulsa"], channels=["sms"]), "", "pulsa", {"channel": "sms"}, True),
    ("channel_filter_blocks", dict(any=["pulsa"], channels=["sms"]), "", "pulsa", {"channel": "web"}, False),
    ("empty_filters_allow_everything", dict(any=["pulsa"]), "", "pulsa",
     {"channel": "open311", "report_type": "aspiration"}, True),
    # owners
    ("owners_include_the_rule_owner", dict(any=["pulsa"]), "", "pulsa", {"owners": {"NAS", "X"}}, True),
    ("owners_exclude_other_agencies", dict(any=["pulsa"]), "", "pulsa", {"owners": {"TANGKAB"}}, False),
    ("owners_as_single_code", dict(any=["pulsa"]), "", "pulsa", {"owners": "NAS"}, True),
    ("regex_rule_respects_owners", dict(regex="pulsa"), "", "pulsa", {"owners": {"TANGKAB"}}, False),
    # inactive
    ("inactive_rule_never_matches", dict(any=["banjir"], active=False), "", "banjir", {}, False),
]


@pytest.mark.parametrize("rule_kw, title, body, match_kw, expected",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_matches_or_not_as_the_table_says(rule_kw, title, body, match_kw, expected):
    ruleset = compile_rules([rule(**rule_kw)])
    assert bool(ruleset.match(title, body, **match_kw)) is expected


def hits_of(match):
    return [(h.keyword, h.field, h.start, h.end, h.text) for h in match.hits]


def test_overlapping_keywords_are_all_found_with_positions():
    ruleset = compile_rules([rule(any=["jalan", "jalan rusak", "rusak", "rusak parah"])])
    [match] = ruleset.match(None, "Jalan rusak parah")
    assert hits_of(match) == [
        ("jalan", "body", 0, 5, "jalan"),
        ("jalan rusak", "body", 0, 11, "jalan rusak"),
        ("rusak", "body", 6, 11, "rusak"),
        ("rusak parah", "body", 6, 17, "rusak parah"),
    ]
    assert (match.n_keywords, match.n_phrases) == (4, 2)


def test_positions_are_in_the_normalised_field_text_and_cover_the_whole_prefixed_word():
    ruleset = compile_rules([rule(any=["jalan*", "sekolah"])])
    [match] = ruleset.match("Jln. sekolàh", "di jalanan, jalan")
    assert hits_of(match) == [
        ("jalan*", "title", 0, 5, "jalan"),
        ("sekolah", "title", 6, 13, "sekolah"),
        ("jalan*", "body", 3, 10, "jalanan"),
        ("jalan*", "body", 11, 16, "jalan"),
    ]
    assert match.keywords == ("jalan*", "sekolah")


def test_every_occurrence_is_reported():
    ruleset = compile_rules([rule(any=["banjir"])])
    [match] = ruleset.match("banjir", "banjir lagi banjir")
    assert [(h.field, h.start) for h in match.hits] == [("title", 0), ("body", 0), ("body", 12)]


def test_keyword_counted_once_across_title_and_body():
    ruleset = compile_rules([rule(any=["banjir"])])
    [match] = ruleset.match("banjir", "banjir")
    assert match.n_keywords == 1


def test_regex_hit_is_reported_with_its_position():
    ruleset = compile_rules([rule(any=["banjir"], regex=r"rt \d+")])
    [match] = ruleset.match("", "banjir di RT-07")
    assert ("rt \\d+", "body", 10, 15, "rt 07") in hits_of(match)
    assert match.n_keywords == 1


def test_keyword_in_both_any_and_all_is_one_keyword_reported_as_all():
    ruleset = compile_rules([rule(any=["air", "pdam"], all=["air"])])
    [match] = ruleset.match("", "air keruh")
    assert [(h.keyword, h.kind) for h in match.hits] == [("air", "all")]
    assert match.n_keywords == 1


def test_equivalent_keywords_in_one_rule_count_once():
    ruleset = compile_rules([rule(any=["jalan", "Jln.", "jl"])])
    [match] = ruleset.match("", "jalan")
    assert match.n_keywords == 1


def test_many_rules_share_one_scan_and_match_independently():
    rules = [rule(id="pu", target="PU", any=["jalan*"]),
             rule(id="dlh", target="DLH", any=["sampah"]),
             rule(id="pdam", target="PDAM", all=["air", "mati"]),
             rule(id="pln", target="PLN", any=["listrik"])]
    ruleset = compile_rules(rules)
    assert ruleset.n_keys == 5
    matches = ruleset.match("Sampah", "jalanan penuh sampah, air mati")
    assert [m.rule.id for m in matches] == ["pu", "dlh", "pdam"]
    assert [m.index for m in matches] == [0, 1, 2]


def test_owners_restrict_shared_keywords_to_the_named_agencies():
    rules = [rule(id=f"r{i}", owner=f"AG{i % 4}", target=f"T{i}", any=["jalan", "rusak"]) for i in range(12)]
    ruleset = compile_rules(rules)
    assert len(ruleset.match("", "jalan rusak")) == 12
    scoped = ruleset.match("", "jalan rusak", owners={"AG1", "AG3"})
    assert sorted(m.rule.id for m in scoped) == ["r1", "r11", "r3", "r5", "r7", "r9"]
    assert ruleset.match("", "jalan rusak", owners=set()) == []


def test_custom_abbreviations_apply_to_texts_and_keywords():
    ruleset = compile_rules([rule(any=["bnjr"])], abbreviations={"bnjr": "banjir"})
    assert ruleset.match("", "banjir")
    assert ruleset.match("", "BNJR!!")
    assert not compile_rules([rule(any=["banjir"])], abbreviations={}).match("", "bnjr")


def test_empty_rule_set_and_empty_texts_match_nothing():
    assert compile_rules([]).match("jalan", "rusak") == []
    ruleset = compile_rules([rule(any=["jalan"])])
    assert ruleset.match(None, None) == []
    assert ruleset.match("", "!!!") == []


def test_unknown_report_type_or_channel_is_an_error():
    ruleset = compile_rules([rule(any=["jalan"])])
    with pytest.raises(ValueError, match="report type"):
        ruleset.match("", "jalan", report_type="complain")
    with pytest.raises(ValueError, match="channel"):
        ruleset.match("", "jalan", channel="fax")


def test_compile_rejects_things_that_are_not_rules():
    with pytest.raises(RuleError, match="not a Rule"):
        compile_rules([{"id": 1}])


def test_inactive_rules_are_kept_but_not_matched():
    ruleset = compile_rules([rule(id="off", any=["jalan"], active=False), rule(id="on", any=["jalan"])])
    assert len(ruleset) == 2
    assert [m.rule.id for m in ruleset.match("", "jalan")] == ["on"]


def test_positions_refer_to_the_text_after_squeezing_and_expanding():
    ruleset = compile_rules([rule(any=["rusak parah", "tidak"])])
    [match] = ruleset.match("", "Jln RUSAKKKK parahhh, gak diperbaiki")
    assert hits_of(match) == [
        ("rusak parah", "body", 6, 17, "rusak parah"),
        ("tidak", "body", 18, 23, "tidak"),
    ]


def test_compiling_leaves_the_garbage_collector_as_it_was():
    import gc

    assert gc.isenabled()
    compile_rules([rule(any=["jalan"])])
    assert gc.isenabled()
    gc.disable()
    try:
        compile_rules([rule(any=["jalan"])])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_regex_that_backtracks_for_ever_gives_up_and_the_other_rules_still_decide():
    """`^(\\w|\\w\\w)+\\d$` takes exponential time on a long word without a digit at its end;
    Python's own `re` would hold the process (and routing for every agency) for ever. Run apart,
    so a hang fails the test."""
    import subprocess
    import sys

    program = (
        "from lapor.rules import Rule, compile_rules\n"
        "rules = compile_rules([Rule(id='lambat', name='', owner='NAS', target='PU', regex=r'^(\\w|\\w\\w)+\\d$'),\n"
        "                       Rule(id='banjir', name='', owner='NAS', target='BPBD', any=['banjir'])])\n"
        "print(sorted(m.rule.id for m in rules.match('banjir', 'ab' * 40)))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['banjir']"
    assert "regex gave up" in done.stderr


@pytest.mark.parametrize(("acronym", "everyday_text"), [
    ("BPK", "Pak RT menolak tanda tangan, bapak lurah juga diam saja"),
    ("DPT", "Saya tidak dapat mengurus surat pindah"),
    ("SPT", "Pelayanan seperti biasa lambat sekali"),
    ("BKN", "Ini bukan pertama kali air mati"),
    ("TPI", "Sudah lapor tapi tidak ada tanggapan"),
])
def test_an_agency_or_document_acronym_keyword_does_not_claim_an_everyday_word(acronym, everyday_text):
    """Keywords are expanded like texts: an acronym the dictionary read as a common word (bpk =
    bapak) would make a BPK rule claim every report that says "bapak"."""
    ruleset = compile_rules([rule(any=[acronym])])
    assert ruleset.match("Laporan warga", everyday_text) == []
    assert ruleset.match("", f"Laporan tentang {acronym} kabupaten") != []


def test_roman_numerals_and_letter_runs_are_matched_as_written():
    """Grade 8 is not grade 6, and plate AAA is not plate A: tripled letters there are no
    stretching, while a stretched word still matches."""
    from lapor.rules import route

    grades = compile_rules([rule("sd", target="DISDIK-SD", any=["kelas vi"]),
                            rule("smp", target="DISDIK-SMP", any=["kelas viii"])])
    assert route(grades, "", "Anak saya kelas VIII dipungut biaya").target == "DISDIK-SMP"
    assert route(grades, "", "Anak saya kelas VI dipungut biaya").target == "DISDIK-SD"
    plate = compile_rules([rule(any=["B 1234 AAA"])])
    assert plate.match("", "Truk B 1234 A parkir di trotoar") == []
    assert plate.match("", "Truk B 1234 AAA parkir di trotoar") != []
    assert compile_rules([rule(any=["rusak"])]).match("", "jalannya rusakkkk") != []


def test_the_vowel_signs_of_regional_scripts_are_letters_not_accents():
    """In Aksara Jawa and Sunda a vowel sign changes the word: banjir is not banjar."""
    assert compile_rules([rule(any=["ꦧꦤ꧀ꦗꦶꦂ"])]).match("", "ꦢꦺꦱ ꦧꦤ꧀ꦗꦂ") == []
    assert compile_rules([rule(any=["ꦧꦤ꧀ꦗꦶꦂ"])]).match("", "ꦢꦺꦱ ꦧꦤ꧀ꦗꦶꦂ") != []
    assert compile_rules([rule(any=["ᮘᮔ᮪ᮏᮤᮁ"])]).match("", "ᮘᮔ᮪ᮏᮁ") == []
    assert compile_rules([rule(any=["sekolah"])]).match("", "atap sekolàh bocor") != []  # accents still fold
