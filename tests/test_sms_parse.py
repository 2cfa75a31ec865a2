"""The SMS grammar, phone numbers, charsets and replies: pure functions, no app."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lapor.channels.sms import (
    HELP,
    HELP_TEXT,
    SMS_LIMIT,
    Command,
    decode_text,
    is_gsm7,
    parse_sms,
    reply_forwarded,
    reply_not_accepted,
    reply_not_found,
    reply_received,
    reply_status,
    title_for,
)
from lapor.models import STATES
from lapor.phones import normalise_phone

KEYWORDS = {"TANGKAB", "KEMENHUB", "makassar"}  # registered keywords, any case

PARSES = [
    # reports: keyword, type, text
    ("TANGKAB jalan rusak di depan pasar",
     Command("report", "jalan rusak di depan pasar", "TANGKAB")),
    ("tangkab jalan rusak", Command("report", "jalan rusak", "TANGKAB")),
    ("TANGKAB: jalan rusak", Command("report", "jalan rusak", "TANGKAB")),
    ("Makassar banjir", Command("report", "banjir", "MAKASSAR")),
    ("KEMENHUB aduan bus tidak berhenti di halte",
     Command("report", "bus tidak berhenti di halte", "KEMENHUB", "complaint")),
    ("KEMENHUB ASPIRASI tambah trayek",
     Command("report", "tambah trayek", "KEMENHUB", "aspiration")),
    ("TANGKAB info jam buka Disdukcapil?",
     Command("report", "jam buka Disdukcapil?", "TANGKAB", "information_request")),
    ("ADUAN lampu jalan mati", Command("report", "lampu jalan mati", None, "complaint")),
    ("INFO syarat KTP", Command("report", "syarat KTP", None, "information_request")),
    # no keyword: the whole text goes to national triage
    ("jalan rusak di depan pasar", Command("report", "jalan rusak di depan pasar")),
    ("Tolong perbaiki jalan", Command("report", "Tolong perbaiki jalan")),
    ("TANGKABUPATEN jalan", Command("report", "TANGKABUPATEN jalan")),
    ("😡 jalan rusak", Command("report", "😡 jalan rusak")),
    ("  TANGKAB   jalan\nrusak  ", Command("report", "jalan\nrusak", "TANGKAB")),
    ("TANGKAB jalan\x00rusak", Command("report", "jalanrusak", "TANGKAB")),
    # commands
    ("CEK ABCD2345", Command("check", tracking_id="ABCD2345")),
    ("cek abcd2345", Command("check", tracking_id="ABCD2345")),
    ("CEK: ABCD2345", Command("check", tracking_id="ABCD2345")),
    ("CEK#ABCD2345", Command("check", tracking_id="ABCD2345")),
    ("BALAS ABCD2345 foto sudah saya kirim",
     Command("reply", "foto sudah saya kirim", tracking_id="ABCD2345")),
    ("balas abcd2345  Sudah 😊", Command("reply", "Sudah 😊", tracking_id="ABCD2345")),
    ("BANTUAN", HELP),
    ("help", HELP),
    # nothing to act on: the help text
    ("", HELP),
    ("   ", HELP),
    (None, HELP),
    ("TANGKAB", HELP),
    ("TANGKAB ADUAN", HELP),
    ("ASPIRASI", HELP),
    ("CEK", HELP),
    ("CEK ?", HELP),
    ("BALAS ABCD2345", HELP),
    ("BALAS", HELP),
]


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_sms_is_read_as_the_command_it_spells(text, expected):
    assert parse_sms(text, KEYWORDS) == expected


def test_commands_win_over_an_agency_keyword_of_the_same_word():
    assert parse_sms("CEK ABCD2345", {"CEK"}) == Command("check", tracking_id="ABCD2345")


@settings(max_examples=500, deadline=None)
@given(st.text(), st.sets(st.text(max_size=12), max_size=5))
def test_parser_never_crashes_and_always_answers_something(text, keywords):
    command = parse_sms(text, keywords)
    assert command.kind in {"report", "check", "reply", "help"}
    if command.kind == "report":
        assert command.text and command.text == command.text.strip()
        assert "\x00" not in command.text
    if command.kind in {"check", "reply"}:
        assert command.tracking_id and command.tracking_id.isalnum()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789+ -()", max_size=20))
def test_phone_normalisation_gives_e164_or_nothing(raw):
    phone = normalise_phone(raw)
    assert phone is None or (phone.startswith("+628") and phone[1:].isdigit()
                             and 12 <= len(phone) <= 15)


@pytest.mark.parametrize(("raw", "expected"), [
    ("081234567890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("+6281234567890", "+6281234567890"),
    ("006281234567890", "+6281234567890"),
    ("+62 812-3456-7890", "+6281234567890"),
    ("(0812) 3456 7890", "+6281234567890"),
    ("+62 (0)812 3456 7890", "+6281234567890"),
    ("0812345678", "+62812345678"),  # the shortest numbers still issued
    ("081234567890123", None),  # too long
    ("08123", None),
    ("0211234567", None),  # a Jakarta landline cannot send SMS
    ("+14155550100", None),
    ("1708", None),
    ("08l2345678", None),
    ("０８１２３４５６７８９０", None),  # full-width digits
    ("", None),
    (None, None),
])
def test_indonesian_mobile_numbers_become_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(("raw", "charset", "coding", "expected"), [
    ("Jalan rusak 😡".encode(), "UTF-8", "0", "Jalan rusak 😡"),
    ("Jalan rusak 😡".encode("utf-16-be"), "UTF-16BE", "2", "Jalan rusak 😡"),
    ("Jalan rusak 😡".encode("utf-16-be"), None, "2", "Jalan rusak 😡"),
    ("Café".encode("latin-1"), "ISO-8859-1", "0", "Café"),
    (b"plain", None, None, "plain"),
    (b"\xff\xfe broken", "UTF-8", None, "\ufffd\ufffd broken"),
    (b"odd", "UTF-16BE", "2", "odd"),  # odd length cannot be UTF-16: read as UTF-8
    ("Jalan rusak ".encode("utf-16-be") + b"\xd8\x3d" + " parah".encode("utf-16-be"), "UTF-16BE", "2",
     "Jalan rusak \ufffd parah"),  # half an emoji's surrogate pair: the rest is kept
    ("Pohon tumbang ".encode("utf-16-be") + b"\xdc\x00", None, "2", "Pohon tumbang \ufffd"),
])
def test_gateway_text_is_decoded_in_the_charset_it_names(raw, charset, coding, expected):
    assert decode_text(raw, charset, coding) == expected


@pytest.mark.parametrize(("text", "gsm"), [
    ("Laporan ABCD2345 diterima.", True),
    ("Harga: 5€ [promo] {x} ~ ^ | \\", True),
    ("Café über Ñoño", True),
    ("Ñandú", False),  # ú is not in the GSM alphabet (ù is)
    ("Terima kasih 🙏", False),
    ("Jalan rusak — bahaya", False),
    ("جالان", False),
])
def test_gsm7_detection_decides_between_text_and_ucs2(text, gsm):
    assert is_gsm7(text) is gsm


def test_title_is_the_first_words_cut_on_a_word_boundary():
    assert title_for("jalan rusak di depan pasar") == "jalan rusak di depan pasar"
    long = "jalan " * 40
    title = title_for(long)
    assert title.endswith("...") and len(title) <= 83 and "  " not in title
    assert title_for("   ") == "Laporan SMS"


def test_every_reply_fits_one_sms_and_carries_the_tracking_id():
    tid = "ABCD2345"
    replies = [
        reply_received(tid, "K" * 32),
        reply_received(tid, None),
        reply_not_found(tid),
        reply_forwarded(tid),
        *(reply_not_accepted(tid, state) for state in STATES),
        *(reply_status(tid, state, "Pemerintah Kabupaten Tangerang Selatan Raya", "x " * 200)
          for state in STATES),
    ]
    for reply in replies:
        assert tid in reply
        assert len(reply) <= SMS_LIMIT and is_gsm7(reply), reply
    assert len(HELP_TEXT) <= SMS_LIMIT and "CEK" in HELP_TEXT and "BALAS" in HELP_TEXT


def test_replies_are_indonesian_and_name_the_state():
    assert reply_received("ABCD2345", "TANGKAB") == (
        "Laporan Anda untuk TANGKAB diterima. Nomor laporan: ABCD2345. "
        "Cek status: CEK ABCD2345. Tambah info: BALAS ABCD2345 <pesan>.")
    status = reply_status("ABCD2345", "waiting_reporter", "Pemerintah Kabupaten Tangerang",
                          "Mohon kirim foto lokasi")
    assert status == ("Laporan ABCD2345: Menunggu pelapor, ditangani Pemerintah Kabupaten "
                      "Tangerang. Tanggapan: Mohon kirim foto lokasi")
    unrouted = reply_status("ABCD2345", "received", None, None)
    assert unrouted == "Laporan ABCD2345: Belum terverifikasi."
