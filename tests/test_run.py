"""`lapor run` on a fresh data directory: serves, routes, stops cleanly, keeps its data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _wait_until(check, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise AssertionError("timed out")


def _start(data_dir, port):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["LAPOR_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "lapor.cli", "run", "--port", str(port), "--web-workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )


def _stop(process) -> str:
    """Ctrl-C as a terminal sends it: to the whole process group."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise AssertionError("lapor run did not stop on Ctrl-C:\n" + output) from None
    return output


def _processes_of(data_dir) -> list[int]:
    """Processes still running for this data dir: named in their command line (the embedded
    Redis) or in their environment (web, workers, scheduler). Each child of `lapor run` has a
    session of its own, so its process group does not find them."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if str(data_dir).encode() in cmdline or f"LAPOR_DATA_DIR={data_dir}".encode() in environ.split(b"\0"):
            found.append(int(entry))
    return found


def _status(data_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["LAPOR_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "lapor.cli", "status"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_lapor_run_serves_routes_stops_and_keeps_its_data(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(tmp_path, port)
    try:
        status, body = _wait_until(lambda: _get(f"{base}/healthz"), 60)
        assert (status, json.loads(body)) == (200, {"database": "ok", "redis": "ok"})
        assert _get(f"{base}/")[0] == 200
        request = urllib.request.Request(
            f"{base}/api/v1/reports",
            data=json.dumps({"title": "Lampu jalan mati", "body": "Lampu jalan di Jl. Raya Serang mati sepekan.",
                             "agency": "TANGKAB"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            tracking_id = json.loads(response.read())["tracking_id"]

        def routed():
            view = json.loads(_get(f"{base}/api/v1/reports/{tracking_id}")[1])
            return view if view["state"] == "disposed" else None

        # Street lights: TANGKAB's own rules pass the report to its public-works office.
        assert _wait_until(routed, 30)["agency"]["code"] == "DPUPRTANGKAB"
        # An operator's `lapor status` beside it uses its Redis, starts no second one, and sees
        # its scheduler.
        running = set(_processes_of(tmp_path))
        checked = _status(tmp_path)
        assert "no scheduler" not in checked.stdout, checked.stdout
        assert set(_processes_of(tmp_path)) <= running
        assert _get(f"{base}/healthz")[0] == 200
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    assert "Demo logins" in output and "dispatcher" in output
    assert "Traceback" not in output, output  # Ctrl-C stops everything in order, quietly
    assert _wait_until(lambda: not _processes_of(tmp_path), 10), "a child process outlived lapor run"

    process = _start(tmp_path, port)
    try:
        _wait_until(lambda: _get(f"{base}/healthz"), 60)
        view = json.loads(_get(f"{base}/api/v1/reports/{tracking_id}")[1])
        assert view["state"] == "disposed"
    finally:
        output = _stop(process)
    assert output.count("Demo logins") == 1  # printed again from the data dir, not re-seeded
