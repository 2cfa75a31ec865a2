"""API keys of client applications (Open311): only a hash of each secret is kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from lapor.extensions import db
from lapor.models.types import UTCDateTime


class ApiKey(db.Model):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(name: str, now: datetime) -> tuple[ApiKey, str]:
    """A new key for the client application `name`; the secret exists only in the return value."""
    secret = secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(secret), created_at=now)
    db.session.add(key)
    return key, secret


def find_key(secret: str | None) -> ApiKey | None:
    """The live key with this secret, or None (unknown, empty or revoked)."""
    if not secret:
        return None
    return db.session.scalars(
        select(ApiKey).where(ApiKey.key_hash == hash_key(secret), ApiKey.revoked_at.is_(None))
    ).first()
