"""The administration log: who changed the directory, the calendars, the SLA policies, the
rules, the staff accounts or the API keys, when, and from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from lapor.extensions import db
from lapor.models.types import UTCDateTime


class AdminEvent(db.Model):
    """One administrative change. Rows are only ever inserted."""

    __tablename__ = "admin_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(12))  # staff, system (seeding), cli
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Kept as written at the time, so the log reads the same after an account is renamed.
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))  # e.g. agency.update, calendar.add, user.password
    subject: Mapped[str] = mapped_column(String(120))  # the agency code, username, date, policy code ...
    # What changed ({"field": [before, after]}) or what was made; never a password or a secret.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_admin_event_action_id", "action", "id"),
                      Index("ix_admin_event_subject_id", "subject", "id"))


@event.listens_for(AdminEvent, "before_update")
@event.listens_for(AdminEvent, "before_delete")
def _log_is_append_only(_mapper, _connection, target) -> None:
    raise PermissionError(f"the administration log is append-only (entry {target.id})")
