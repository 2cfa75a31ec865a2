"""SMS as citizens type it: commands and the Indonesian replies (phone numbers: lapor.phones).

Pure functions only (no database, no Flask), so every gateway adapter shares them.

    <KEYWORD> [ADUAN|ASPIRASI|INFO] <text>   a report, routed to the agency whose
                                            SMS keyword it is; no keyword: national triage
    CEK <id>                                the status of one's own report
    BALAS <id> <text>                       a reply to the agency handling it
    BANTUAN                                 the help text (also for an empty SMS)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lapor.i18n import gettext

TYPES = {"ADUAN": "complaint", "ASPIRASI": "aspiration", "INFO": "information_request"}
CHECK_WORDS = frozenset({"CEK"})
REPLY_WORDS = frozenset({"BALAS"})
HELP_WORDS = frozenset({"BANTUAN", "HELP"})
TRACKING_ID = re.compile(r"[A-Z0-9]{4,16}")
SMS_LIMIT = 160  # one GSM-7 SMS; every reply fits in one, or the gateway has to split it

# The first word: letters or digits, ended by blanks or punctuation (CEK:ABC, TANGKAB, ...).
_HEAD = re.compile(r"\s*([^\W_]+)(?:[\s:#,.;!]+|$)(.*)", re.S)
# Control characters other than tab and newlines: PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF16 = {"utf-16be", "utf16-be", "utf-16", "ucs-2", "ucs2", "ucs-2be"}
_LATIN = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252"}

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "\f^{}\\[~]|€"  # the extension table: two septets each, but still GSM-7
)


@dataclass(frozen=True)
class Command:
    kind: str  # report, check, reply, help
    text: str = ""
    keyword: str | None = None  # an agency's SMS keyword, upper-case
    type: str = "complaint"
    tracking_id: str | None = None


HELP = Command("help")


def parse_sms(text: str | None, keywords: Iterable[str]) -> Command:
    """Read one SMS; `keywords` are the agencies' registered SMS keywords."""
    clean = _CONTROL.sub("", text or "").strip()
    word, rest = _head(clean)
    if word is None:
        return Command("report", text=clean) if clean else HELP
    if word in CHECK_WORDS:
        tracking_id, _ = _head(rest)
        return Command("check", tracking_id=tracking_id) if _is_tracking_id(tracking_id) else HELP
    if word in REPLY_WORDS:
        tracking_id, message = _head(rest)
        if _is_tracking_id(tracking_id) and message.strip():
            return Command("reply", tracking_id=tracking_id, text=message.strip())
        return HELP
    if word in HELP_WORDS:
        return HELP
    keyword = None
    if word in {k.upper() for k in keywords if k}:
        keyword, clean = word, rest
        word, rest = _head(clean)
    report_type = "complaint"
    if word in TYPES:
        report_type, clean = TYPES[word], rest
    clean = clean.strip()
    return Command("report", text=clean, keyword=keyword, type=report_type) if clean else HELP


def _head(text: str) -> tuple[str | None, str]:
    found = _HEAD.match(text)
    if found is None:
        return None, text
    return found.group(1).upper(), found.group(2)


def _is_tracking_id(value: str | None) -> bool:
    return value is not None and TRACKING_ID.fullmatch(value) is not None


def decode_text(raw: bytes, charset: str | None, coding: str | None) -> str:
    """SMS text from a gateway's bytes in the charset it names; UCS-2 (coding 2) is UTF-16BE."""
    name = (charset or "").strip().lower()
    if name in _UTF16 or (not name and coding == "2"):
        codec = "utf-16-be"
    else:
        codec = "latin-1" if name in _LATIN else "utf-8"
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        if codec == "utf-16-be" and len(raw) % 2 == 0:
            # Well-formed UCS-2 but for half a surrogate pair (a phone cutting an emoji
            # across parts): keep the rest of the text, not its bytes read as UTF-8.
            return raw.decode(codec, "replace")
        return raw.decode("utf-8", "replace")  # the gateway named the wrong charset


def is_gsm7(text: str) -> bool:
    """True if the text travels in the GSM 7-bit alphabet; otherwise it needs UCS-2."""
    return all(char in GSM7 for char in text)


def title_for(text: str, limit: int = 80) -> str:
    """A report title from the SMS text: its first words, cut on a word boundary."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line or "Laporan SMS"
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut + "..."


# Replies. Indonesian only: SMS users get no language choice. Each fits one SMS.

HELP_TEXT = (
    "Lapor via SMS: <INSTANSI> <isi laporan>. Jenis opsional: ADUAN/ASPIRASI/INFO. "
    "Cek status: CEK <nomor>. Tambah info: BALAS <nomor> <pesan>."
)


def reply_received(tracking_id: str, keyword: str | None) -> str:
    to = f" untuk {keyword}" if keyword else ""
    return (f"Laporan Anda{to} diterima. Nomor laporan: {tracking_id}. "
            f"Cek status: CEK {tracking_id}. Tambah info: BALAS {tracking_id} <pesan>.")


def reply_status(tracking_id: str, state: str, agency: str | None, latest: str | None) -> str:
    text = f"Laporan {tracking_id}: {gettext(f'state.{state}', 'id')}"
    if agency:
        text += f", ditangani {_shorten(agency, 40)}"
    text += "."
    if latest:
        text += f" Tanggapan: {_shorten(latest, max(SMS_LIMIT - len(text) - 12, 20))}"
    return text


def reply_too_many() -> str:
    return ("Terlalu banyak laporan dari nomor ini; laporan terakhir Anda tidak dicatat. "
            "Coba lagi nanti, atau tambah info ke laporan Anda: BALAS <nomor laporan> <pesan>.")


def reply_not_found(tracking_id: str) -> str:
    # The same words for an unknown ID and for someone else's report: nothing leaks.
    return (f"Laporan {tracking_id} tidak ditemukan untuk nomor ini. "
            "Periksa nomor laporan Anda atau kirim BANTUAN.")


def reply_forwarded(tracking_id: str) -> str:
    return f"Balasan Anda untuk laporan {tracking_id} sudah diteruskan ke instansi. Terima kasih."


def reply_not_accepted(tracking_id: str, state: str) -> str:
    return (f"Laporan {tracking_id} berstatus {gettext(f'state.{state}', 'id')}; "
            "balasan lewat SMS belum dapat diterima.")


def _shorten(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."
