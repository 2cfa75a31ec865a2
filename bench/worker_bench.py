"""Routing throughput of one worker: reports routed per second by `lapor worker`'s job loop.

    python bench/worker_bench.py [--reports 300] [--rounds 2]

PostgreSQL + Redis on this machine (a scratch database is created and dropped). Each round
submits reports through the API in process (not timed), each with a reporter's phone number, so
that every report means routing, the reporter's notification and its SMS (no gateway is
configured: the send records that on the message). Then one worker, as `lapor worker` runs it
(RQ's SimpleWorker in the app context), works the queue until it is empty. Measured in the same
run, rounds alternating:
- Lapor as shipped: the routing job carries out the report's follow-ups itself;
- follow-ups queued as jobs of their own (``FOLLOW_UPS_MAX = 0``), as before that change;
- the baseline: the same worker running bare jobs that each UPDATE one row of the same
  database, i.e. the cost of RQ's own handling of a job.
Checks that every report was routed and every outbox item carried out.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sla_bench import drop_database, make_database  # noqa: E402

from lapor.app import create_app  # noqa: E402
from lapor.config import Settings  # noqa: E402
from lapor.extensions import db  # noqa: E402
from lapor.queue import get_queue  # noqa: E402
from workers import jobs  # noqa: E402
from workers.worker import work  # noqa: E402

REPORT = {"title": "Jalan rusak di depan pasar", "agency": "TANGKAB",
          "body": "Jalan berlubang besar di depan Pasar Cikupa, membahayakan pengendara motor. " * 4,
          "reporter": {"name": "Budi", "phone": "081234567890"}}


def bare_job(n: int) -> int:
    """The baseline's job: one UPDATE in its own transaction."""
    db.session.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = 1"))
    db.session.commit()
    db.session.remove()
    return n


def timed_burst(app) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work(app, burst=True, logging_level="WARNING")
    return time.perf_counter() - wall, time.process_time() - cpu


def lapor_round(app, n: int, follow_ups_max: int) -> tuple[float, float]:
    client = app.test_client()
    for _ in range(n):
        response = client.post("/api/v1/reports", json=REPORT)
        assert response.status_code == 201, response.get_json()
    saved, jobs.FOLLOW_UPS_MAX = jobs.FOLLOW_UPS_MAX, follow_ups_max
    try:
        return timed_burst(app)
    finally:
        jobs.FOLLOW_UPS_MAX = saved


def bare_round(app, n: int) -> tuple[float, float]:
    with app.app_context():
        queue = get_queue()
        for i in range(n):
            queue.enqueue("worker_bench.bare_job", i, result_ttl=500)  # importable by name
    return timed_burst(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    n = args.reports

    url = make_database(args.pg)
    results: dict[str, list[tuple[float, float]]] = {"lapor": [], "separate": [], "bare": []}
    try:
        data_dir = Path(tempfile.mkdtemp(prefix="lapor-bench-"))
        settings = replace(Settings.from_env({"LAPOR_DATA_DIR": str(data_dir), "DATABASE_URL": url,
                                              "REDIS_URL": args.redis, "LAPOR_RATE_LIMITS": "off"}),
                           queue_name="lapor-worker-bench")
        app = create_app(settings)
        with app.app_context():
            from lapor.clock import utcnow
            from lapor.migrate import upgrade
            from lapor.seed import seed_demo

            upgrade()
            seed_demo(utcnow())
            db.session.execute(text("CREATE TABLE bench_counter (id int PRIMARY KEY, n int)"))
            db.session.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
            db.session.commit()
            db.session.remove()
            get_queue().empty()  # whatever a crashed earlier run left
        for _ in range(args.rounds):
            results["lapor"].append(lapor_round(app, n, jobs.FOLLOW_UPS_MAX))
            results["separate"].append(lapor_round(app, n, 0))
            results["bare"].append(bare_round(app, n))
        engine = create_engine(url)
        with engine.connect() as c:
            total, routed = c.execute(text("SELECT count(*), count(routed_at) FROM report")).one()
            undone = c.execute(text("SELECT count(*) FROM outbox WHERE processed_at IS NULL")).scalar()
            topics = dict(c.execute(text("SELECT topic, count(*) FROM outbox GROUP BY topic")).all())
            bare = c.execute(text("SELECT n FROM bench_counter")).scalar()
        engine.dispose()
    finally:
        drop_database(args.pg, url)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{n} reports a round, {args.rounds} rounds alternating")
    for label, key in (("Lapor (follow-ups in the routing job)", "lapor"),
                       ("follow-ups as jobs of their own", "separate"),
                       ("baseline: bare one-UPDATE jobs", "bare")):
        walls = [wall for wall, _ in results[key]]
        cpus = [cpu for _, cpu in results[key]]
        print(f"{label:>38}: {n / statistics.median(walls):6.1f}/s "
              f"(rounds {', '.join(f'{n / w:.1f}' for w in walls)}); "
              f"{statistics.median(cpus) / n * 1000:5.1f} ms CPU each")
    lapor = n / statistics.median(w for w, _ in results["lapor"])
    separate = n / statistics.median(w for w, _ in results["separate"])
    baseline = n / statistics.median(w for w, _ in results["bare"])
    print(f"routed reports / bare jobs: {lapor / baseline:.3f}; "
          f"follow-ups in the job / as their own jobs: {lapor / separate:.2f}x")
    print(f"reports {total}, routed {routed}, outbox items not carried out {undone} "
          f"({topics}); bare jobs done {bare} of {n * args.rounds}: "
          f"{'nothing lost' if routed == total and undone == 0 and bare == n * args.rounds else 'MISMATCH'}")


if __name__ == "__main__":
    main()
