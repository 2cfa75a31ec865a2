"""Text normalisation shared by report texts and rule keywords.

Pipeline (``Normaliser.normalise``), applied identically to texts and keywords
so that the keyword ``Jln. Rusak`` matches the text ``jalan rusak``:

1. Unicode NFKD, case folding, and removal of the combining accents (the
   diacritical-mark blocks, and Arabic/Jawi harakat): ``sekolàh`` → ``sekolah``,
   ``Ｊａｌａｎ`` → ``jalan``. Other marks are letters of their word and stay: the
   vowel signs and vowel killers of Aksara Jawa, Sunda and Bali (``ꦧꦤ꧀ꦗꦶꦂ``,
   banjir, is not ``ꦧꦤ꧀ꦗꦂ``, banjar).
2. Apostrophes and invisible format characters are dropped (``Jum'at`` → ``jumat``,
   a soft hyphen or zero-width space inside a word too); everything else that is not a letter or a digit
   (punctuation, symbols, ``_``, any whitespace) becomes a separator; tokens are joined by
   single spaces.
3. A run of three or more of the same *letter* becomes one letter:
   ``rusakkkk`` → ``rusak``, ``tolooong`` → ``tolong``. Runs of two are kept
   because Indonesian has legitimate double letters (``saat``, ``taat``,
   ``maaf``, ``tinggal`` in loan words, ``Allah``), while no standard word has
   a tripled letter, so a triple is always SMS emphasis. The cost: an
   emphasised double (``maaaf``) squeezes to ``maf``; add ``maf = maaf`` to
   the dictionary if that matters. Digits are never squeezed (``1000000``), and
   neither is a token written so on purpose: a Roman numeral (``kelas VIII``,
   ``Gg. III``), one letter alone repeated (a plate's ``AAA``), or a token holding
   a digit (an identifier).
4. Each token found in the abbreviation dictionary is replaced by its
   expansion (``yg`` → ``yang``, ``gpp`` → ``tidak apa apa``). Not recursive.

No stemming. The hot path (``quick_padded``) handles ASCII text with C-level
operations: one ``bytes.translate`` lowercases and turns separators into
spaces, ``split`` tokenises and collapses, a set intersection finds the
abbreviations present and only then are tokens mapped. Stretched letters
(step 3) are found afterwards by a Hyperscan scan for ``"aaa"`` … ``"zzz"``
(``stretched_ends``), and only a text that has some is fixed (``apply_fixups``
rewrites just those tokens). Text that is still non-ASCII after folding takes
a token-by-token path. All paths give the same result as the character-by-
character ``normalise_with_spans`` (property-tested).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .scan import LiteralSet

__all__ = [
    "Normaliser",
    "NormalisedText",
    "TokenSpan",
    "default_abbreviations",
    "default_normaliser",
    "normalise",
    "parse_abbreviations",
]

# ASCII bytes: letters lowercased, digits kept, everything else a space.
_BYTE_TABLE = bytes(
    (ord(chr(i).lower()) if chr(i).isalnum() else 32) if i < 128 else i for i in range(256))
# Characters that join rather than separate: apostrophes inside words (Jum'at, Jum’at) and the
# invisible format characters text pasted from the web or a word processor carries (soft hyphen,
# zero-width space and joiners, direction marks, word joiner, BOM). They are dropped, not spaces.
_JOINING = re.compile("['\u2018\u2019\u02bc\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_JOINING_ASCII = b"'"
# Non-word characters (and "_", which \w includes) in already folded text.
_NON_WORD = re.compile(r"[\W_]+")
# A letter (word character that is neither a digit nor "_") repeated 3+ times.
_TRIPLE_LETTER = re.compile(r"([^\W\d_])\1{2,}")
# Tokens of folded text, and the Roman numerals among them (written with triples on purpose).
_TOKEN = re.compile(r"[^\W_]+")
_ROMAN = re.compile(r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
# A letter tripled: every run of stretched letters holds one of these.
FIXUP_KEYS = tuple((letter * 3).encode() for letter in "abcdefghijklmnopqrstuvwxyz")

_default: dict[str, str] | None = None
_default_normaliser: Normaliser | None = None


def parse_abbreviations(text: str) -> dict[str, str]:
    """Parse ``short = expansion`` lines (``#`` comments) into a dict.

    Raises ValueError naming the line for a malformed entry.
    """
    table: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        short, sep, expansion = line.partition("=")
        short, expansion = short.strip(), expansion.strip()
        if not sep or not short or not expansion:
            raise ValueError(f"abbreviations line {number}: expected 'short = expansion', got {raw!r}")
        table[short] = expansion
    return table


def default_abbreviations() -> dict[str, str]:
    """A fresh copy of the shipped dictionary (loaded lazily, once)."""
    global _default
    if _default is None:
        from . import abbreviations

        _default = parse_abbreviations(abbreviations.TEXT)
    return dict(_default)


def default_normaliser() -> Normaliser:
    """The shared normaliser using the shipped dictionary (built lazily)."""
    global _default_normaliser
    if _default_normaliser is None:
        _default_normaliser = Normaliser()
    return _default_normaliser


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


def _is_accent(char: str) -> bool:
    """A combining accent, folded away: the diacritical-mark blocks, and Arabic/Jawi harakat."""
    code = ord(char)
    return (0x300 <= code <= 0x36F or 0x1AB0 <= code <= 0x1AFF or 0x1DC0 <= code <= 0x1DFF
            or 0x20D0 <= code <= 0x20FF or 0xFE20 <= code <= 0xFE2F or 0x64B <= code <= 0x65F
            or code == 0x670)


def _separate(run: re.Match) -> str:
    """A run of non-word characters as separators, but for the marks a word's letters carry."""
    return "".join([c if _is_mark(c) else " " for c in run.group(0)])


def _fold(text: str) -> str:
    """Steps 1 and 2 for any text: NFKD, casefold, accents removed, separators.

    The result has only letters, digits, the marks of scripts that write vowels with them, and
    spaces (not yet collapsed).
    """
    if text.isascii():
        return text.encode().translate(_BYTE_TABLE, _JOINING_ASCII).decode()
    s = unicodedata.normalize("NFKD", text).casefold()
    if not s.isascii():
        # casefold can produce decomposable or combining characters again.
        s = unicodedata.normalize("NFKD", s)
        s = "".join([c for c in s if c < "\x80" or not _is_accent(c)])
    return _NON_WORD.sub(_separate, _JOINING.sub("", s))


def _fold_char(char: str) -> str:
    """``_fold`` for one character, without the separator step."""
    if char < "\x80":
        return "" if char == "'" else char.lower()
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    return _JOINING.sub("", "".join([c for c in s if not _is_accent(c)]))


def _first_group(match: re.Match) -> str:
    return match.group(1)


def _squeeze_token(match: re.Match) -> str:
    token = match.group(0)
    if (not _TRIPLE_LETTER.search(token) or len(set(token)) == 1 or _ROMAN.fullmatch(token)
            or any(c.isdigit() for c in token)):
        return token
    return _TRIPLE_LETTER.sub(_first_group, token)


def _squeeze(text: str) -> str:
    """Step 3 on folded text: stretched letters squeezed, in every token not written so on purpose."""
    if not _TRIPLE_LETTER.search(text):
        return text
    return _TOKEN.sub(_squeeze_token, text)


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """One source token: ``[start, end)`` in the normalised text (covering its
    whole expansion, spaces included) and ``[source_start, source_end)`` in the
    original text."""

    start: int
    end: int
    source_start: int
    source_end: int


@dataclass(frozen=True, slots=True)
class NormalisedText:
    text: str
    spans: tuple[TokenSpan, ...]

    def to_source(self, start: int, end: int) -> tuple[int, int] | None:
        """Map a ``[start, end)`` range of the normalised text to the smallest
        range of the source text covering every token it touches."""
        touched = [s for s in self.spans if s.start < end and start < s.end]
        if not touched:
            return None
        return touched[0].source_start, touched[-1].source_end


class Normaliser:
    """Normalises texts and keywords with one abbreviation dictionary.

    ``abbreviations``: None for the shipped dictionary, or any mapping
    ``short -> expansion`` (used as given, so ``{}`` disables expansion).
    Keys must normalise to a single word and expansions to at least one.
    """

    __slots__ = ("abbreviations", "_bytes", "_byte_keys", "_fixer")

    def __init__(self, abbreviations: Mapping[str, str] | None = None):
        if abbreviations is None:
            abbreviations = default_abbreviations()
        table: dict[str, str] = {}
        for short, expansion in abbreviations.items():
            if not isinstance(short, str) or not isinstance(expansion, str):
                raise ValueError(f"abbreviation entries must be strings: {short!r} = {expansion!r}")
            key = self._raw_tokens(short)
            value = self._raw_tokens(expansion)
            if len(key) != 1:
                raise ValueError(f"abbreviation {short!r} must be a single word")
            if not value:
                raise ValueError(f"abbreviation {short!r} has an empty expansion")
            if value != key:
                table[key[0]] = " ".join(value)
        self.abbreviations: dict[str, str] = table
        # ASCII entries as bytes for the hot path (a non-ASCII key can only
        # occur in text that takes the token-by-token path).
        self._bytes = {k.encode(): v.encode() for k, v in table.items() if k.isascii()}
        self._byte_keys = frozenset(self._bytes)
        self._fixer = None

    # -- public API ---------------------------------------------------------

    def normalise(self, text: str) -> str:
        """The normalised text: tokens of letters/digits joined by one space."""
        return self.padded(text)[1:-1]

    def tokens(self, text: str) -> list[str]:
        return self.padded(text).split()

    def padded(self, text: str) -> str:
        """``" " + normalise(text) + " "``: the form the matcher scans."""
        return self.padded_with_bytes(text)[0]

    def padded_with_bytes(self, text: str) -> tuple[str, bytes]:
        """``padded(text)`` and its UTF-8 bytes (what the scans read), each made once."""
        padded, exact = self.quick_padded(text)
        data = padded.encode()
        if not exact:
            ends = self.stretched_ends(data)
            if ends:
                padded = self.apply_fixups(padded, ends)
                data = padded.encode()
        return padded, data

    def quick_padded(self, text: str) -> tuple[str, bool]:
        """``(padded, exact)``. When ``exact`` is False, runs of 3+ letters
        may remain: ``stretched_ends`` finds them, ``apply_fixups`` removes them."""
        if not text.isascii():
            folded = _fold(text)
            if not folded.isascii():
                return " " + " ".join(self._expand(_squeeze(folded).split())) + " ", True
            text = folded
        tokens = text.encode().translate(_BYTE_TABLE, _JOINING_ASCII).split()
        if not tokens:
            return "  ", True
        if not self._byte_keys.isdisjoint(tokens):
            tokens = map(self._bytes.get, tokens, tokens)  # get(token, token)
        return b" ".join([b"", *tokens, b""]).decode(), False

    def stretched_ends(self, data: bytes) -> list[int]:
        """End offsets (of the last letter) of every tripled letter in the bytes of an ASCII
        ``quick_padded`` text, in increasing order; empty when it has no stretched letters."""
        fixer = self._fixer
        if fixer is None:
            fixer = self._fixer = LiteralSet(FIXUP_KEYS, every=True)
        return [end for end, _ in fixer.ends(data)]

    def apply_fixups(self, padded: str, ends: Iterable[int]) -> str:
        """Squeeze, then look up in the dictionary, every token of ``padded``
        (from ``quick_padded``) that holds one of the offsets ``ends`` (in
        increasing order, from ``stretched_ends``). Other tokens are left as
        they are."""
        parts = []
        previous = 0  # everything before this offset of `padded` is in `parts`
        table = self.abbreviations
        for end in ends:
            start = padded.rfind(" ", 0, end) + 1
            if start < previous:  # another run in a token already done
                continue
            stop = padded.find(" ", end)
            word = _squeeze(padded[start:stop])
            parts.append(padded[previous:start])
            parts.append(table.get(word, word))
            previous = stop
        parts.append(padded[previous:])
        return "".join(parts)

    def normalise_keyword(self, keyword: str) -> tuple[str, bool]:
        """Normalise a rule keyword; returns ``(normalised, is_prefix)``.

        A trailing ``*`` makes a prefix keyword (``jalan*``, ``jalan rus*``);
        ``*`` anywhere else raises ValueError. The last word of a prefix is not
        abbreviation-expanded (``ga*`` means words starting with "ga", not
        "tidak"). May return an empty string (e.g. for ``"..."``).
        """
        text = keyword.strip()
        prefix = text.endswith("*")
        if prefix:
            text = text[:-1]
        if "*" in text:
            raise ValueError(f"'*' is only allowed at the end of a keyword: {keyword!r}")
        if not prefix:
            return self.normalise(text), False
        raw = self._raw_tokens(text)
        if not raw:
            return "", True
        return " ".join(self._expand(raw[:-1]) + [raw[-1]]), True

    def normalise_with_spans(self, text: str) -> NormalisedText:
        """Normalise character by character, keeping the source span of each
        token. Slower than ``normalise``; gives the same text."""
        raw: list[tuple[str, int, int]] = []
        chars: list[str] = []
        start = end = 0
        for index, char in enumerate(text):
            for c in _fold_char(char):
                if c.isalnum() or _is_mark(c):
                    if not chars:
                        start = index
                    chars.append(c)
                    end = index + 1
                elif chars:
                    raw.append(("".join(chars), start, end))
                    chars = []
        if chars:
            raw.append(("".join(chars), start, end))
        out: list[str] = []
        spans: list[TokenSpan] = []
        position = 0
        for token, source_start, source_end in raw:
            word = _squeeze(token)
            word = self.abbreviations.get(word, word)
            if out:
                position += 1
            out.append(word)
            spans.append(TokenSpan(position, position + len(word), source_start, source_end))
            position += len(word)
        return NormalisedText(" ".join(out), tuple(spans))

    # -- internals ------------------------------------------------------------

    @staticmethod
    def _raw_tokens(text: str) -> list[str]:
        """Steps 1-3 (no abbreviation expansion), as tokens."""
        return _squeeze(_fold(text)).split()

    def _expand(self, tokens: list[str]) -> list[str]:
        table = self.abbreviations
        return [table.get(t, t) for t in tokens]


def normalise(text: str, abbreviations: Mapping[str, str] | Normaliser | None = None) -> str:
    """Normalise ``text`` (see the module docstring).

    ``abbreviations``: None for the shipped dictionary, a mapping to use
    instead, or a ready ``Normaliser`` (preferred for repeated calls: building
    one from a mapping costs about a millisecond).
    """
    return _normaliser_for(abbreviations).normalise(text)


def _normaliser_for(abbreviations: Mapping[str, str] | Normaliser | None) -> Normaliser:
    if abbreviations is None:
        return default_normaliser()
    if isinstance(abbreviations, Normaliser):
        return abbreviations
    return Normaliser(abbreviations)
