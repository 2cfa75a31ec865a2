"""Recording administrative changes in the administration log, in the transaction that makes them.

Each `record` adds one entry to the session; the caller's commit stores the change and its entry
together, so the log never tells of a change that did not happen, nor misses one that did."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from lapor.extensions import db
from lapor.models import AdminEvent
from lapor.workflow import Actor

COMMAND_LINE = "command line"
LIST_LIMIT = 200


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: dates and times as ISO 8601, collections item by item."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value differs."""
    return {name: [_plain(before.get(name)), _plain(value)]
            for name, value in after.items() if before.get(name) != value}


def record(actor: Actor | None, action: str, subject: str, now: datetime,
           data: Mapping[str, Any] | None = None) -> AdminEvent:
    """Add an entry for `action` on `subject` by staff or the system; `actor` None is an operator
    at the command line."""
    entry = AdminEvent(
        at=now, action=action, subject=str(subject)[:120], data=_plain(data) if data else None,
        actor_kind=actor.kind if actor is not None else "cli",
        actor_user_id=actor.user_id if actor is not None else None,
        actor_name=(actor.name if actor is not None else COMMAND_LINE)[:200],
    )
    db.session.add(entry)
    return entry


def entries(*, action: str | None = None, subject: str | None = None, before: int | None = None,
            limit: int = 50) -> list[AdminEvent]:
    """The newest entries first: of one action (or every action of a kind, `agency` for
    `agency.*`), about one subject, older than the entry `before`."""
    query = select(AdminEvent).order_by(AdminEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AdminEvent.action.startswith(f"{action}.", autoescape=True)
                            if "." not in action else AdminEvent.action == action)
    if subject:
        query = query.where(AdminEvent.subject == subject)
    if before is not None:
        query = query.where(AdminEvent.id < before)
    return list(db.session.scalars(query))


def page(*, action: str | None = None, subject: str | None = None, before: int | None = None,
         limit: int = 50) -> tuple[list[AdminEvent], int | None]:
    """One page of `entries` and the `before` of the next page (None on the last)."""
    found = entries(action=action, subject=subject, before=before, limit=limit + 1)
    return found[:limit], found[limit - 1].id if len(found) > limit else None
