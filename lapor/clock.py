"""The one place the web and worker adapters read the time; cores take `now` as an argument."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
