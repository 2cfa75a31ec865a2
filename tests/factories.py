"""Small builders of test data."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from lapor import workflow
from lapor.extensions import db
from lapor.models import Agency, User
from lapor.workflow import Actor, NewReport

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB


def agency(code: str) -> Agency:
    return db.session.scalars(select(Agency).where(Agency.code == code)).one()


def staff(username: str) -> Actor:
    return Actor.staff(db.session.scalars(select(User).where(User.username == username)).one())


def report(state: str = "received", holder: str | None = "TANGKAB", now=NOW, **fields):
    """A report put straight into `state`, as test data; real code moves it through workflow."""
    new = NewReport(title=fields.pop("title", "Jalan rusak di depan pasar"),
                    body=fields.pop("body", "Jalan berlubang besar, membahayakan pengendara motor."),
                    **fields)
    created, token = workflow.submit(new, now)
    if state != "received" and holder:
        created.agency = agency(holder)
    created.state = state
    if state == "waiting_reporter":
        created.paused_at = now
    if state == "resolved":
        created.resolved_at = now
    db.session.flush()
    created.access_token = token  # handy for tests; not a column
    return created
