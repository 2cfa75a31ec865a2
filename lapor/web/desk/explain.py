"""How Lapor routed a report, read from its events' data: for the triage queue and report page."""

from __future__ import annotations

from sqlalchemy import select

from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import Agency, Report, ReportEvent
from lapor.translations import MESSAGES

ROUTING_EVENTS = ("triaged", "returned")
# The engine's full working (every match and position, and its summary `why`, in English) is
# for the API; people read the reason, the rule and its words in their language.
BULKY = frozenset({"candidates", "explanation", "matches", "contributors", "stopped_by", "why"})
# Values read as the rules test box reads them.
VALUE_KEYS = {"reason": "desk.rules.reason.{}"}


def latest_routing(report: Report) -> ReportEvent | None:
    """The event that last put the report in the triage queue (no agency found, or returned)."""
    return next((e for e in reversed(report.events) if e.kind in ROUTING_EVENTS), None)


def candidates(data: dict | None) -> list[dict]:
    """The rules engine's suggestions `{"candidates": [{"agency": CODE, ...}]}`, with agencies."""
    listed = (data or {}).get("candidates") or []
    wanted = [c for c in listed if isinstance(c, dict) and c.get("agency")]
    if not wanted:
        return []
    codes = {str(c["agency"]).upper() for c in wanted}
    found = {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    return [
        {"agency": found[code], "detail": details(c, skip=("agency",))}
        for c in wanted if (code := str(c["agency"]).upper()) in found
    ]


def details(data: dict | None, skip=()) -> list[tuple[str, str]]:
    """An event's data as pairs in the reader's language; suggestions are left to `candidates`."""
    pairs = []
    for key, value in (data or {}).items():
        if key in skip or key in BULKY or value is None or value == [] or value == {}:
            continue
        if key == "rules" and isinstance(value, dict):
            value = gettext("desk.rules.result.with_set", owner=value.get("owner") or "–",
                            version=value.get("version") or "–")
        elif key in VALUE_KEYS:
            value = _words(VALUE_KEYS[key].format(value), str(value))
        elif isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        else:
            value = _words(f"desk.value.{key}.{value}", str(value))
        pairs.append((_words(f"desk.data.{key}", str(key)), value))
    return pairs


def _words(key: str, fallback: str) -> str:
    return gettext(key) if key in MESSAGES else fallback
