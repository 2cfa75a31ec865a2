"""Phone numbers: one spelling per number, for SMS replies, ownership checks and rate limits."""

from __future__ import annotations

import re

__all__ = ["normalise_phone", "phone_key"]

_PHONE_NOISE = re.compile(r"[\s\-().]")


def normalise_phone(raw: str | None) -> str | None:
    """An Indonesian mobile number in E.164 (+628...), or None if it is not one."""
    digits = _PHONE_NOISE.sub("", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    if not (digits.isascii() and digits.isdigit() and digits.startswith("62")):
        return None
    national = digits[2:]
    if national.startswith("0"):  # "+62 (0)812..."
        national = national[1:]
    if not (national.startswith("8") and 9 <= len(national) <= 12):
        return None
    return "+62" + national


def phone_key(raw: str | None) -> str | None:
    """One spelling per number (``0812...``, ``+62 812...``, ``62812...``): E.164 for mobiles,
    the bare digits otherwise."""
    if not raw:
        return None
    return normalise_phone(raw) or "".join(c for c in raw if c.isdigit()) or None
