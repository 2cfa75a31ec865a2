"""SLA benchmark: claiming due reports among a million open ones, escalation delay, deadline maths.

Run against a PostgreSQL server (a scratch database is created and dropped):

    python bench/sla_bench.py [--reports 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Every figure is reported against a baseline measured in the same run:
- claim: the indexed FOR UPDATE SKIP LOCKED claim vs the same query forced to a sequential scan;
- escalate: the sweeper on the due set vs the claim alone;
- latest reports: the home page's latest public reports by index vs a sort of all of them;
- public API list: `GET /api/v1/reports` with its total kept for a minute vs counted at every
  request; its deepest allowed page vs a page 9,000 deep (refused since, measured as SQL);
- staff inbox: an agency admin's first page in the generated column's index order, with its
  state counts, against the CASE sort and IN-subquery counts it used before;
- deadline maths: add_working_days vs plain datetime + timedelta;
- delay: deadline → recorded intervention with `lapor worker` and `lapor scheduler` running,
  against the scheduler's sweep interval;
- recompute: one share of the deadline recompute a calendar change starts, against RQ's job
  timeout (a share must finish well within it);
- scorecards: an agency's scorecard over a month of followed-up reports, taking the median of
  the working time stored at each first follow-up, against working each one out in the agency's
  calendar (as for reports followed up before it was stored); also how long `lapor sla backfill`
  takes to store them.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lapor.app import create_app  # noqa: E402
from lapor.config import Settings  # noqa: E402
from lapor.extensions import db  # noqa: E402

FILL = """
INSERT INTO report (tracking_id, access_token_hash, type, channel, title, body, anonymous,
    confidential, urgent, state, policy_code, received_at, updated_at, paused_seconds,
    agency_id, disposition_due_at, followup_due_at, next_due_at)
SELECT 'B' || g, md5(g::text), 'complaint', 'web', 'Laporan uji', 'Isi laporan uji', false,
    false, false, 'disposed', 'khusus', :now - interval '1 hour', :now, 0,
    :agency, :now - interval '1 hour', :now + interval '1 day',
    CASE WHEN g % 100 = 0 THEN :now - interval '1 minute'
         ELSE :now + (interval '1 minute' * (60 + (g::bigint * 7919) % 43200)) END
FROM generate_series(1, :n) AS g
"""


FOLLOWED_UP = """
INSERT INTO report (tracking_id, access_token_hash, type, channel, title, body, anonymous,
    confidential, urgent, state, policy_code, received_at, updated_at, paused_seconds,
    agency_id, disposed_at, followed_up_at)
SELECT 'F' || g, md5(g::text), 'complaint', 'web', 'Laporan uji', 'Isi laporan uji', false,
    false, false, 'in_progress', 'khusus', :now - interval '1 minute' * (g % 43000) - interval '3 day',
    :now, 0, :agency, :now - interval '1 minute' * (g % 43000) - interval '3 day',
    :now - interval '1 minute' * (g % 43000) - interval '3 day' + interval '1 minute' * (30 + (g * 7919) % 4300)
FROM generate_series(1, :n) AS g
"""


def timed(fn, repeat=1):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def make_database(server_url: str) -> str:
    name = f"lapor_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


CLAIM = text("""
SELECT id FROM report WHERE next_due_at <= :now ORDER BY next_due_at
FOR UPDATE SKIP LOCKED
""")


def claim_query(force_seqscan: bool, now: datetime):
    """Find and lock the whole due set, as the sweeper's claim does batch by batch."""
    if force_seqscan:
        db.session.execute(text("SET LOCAL enable_indexscan = off"))
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    claimed = db.session.execute(CLAIM, {"now": now}).scalars().all()
    db.session.rollback()
    return len(claimed)


def orm_batches(now: datetime):
    """The sweeper's own claim: ORM objects with their escalations and events, 200 at a time."""
    from lapor.sla.sweeper import claim_due

    total, first = 0, None
    start = time.perf_counter()
    batch = claim_due(now, 200)
    first = time.perf_counter() - start
    total += len(batch)
    db.session.rollback()
    return first, total


def bench_claim(app, now, n_due):
    from lapor.sla.sweeper import sweep

    with app.app_context():
        db.session.execute(text("ANALYZE report"))
        db.session.commit()
        t_index, claimed = timed(lambda: claim_query(False, now), repeat=3)
        t_seq, claimed_seq = timed(lambda: claim_query(True, now), repeat=3)
        assert claimed == claimed_seq == n_due, (claimed, claimed_seq, n_due)
        t_batch, _ = orm_batches(now)
        t_sweep, swept = timed(lambda: sweep(now, batch=200, max_batches=10_000))
        db.session.remove()
    return t_index, t_seq, claimed, t_batch, t_sweep, swept


def bench_latest(app):
    """The citizens' home page's latest public reports: by the (received_at, id) index, against
    the same query with index scans off (a sort of every open report)."""
    from lapor.access import public_reports
    from lapor.models import Report

    query = public_reports().order_by(Report.received_at.desc(), Report.id.desc()).limit(10)

    def latest(force_sort: bool):
        if force_sort:
            db.session.execute(text("SET LOCAL enable_indexscan = off"))
        rows = db.session.scalars(query).all()
        db.session.rollback()
        return len(rows)

    with app.app_context():
        t_index, _ = timed(lambda: latest(False), repeat=5)
        t_sort, _ = timed(lambda: latest(True), repeat=3)
        db.session.remove()
    return t_index, t_sort


def bench_public_list(app):
    """The public API list's first page with the kept total against counting it each time, and
    the deepest page it serves against a page far deeper (as anyone could ask before)."""
    from lapor.access import PUBLIC_ROWS, public_reports
    from lapor.api import reports
    from lapor.models import Report

    client = app.test_client()

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, response.get_json()

    get("/api/v1/reports")  # keeps the total
    t_kept, _ = timed(lambda: get("/api/v1/reports"), repeat=5)
    saved, reports.PUBLIC_TOTAL_FRESH = reports.PUBLIC_TOTAL_FRESH, timedelta(0)
    try:
        t_counted, _ = timed(lambda: get("/api/v1/reports"), repeat=5)
    finally:
        reports.PUBLIC_TOTAL_FRESH = saved
    t_deepest, _ = timed(lambda: get(f"/api/v1/reports?per_page=100&page={PUBLIC_ROWS // 100}"), repeat=3)
    deep = public_reports().order_by(Report.received_at.desc()).offset(9000 * 100).limit(100)

    def far():
        rows = db.session.scalars(deep).all()
        db.session.rollback()
        return rows

    with app.app_context():
        t_far, _ = timed(far, repeat=3)
        db.session.remove()
    return t_kept, t_counted, t_deepest, t_far


def bench_inbox(app):
    """An agency admin's inbox (first page of 25 and the counts by state) over the bench's reports."""
    from sqlalchemy import and_, case, func, select

    from lapor.models import Report, User
    from lapor.models.report import INBOX_ORDER
    from lapor.web.desk import inbox
    from lapor.workflow import Actor

    def before_order():
        due = case((Report.state == "received", Report.disposition_due_at),
                   (and_(Report.state.in_(("disposed", "in_progress")), Report.followed_up_at.is_(None)),
                    Report.followup_due_at), else_=None)
        return (due.is_(None), due, Report.received_at.desc(), Report.id.desc())

    with app.app_context():
        actor = Actor.staff(db.session.scalars(select(User).where(User.username == "tangkab")).one())
        now = datetime.now(UTC)
        query = inbox.filtered(actor, {}, "Asia/Jakarta", now)

        def now_form():
            db.session.scalars(query.order_by(*INBOX_ORDER).limit(25)).all()
            inbox.state_counts(actor, {}, "Asia/Jakarta", now)
            db.session.rollback()

        def before_form():
            db.session.scalars(query.order_by(*before_order()).limit(25)).all()
            ids = query.with_only_columns(Report.id)
            db.session.execute(select(Report.state, func.count()).where(Report.id.in_(ids))
                               .group_by(Report.state)).all()
            db.session.rollback()

        t_now, _ = timed(now_form, repeat=3)
        t_before, _ = timed(before_form, repeat=2)
        db.session.remove()
    return t_now, t_before


def bench_deadline_maths(samples=20_000):
    from lapor.sla.calendar import WorkCalendar

    calendar = WorkCalendar()
    rng = random.Random(7)
    starts = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 525_600))
              for _ in range(samples)]
    calendar.add_working_days(starts[0], 1)  # build the holiday tables outside the timing
    t_cal, _ = timed(lambda: [calendar.add_working_days(s, 2) for s in starts])
    t_plain, _ = timed(lambda: [s + timedelta(days=2) for s in starts])
    return samples / t_cal, samples / t_plain


def bench_recompute(app, now):
    """One share of a deadline recompute over the open reports, as the worker's job runs it."""
    from lapor.sla.recompute import recompute
    from workers.jobs import RECOMPUTE_BATCH, RECOMPUTE_SHARE

    with app.app_context():
        t_share, (examined, changed, _) = timed(lambda: recompute(
            now + timedelta(days=1), "bench", batch=RECOMPUTE_BATCH, limit=RECOMPUTE_SHARE))
        db.session.remove()
    return t_share, examined, changed


def bench_scorecards(app, now, n):
    """A month's scorecard of one agency with `n` followed-up reports: first as reports followed
    up before their working time was stored (worked out per report), then after the backfill.
    Timed twice: the median follow-up time alone, and the whole scorecard (its other counts read
    every report of the agency, the bench's million open ones included)."""
    from sqlalchemy import and_

    from lapor.models import Agency, Report
    from lapor.scorecard import backfill_followup_seconds, followup_medians, scorecards

    with app.app_context():
        agency = db.session.execute(db.select(Agency).where(Agency.code == "TANGKAB")).scalar_one()
        db.session.execute(text(FOLLOWED_UP), {"now": now, "agency": agency.id, "n": n})
        db.session.execute(text("ANALYZE report"))
        db.session.commit()
        start, end = now - timedelta(days=33), now
        in_period = and_(Report.agency_id == agency.id, Report.received_at >= start, Report.received_at < end)

        def median():
            result = followup_medians([agency], in_period)
            db.session.rollback()
            return result

        def card():
            result = scorecards([agency], start, end, now)[0]
            db.session.rollback()
            return result

        t_legacy, legacy = timed(median, repeat=2)
        t_card_legacy, legacy_card = timed(card)
        t_backfill, filled = timed(backfill_followup_seconds)
        t_stored, stored = timed(median, repeat=3)
        t_card, stored_card = timed(card, repeat=2)
        db.session.remove()
    assert legacy_card == stored_card, (legacy_card, stored_card)
    assert legacy.keys() == stored.keys() and all(abs(legacy[k] - stored[k]) < 1e-6 for k in legacy)
    return (t_legacy, t_stored, t_card_legacy, t_card, t_backfill, filled,
            stored_card["median_followup_working_hours"])


def bench_delay(settings: Settings, reports=5, margin=4.0):
    """Deadlines a few seconds ahead; measure when the worker records their interventions."""
    from lapor import workflow
    from lapor.models import Escalation, Report
    from lapor.workflow import NewReport

    app = create_app(settings)
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               LAPOR_DATA_DIR=str(settings.data_dir), LAPOR_QUEUE=settings.queue_name)
    procs = [subprocess.Popen([sys.executable, "-m", "lapor.cli", cmd], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for cmd in ("worker", "scheduler")]
    try:
        time.sleep(3)
        with app.app_context():
            ids = []
            for i in range(reports):
                report, _ = workflow.submit(NewReport(title=f"Uji {i}", body="Uji keterlambatan"),
                                            datetime.now(UTC))
                db.session.flush()
                ids.append(report.id)
            due = datetime.now(UTC) + timedelta(seconds=margin)
            for report in db.session.query(Report).filter(Report.id.in_(ids)):
                report.state = "disposed"
                report.followup_due_at = due
                report.next_due_at = due
            db.session.commit()
            delays = {}
            deadline = time.monotonic() + 60
            while len(delays) < reports and time.monotonic() < deadline:
                rows = db.session.query(Escalation.report_id, Escalation.at).filter(
                    Escalation.report_id.in_(ids), Escalation.level == "intervention").all()
                for report_id, at in rows:
                    delays[report_id] = (at - due).total_seconds()
                db.session.rollback()
                time.sleep(0.2)
            db.session.remove()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
    return sorted(delays.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    url = make_database(args.pg)
    try:
        data_dir = Path(tempfile.mkdtemp(prefix="lapor-bench-"))
        settings = replace(Settings.from_env({"LAPOR_DATA_DIR": str(data_dir), "DATABASE_URL": url,
                                              "REDIS_URL": args.redis}),
                           queue_name="lapor-bench")
        app = create_app(settings)
        now = datetime.now(UTC)
        with app.app_context():
            from lapor.migrate import upgrade
            from lapor.seed import seed_demo

            upgrade()
            seed_demo(now)
            agency = db.session.execute(text("SELECT id FROM agency WHERE code='TANGKAB'")).scalar()
            params = {"now": now, "agency": agency, "n": args.reports}
            t_fill, _ = timed(lambda: (db.session.execute(text(FILL), params),
                                       db.session.commit()))
            db.session.remove()
        n_due = args.reports // 100
        t_index, t_seq, claimed, t_batch, t_sweep, swept = bench_claim(app, now, n_due)
        t_latest, t_latest_sort = bench_latest(app)
        t_list_kept, t_list_counted, t_list_deepest, t_list_far = bench_public_list(app)
        t_inbox, t_inbox_before = bench_inbox(app)
        rate_cal, rate_plain = bench_deadline_maths()
        delays = bench_delay(settings)
        t_share, share_examined, share_changed = bench_recompute(app, now)  # moves deadlines
        n_followed = max(args.reports // 10, 1000)
        (t_median_legacy, t_median, t_card_legacy, t_card, t_backfill, filled,
         median) = bench_scorecards(app, now, n_followed)
    finally:
        drop_database(args.pg, url)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"filled {args.reports:,} open reports in {t_fill:.1f} s; {n_due:,} due")
    print(f"claim due set (index, SKIP LOCKED): {t_index*1000:.0f} ms for {claimed:,} "
          f"| sequential scan: {t_seq*1000:.0f} ms | ratio {t_seq / t_index:.1f}x")
    print(f"sweeper's ORM claim of one batch of 200 (with escalations and events): {t_batch*1000:.0f} ms")
    print(f"escalate due set (sweeper, batches of 200): {t_sweep:.2f} s for {swept:,} reports "
          f"= {swept / t_sweep:,.0f}/s | vs claim alone {t_sweep / t_index:.1f}x")
    print(f"latest 10 public reports (home page): {t_latest*1000:.1f} ms by the received_at index "
          f"| sorting every report: {t_latest_sort*1000:.0f} ms | ratio {t_latest_sort / t_latest:.0f}x")
    print(f"public API list, first page: {t_list_kept*1000:.0f} ms with the total kept | counted at every "
          f"request: {t_list_counted*1000:.0f} ms | ratio {t_list_counted / t_list_kept:.1f}x; deepest page "
          f"served (rows 9,901-10,000): {t_list_deepest*1000:.0f} ms | rows 900,001-900,100 (refused "
          f"now; its query alone): {t_list_far*1000:.0f} ms")
    print(f"agency admin's inbox (first page and counts by state): {t_inbox*1000:.0f} ms in index order "
          f"| CASE sort and IN counts, as before: {t_inbox_before*1000:.0f} ms | ratio "
          f"{t_inbox_before / t_inbox:.1f}x")
    print(f"deadline computations: {rate_cal:,.0f}/s | plain timedelta {rate_plain:,.0f}/s "
          f"| ratio {rate_plain / rate_cal:.0f}x")
    from rq import Queue

    shares = args.reports / share_examined
    print(f"deadline recompute, one share: {share_examined:,} open reports ({share_changed:,} changed) "
          f"in {t_share:.1f} s, {t_share / share_examined * 1000:.2f} ms each | RQ's job timeout "
          f"{Queue.DEFAULT_TIMEOUT} s: {t_share / Queue.DEFAULT_TIMEOUT:.0%} of it; all {args.reports:,} "
          f"in {shares:.0f} shares, about {t_share * shares / 60:.0f} min")
    print(f"median follow-up time of one agency, {filled:,} followed-up reports in the month ({median} h): "
          f"{t_median * 1000:.0f} ms from the stored working times | {t_median_legacy * 1000:.0f} ms working "
          f"each out | ratio {t_median_legacy / t_median:.0f}x; its whole scorecard {t_card * 1000:.0f} ms "
          f"against {t_card_legacy * 1000:.0f} ms; `lapor sla backfill` stored them in {t_backfill:.1f} s")
    if delays:
        print(f"deadline -> intervention delay over {len(delays)} reports: "
              f"median {statistics.median(delays):.2f} s, max {max(delays):.2f} s "
              f"(scheduler sweeps every 5 s; bar 10 s)")
    else:
        print("deadline -> intervention: none recorded within 60 s")


if __name__ == "__main__":
    main()
