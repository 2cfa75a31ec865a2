"""Intake load benchmark: reports over HTTP into gunicorn on PostgreSQL + Redis, with routing.

    python bench/intake_bench.py [--seconds 20] [--web-workers 4]

Needs `wrk` (Debian package) on PATH. Runs, in the same run and on the same
machine, against the same gunicorn settings, two wrk processes at once: citizens
posting reports, and staff reading their report list:
- Lapor: POST /api/v1/reports (commit + outbox + enqueue), with `lapor worker`
  routing, beside GET /api/v1/reports with an agency admin's bearer token;
- the baseline: a bare Flask app whose POST does one INSERT into the same database
  and whose GET reads a count and the latest 20 rows.
Reports throughput, latency percentiles and errors of each, then checks that every
accepted report is in the database and routed (nothing lost).

`--rates 50,100,200` first offers each of those steady rates of posting (beside staff
reading at a steady `--read-rate`), against both apps, for the latency bar (p99 at
200 reports/s). wrk is a closed-loop generator, so a steady rate comes from a pause
before each request on each of a few connections (a mean pause of 0.25 s); when the server
answers slowly, fewer requests are sent than offered, which is why the rate achieved
is printed beside the rate offered. Requests arrive as a Poisson stream (random
pauses of the right mean), as citizens' reports do. After each paced run against Lapor the bench
waits for the worker to route everything, and reports how long that took.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BODY = {"title": "Jalan rusak di depan pasar", "agency": "TANGKAB",
        "body": "Jalan berlubang besar di depan Pasar Cikupa, membahayakan pengendara motor. " * 4}

WRK_POST = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
"""
WRK_READ = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {token}"
"""
# Pauses drawn from an exponential distribution of mean {pause} ms: the connections' requests
# arrive as a Poisson stream, as citizens' do, instead of all at once every {pause} ms. Cut at
# PAUSE_CAP_MS, under gunicorn's 2 s keep-alive: a connection idle for longer is closed.
WRK_PACE = """
math.randomseed(os.time())
function delay()
  return math.min({cap}, math.floor(-{pause} * math.log(1 - math.random())))
end
"""
PAUSE_MEAN_S = 0.25  # a paced run has as many connections as this gives at its rate
PAUSE_CAP_MS = 1500
WRK_RESULT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %.3f %.3f %.3f %.3f\\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    latency.mean / 1000))
end
"""

BARE_APP = textwrap.dedent("""
    import os
    from flask import Flask, request
    from sqlalchemy import create_engine, text

    def create():
        app = Flask(__name__)
        engine = create_engine(os.environ["DATABASE_URL"], pool_size=5)

        @app.post("/api/v1/reports")
        def insert():
            data = request.get_json()
            with engine.begin() as c:
                c.execute(text("INSERT INTO bare (title, body) VALUES (:t, :b)"),
                          {"t": data["title"], "b": data["body"]})
            return {"ok": True}, 201

        @app.get("/api/v1/reports")
        def latest():
            with engine.connect() as c:
                total = c.execute(text("SELECT count(*) FROM bare")).scalar()
                rows = c.execute(text("SELECT id, title, body FROM bare ORDER BY id DESC LIMIT 20")).all()
            return {"total": total, "items": [dict(r._mapping) for r in rows]}
        return app
""")
READ_PATH = "/api/v1/reports?per_page=20"
WARM_UP_SECONDS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")


def run_wrk(port: int, seconds: int, connections: int, script: Path, path: str = "/api/v1/reports"):
    """Start wrk; ``wrk_result`` waits for it and reads its figures."""
    return subprocess.Popen(
        # wrk counts a connection paused for longer than its timeout as timed out: 30 s, not 2 s.
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), "--latency", "--timeout", "30s",
         f"http://127.0.0.1:{port}{path}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def mixed(port: int, args, post: Path, read: Path) -> tuple[dict, dict]:
    """Citizens posting and staff reading at the same time, as fast as they are answered."""
    posting = run_wrk(port, args.seconds, args.connections, post)
    reading = run_wrk(port, args.seconds, args.read_connections, read, READ_PATH)
    return wrk_result(posting), wrk_result(reading)


def paced_connections(rate: float) -> int:
    return max(2, math.ceil(rate * PAUSE_MEAN_S))


def paced_script(script: Path, rate: float) -> Path:
    """``script`` with a pause before each request that makes ``paced_connections(rate)`` offer
    ``rate``/s between them."""
    pause = paced_connections(rate) * 1000 / rate
    paced = script.with_name(f"{script.stem}-{rate:g}.lua")
    paced.write_text(script.read_text() + WRK_PACE.replace("{pause}", f"{pause:.1f}")
                     .replace("{cap}", str(PAUSE_CAP_MS)))
    return paced


def paced(port: int, args, post: Path, read: Path, rate: float) -> tuple[dict, dict]:
    """Citizens posting at a steady ``rate`` and staff reading at ``args.read_rate``."""
    posting = run_wrk(port, args.seconds, paced_connections(rate), paced_script(post, rate))
    reading = run_wrk(port, args.seconds, paced_connections(args.read_rate),
                      paced_script(read, args.read_rate), READ_PATH)
    return wrk_result(posting), wrk_result(reading)


def warm_up(port: int, post: Path, read: Path) -> None:
    """A few seconds of both kinds of request, not measured: every web worker has connected to the
    database and loaded what it keeps before a run's latencies are taken."""
    posting = run_wrk(port, WARM_UP_SECONDS, 8, post)
    reading = run_wrk(port, WARM_UP_SECONDS, 2, read, READ_PATH)
    wrk_result(posting)
    wrk_result(reading)


def wait_routed(engine, seconds: float = 300) -> tuple[int, int, float]:
    """Wait until the worker has routed every stored report: (stored, routed, seconds waited)."""
    started = time.monotonic()
    while True:
        with engine.connect() as c:
            total, routed = c.execute(text("SELECT count(*), count(routed_at) FROM report")).one()
        waited = time.monotonic() - started
        if total == routed or waited > seconds:
            return total, routed, waited
        time.sleep(0.2)


def wrk_result(process: subprocess.Popen) -> dict:
    out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(f"wrk failed: {err}")
    found = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    n, status_errors, socket_errors, duration_us, p50, p99, worst, mean = found.groups()
    return {"requests": int(n), "non_2xx": int(status_errors), "socket_errors": int(socket_errors),
            "rps": int(n) / (float(duration_us) / 1e6), "p50_ms": float(p50), "p99_ms": float(p99),
            "max_ms": float(worst)}


def staff_token(port: int, password: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token", method="POST",
        data=json.dumps({"username": "bench", "password": password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


def gunicorn(app_spec: str, port: int, workers: int, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread", "--threads", "4",
         "--log-level", "warning", app_spec],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32, help="citizens posting")
    parser.add_argument("--read-connections", type=int, default=4, help="staff reading")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--rates", default="", help="steady posting rates to offer first, e.g. 50,100,200")
    parser.add_argument("--read-rate", type=float, default=10, help="staff reads/s beside a paced run")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    name = f"lapor_intake_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="lapor-intake-"))
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=args.redis, LAPOR_DATA_DIR=str(tmp),
               LAPOR_RATE_LIMITS="off", LAPOR_QUEUE="lapor-bench", SECRET_KEY="bench")
    processes = []
    try:
        subprocess.run([sys.executable, "-m", "lapor.cli", "seed"], env=env, check=True,
                       capture_output=True)
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(text("CREATE TABLE bare (id serial PRIMARY KEY, title text, body text)"))
        password = uuid.uuid4().hex
        subprocess.run([sys.executable, "-m", "lapor.cli", "users", "create", "--username", "bench",
                        "--password", password, "--role", "agency_admin", "--agency", "TANGKAB"],
                       env=env, check=True, capture_output=True)
        post = tmp / "post.lua"
        post.write_text(WRK_POST.replace("{body}", json.dumps(BODY)) + WRK_RESULT)
        (tmp / "bare_app.py").write_text(BARE_APP)

        port = free_port()
        bare = gunicorn("bare_app:create()", port, args.web_workers, env, tmp)
        wait_for(port)
        bare_read = tmp / "bare_read.lua"
        bare_read.write_text(WRK_READ.replace("{token}", "none") + WRK_RESULT)
        warm_up(port, post, bare_read)
        bare_paced = {rate: paced(port, args, post, bare_read, rate) for rate in rates}
        baseline, baseline_reads = mixed(port, args, post, bare_read)
        stop(bare)

        port = free_port()
        web = gunicorn("lapor.app:create_app()", port, args.web_workers, env, ROOT)
        worker = subprocess.Popen([sys.executable, "-m", "lapor.cli", "worker"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes += [web, worker]
        wait_for(port)
        read = tmp / "read.lua"
        read.write_text(WRK_READ.replace("{token}", staff_token(port, password)) + WRK_RESULT)
        warm_up(port, post, read)
        wait_routed(engine)
        lapor_paced = {}
        for rate in rates:
            lapor_paced[rate] = paced(port, args, post, read, rate)
            lapor_paced[rate] += (wait_routed(engine)[2],)
        before, _, _ = wait_routed(engine)
        lapor, lapor_reads = mixed(port, args, post, read)
        stop(web)
        total, routed, catch_up = wait_routed(engine)
        stop(worker)
        engine.dispose()
    finally:
        for p in processes:
            if p.poll() is None:
                stop(p)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    accepted = sum(r["requests"] - r["non_2xx"] for r in (lapor, *(p[0] for p in lapor_paced.values())))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"gunicorn gthread {args.web_workers}x4, {args.seconds} s a run")
    for rate in rates:
        print(f"steady {rate:g} reports/s offered on {paced_connections(rate)} connections, "
              f"staff reads {args.read_rate:g}/s:")
        for label, (posts, reads, *waited) in (("bare Flask", bare_paced[rate]), ("Lapor", lapor_paced[rate])):
            print_run(f"{label} posts", posts)
            print_run(f"{label} reads", reads)
            if waited:
                print(f"{'':>20}  routed everything {waited[0]:.1f} s after the run")
        p99 = lapor_paced[rate][0]["p99_ms"]
        print(f"  Lapor p99 / bare p99 {p99 / bare_paced[rate][0]['p99_ms']:.1f}; achieved "
              f"{lapor_paced[rate][0]['rps'] / rate:.0%} of the offered rate; p99 <= 100 ms: "
              f"{'yes' if p99 <= 100 else 'NO'}")
    print(f"as fast as answered: wrk {args.connections} connections posting and "
          f"{args.read_connections} reading:")
    for label, r in (("bare Flask INSERT", baseline), ("Lapor intake", lapor),
                     ("bare Flask reads", baseline_reads), ("Lapor staff reads", lapor_reads)):
        print_run(label, r)
    print(f"Lapor / bare throughput: intake {lapor['rps'] / baseline['rps']:.2f}, "
          f"staff reads {lapor_reads['rps'] / baseline_reads['rps']:.2f}")
    print(f"routing: {(routed - before) / (args.seconds + catch_up):.0f} reports/s over the run and the "
          f"{catch_up:.1f} s after it until the worker had routed them all")
    print(f"accepted {accepted}, in the database {total}, routed {routed}: "
          f"{'nothing lost' if total >= accepted and routed == total else 'MISMATCH'}")


def print_run(label: str, r: dict) -> None:
    print(f"{label:>20}: {r['rps']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms"
          f"  max {r['max_ms']:6.1f} ms  non-2xx {r['non_2xx']}  socket errors {r['socket_errors']}")


if __name__ == "__main__":
    main()
