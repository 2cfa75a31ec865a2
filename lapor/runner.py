"""`lapor run`: web, workers and scheduler together on one machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import click

from lapor.config import Settings
from lapor.redisconn import EmbeddedRedis


def run_all(host: str, port: int, web_workers: int) -> int:
    settings = Settings.from_env()
    env = dict(os.environ, LAPOR_DATA_DIR=str(settings.data_dir), PYTHONUNBUFFERED="1")
    embedded = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir)
        env["REDIS_URL"] = embedded.start()
    try:
        _prepare(replace(settings, redis_url=env["REDIS_URL"]))
        click.echo(f"Lapor is running on http://{host}:{port}/ (staff desk: /staff/). Ctrl-C stops it.")
        children = _start(env, host, port, web_workers)
        return _supervise(children)
    finally:
        if embedded is not None:
            embedded.stop()


def _prepare(settings: Settings) -> None:
    from lapor.app import create_app
    from lapor.cli import print_logins
    from lapor.clock import utcnow
    from lapor.migrate import upgrade
    from lapor.seed import is_empty, seed_demo

    app = create_app(settings)
    logins_file = settings.data_dir / "demo-logins.txt"
    with app.app_context():
        upgrade()
        if is_empty():
            print_logins(seed_demo(utcnow(), logins_file))
        elif logins_file.exists():
            rows = [line.split("\t") for line in logins_file.read_text().splitlines() if line]
            print_logins(rows)


def _start(env, host, port, web_workers) -> list[subprocess.Popen]:
    python = sys.executable
    commands = [
        # No control socket: gunicorn 27 would put one at a fixed path in the home directory,
        # shared by every gunicorn of the user.
        [python, "-m", "gunicorn", "--no-control-socket", "--workers", str(web_workers),
         "--bind", f"{host}:{port}", "--graceful-timeout", "5", "lapor.app:create_app()"],
        # Routing on one worker, gateway sends on another: a hanging gateway delays only sends.
        [python, "-m", "lapor.cli", "worker", "--queues", "main"],
        [python, "-m", "lapor.cli", "worker", "--queues", "send"],
        [python, "-m", "lapor.cli", "scheduler"],
    ]
    # Each in a session of its own: a terminal's Ctrl-C reaches only this supervisor, which
    # stops them in order (the embedded Redis last), instead of every process at once.
    return [subprocess.Popen(command, env=env, start_new_session=True) for command in commands]


def _supervise(children: list[subprocess.Popen]) -> int:
    stopping = False

    def request_stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    code = 0
    while not stopping:
        if any(child.poll() is not None for child in children):
            code = 1
            click.echo("a Lapor process stopped; stopping the others", err=True)
            break
        time.sleep(0.3)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    click.echo("Lapor stopped.")
    return code
