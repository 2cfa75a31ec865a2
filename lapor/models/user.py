"""Staff accounts, each with one role and usually one agency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lapor.extensions import db
from lapor.models.agency import Agency
from lapor.models.types import UTCDateTime

ROLES = ("dispatcher", "agency_admin", "coordinator", "sysadmin")
# What a password may be, wherever it is set or given (the CLI, the desk, the API's token door).
PASSWORD_MIN, PASSWORD_MAX = 8, 200


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))  # where escalations are sent
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Changed at every deactivation: API tokens carry it, so none issued before comes back to
    # life when the account is activated again. (Tokens also carry the password hash's tail.)
    token_stamp: Mapped[str | None] = mapped_column(String(16))

    agency: Mapped[Agency | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class StaffSession(db.Model):
    """A signed-in desk session. The browser's cookie holds the key; only its hash is kept, and
    a session ended here (signed out, password changed, account deactivated) stays ended
    whatever copy of the cookie exists."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
