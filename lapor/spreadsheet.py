"""Cells that spreadsheet programs must show as text, never run as formulas.

A file exported by Lapor is opened in Excel, LibreOffice or Google Sheets by
staff. A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) is read there as a formula, so text written by someone
else (an agency name, a rule name an admin typed, a keyword) could run
``=HYPERLINK(...)`` or worse on the reader's machine. ``as_text`` puts the
usual apostrophe in front of such a cell; ``from_text`` takes it off again
when a file comes back, so an export imports unchanged.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_START", "as_text", "from_text"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _quoted(value: str) -> bool:
    """``value`` starts like a formula, after any apostrophes of its own."""
    return value.lstrip("'").startswith(FORMULA_START)


def as_text(cell: Any) -> Any:
    """``cell`` as a spreadsheet must get it: formula-like text gets a leading
    apostrophe (so does formula-like text that already has some, so that
    ``from_text`` can tell the two apart)."""
    if isinstance(cell, str) and _quoted(cell):
        return "'" + cell
    return cell


def from_text(cell: str) -> str:
    """The value ``as_text`` was given: ``from_text(as_text(v)) == v``."""
    if cell.startswith("'") and _quoted(cell):
        return cell[1:]
    return cell
