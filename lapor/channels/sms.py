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
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from lapor.i18n import gettext

TYPES = {"ADUAN": "complaint", "ASPIRASI": "aspiration", "INFO": "information_request"}
CHECK_WORDS = frozenset({"CEK"})
REPLY_WORDS = frozenset({"BALAS"})
HELP_WORDS = frozenset({"BANTUAN", "HELP"})
TRACKING_ID = re.compile(r"[A-Z0-9]{4,16}")
SMS_LIMIT = 160  # one GSM-7 SMS; every reply fits in one, or the gateway has to split it
UCS2_LIMIT = 70  # one SMS of text outside the GSM alphabet (UCS-2)
SATISFIED_WORDS = frozenset({"PUAS"})
NOT_WORDS = frozenset({"TIDAK", "TDK", "BELUM", "BLM", "GAK", "GA", "NGGAK", "TAK", "KURANG"})

# The first word: letters or digits, ended by anything else (CEK:ABC, BANTUAN?, TANGKAB-...).
_HEAD = re.compile(r"\s*([^\W_]+)(?:[\W_]+|$)(.*)", re.S)
# Control characters other than tab and newlines: PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF16 = {"utf-16be", "utf16-be", "utf-16", "ucs-2", "ucs2", "ucs-2be"}
_LATIN = {"iso-8859-1", "iso8859-1", "latin1", "latin-1"}
_WINDOWS = {"windows-1252", "cp1252"}  # Kannel's name for 7-bit text: 0x80-0x9f are € ’ “ – ...

GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")  # the extension table: two septets each, but still GSM-7
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
) | GSM7_EXTENSION


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
        codec = "latin-1" if name in _LATIN else "cp1252" if name in _WINDOWS else "utf-8"
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


def fits_one_sms(text: str) -> bool:
    """Whether the text goes as one SMS: 160 septets in the GSM alphabet (where the extension
    table's characters take two), else 70 UCS-2 code units."""
    if is_gsm7(text):
        return len(text) + sum(char in GSM7_EXTENSION for char in text) <= SMS_LIMIT
    return len(text.encode("utf-16-be")) // 2 <= UCS2_LIMIT


# Characters outside the GSM alphabet that have a plain equivalent in it.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"',
                        "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "•": "-",
                        "\u00a0": " ", "\t": " "})


def to_gsm7(text: str) -> str:
    """The text in the GSM alphabet: quotes, dashes and ellipses made plain, accents dropped
    from letters the alphabet lacks, anything else (emoji) left out."""
    if is_gsm7(text):
        return text
    out = []
    for char in text.translate(_PLAIN):
        if char in GSM7:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        out.extend(part for part in base if part in GSM7 and part not in "\n\r\f")
    return re.sub(r" {2,}", " ", "".join(out))


def fit_one_sms(head: str, middle: str | None = None, tail: str = "") -> str:
    """`head`, `middle` and `tail` as one SMS: as they are if they fit (70 characters outside
    the GSM alphabet), else in the GSM alphabet (``to_gsm7``; but a middle mostly in another
    script keeps it, in 70 characters, where head and tail leave room) with the middle shortened
    with "..." (on a word boundary where one is near) as far as needed."""
    middle = " ".join((middle or "").split())
    if fits_one_sms(head + middle + tail):
        return head + middle + tail
    plain = to_gsm7(middle).strip()
    if len(plain) * 2 < len(middle) and fits_one_sms(head + tail + "..."):
        return _cut_to_fit(head, middle, tail)
    return _cut_to_fit(to_gsm7(head), plain, to_gsm7(tail))


def _cut_to_fit(head: str, middle: str, tail: str) -> str:
    if fits_one_sms(head + middle + tail):
        return head + middle + tail

    def cut(length: int) -> str:
        kept = middle[:length].rstrip()
        return head + (kept + "..." if kept else "") + tail

    low, high = 0, len(middle)  # the longest kept length that fits: fitting shrinks as it grows
    while low < high:
        mid = (low + high + 1) // 2
        if fits_one_sms(cut(mid)):
            low = mid
        else:
            high = mid - 1
    if not fits_one_sms(cut(low)):  # even head and tail alone are too long
        text = " ".join((head + tail).split())
        while text and not fits_one_sms(text + "..."):
            text = text[:-1]
        return text.rstrip() + "..."
    kept = middle[:low]
    if low < len(middle) and " " in kept[-20:]:
        kept = kept.rsplit(" ", 1)[0]
    return cut(len(kept))


def answer_to_final(text: str) -> tuple[bool | None, str | None]:
    """A reporter's SMS answer to a final follow-up: (True, comment) for "PUAS ...", (False,
    reason) for "TIDAK PUAS ..." (or BELUM/TDK/GAK PUAS, TIDAKPUAS); (None, None) otherwise."""
    words = [word.strip(".,!?:;-").upper() for word in text.split()]
    rest = text.split()
    if words[:1] and words[0] in SATISFIED_WORDS:
        satisfied, used = True, 1
    elif words[:1] == ["TIDAKPUAS"]:
        satisfied, used = False, 1
    elif len(words) > 1 and words[0] in NOT_WORDS and words[1] in SATISFIED_WORDS:
        satisfied, used = False, 2
    else:
        return None, None
    comment = " ".join(rest[used:]).strip(" .,!?:;-")
    return satisfied, comment or None


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
    return fit_one_sms(text + " Tanggapan: ", latest) if latest else text


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


def reply_how_to_answer(tracking_id: str) -> str:
    return (f"Laporan {tracking_id} sudah selesai ditindaklanjuti. Bila puas, kirim BALAS {tracking_id} PUAS; "
            f"bila belum, BALAS {tracking_id} TIDAK PUAS <alasan>.")


def reply_answered(tracking_id: str, satisfied: bool) -> str:
    if satisfied:
        return f"Terima kasih. Laporan {tracking_id} ditutup."
    return f"Laporan {tracking_id} dibuka kembali dan alasan Anda diteruskan ke instansi. Terima kasih."


def _shorten(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."
