"""The system admins' administration log: who changed agencies, calendars, policies, rules,
accounts and API keys, newest first, by kind of change and subject."""

from __future__ import annotations

from flask import Blueprint, request

from lapor import audit
from lapor.app import ROW_ID_MAX
from lapor.web.desk.common import Filters, page, staff_only

bp = Blueprint("log", __name__)
PAGE_SIZE = 50
KINDS = ("agency", "category", "policy", "calendar", "rules", "user", "apikey")
# Actions whose entry holds {field: [before, after]}; the others hold what was made or removed.
CHANGES = frozenset({"agency.update", "agency.supervised", "category.update", "policy.update", "user.email"})


def _shown(value) -> str:
    if value is None or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def details(entry) -> list[tuple[str, str]]:
    """An entry's data as lines of (field, what it says)."""
    if not isinstance(entry.data, dict):
        return []
    if entry.action in CHANGES:
        return [(name, f"{_shown(value[0])} → {_shown(value[1])}") for name, value in entry.data.items()
                if isinstance(value, list) and len(value) == 2]
    return [(name, _shown(value)) for name, value in entry.data.items()]


@bp.get("/")
@staff_only("sysadmin")
def index(user):
    filters = Filters()
    filters.choice(request.args, "kind", KINDS)
    filters.number(request.args, "before", 0, 0, ROW_ID_MAX)  # 0: the newest page
    subject = " ".join(request.args.get("subject", "").split())[:120]
    entries, older = audit.page(action=filters.values.get("kind"), subject=subject or None,
                                before=filters.values["before"] or None, limit=PAGE_SIZE)
    return page("staff/log.html", user, entries=entries, kinds=KINDS, kind=filters.values.get("kind"),
                subject=subject, older=older, ignored=filters.ignored, details=details)
