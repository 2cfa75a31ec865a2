"""Figures that are costly to work out and may be a little old, kept in Redis for everyone.

``kept`` gives a value worked out at most once every ``fresh`` by one process at a time (a lock
in Redis); while one process works it out, the others give the value they have. Without Redis
every call works it out. Values must survive JSON.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from lapor.extensions import redis_ext

log = logging.getLogger(__name__)
KEEP_SECONDS = 24 * 3600  # values older than `fresh` still stand in while others work out new ones
LOCK_SECONDS = 300


def kept(key: str, fresh: timedelta, now: datetime, work_out: Callable[[], Any]) -> tuple[Any, datetime]:
    """The value of ``work_out()`` kept under ``key``, and the moment it was worked out."""
    try:
        client = redis_ext.client()
        found = _read(client.get(key))
        if found is not None and now - found[1] < fresh:
            return found
        locked = client.set(key + ":lock", "1", nx=True, ex=LOCK_SECONDS)
        if not locked and found is not None:
            return found  # another process is working it out
    except RedisError as exc:
        log.warning("%s not kept: %s", key, exc)
        return work_out(), now
    try:
        value = work_out()
        try:
            client.set(key, json.dumps({"at": now.isoformat(), "value": value}), ex=KEEP_SECONDS)
        except RedisError as exc:
            log.warning("%s not kept: %s", key, exc)
    finally:
        if locked:
            try:
                client.delete(key + ":lock")
            except RedisError:
                pass
    return value, now


def _read(cached: bytes | None) -> tuple[Any, datetime] | None:
    """A kept value and its moment; None for none, or for one in a form this code does not know."""
    if not cached:
        return None
    try:
        found = json.loads(cached)
        return found["value"], datetime.fromisoformat(found["at"])
    except (ValueError, KeyError, TypeError):
        return None
