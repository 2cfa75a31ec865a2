"""Faults: what happens to acknowledged reports when the queue or the database goes away."""

from __future__ import annotations

import html
import os
import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from lapor.app import create_app
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import Report, ReportEvent
from lapor.queue import relay_outbox
from lapor.redisconn import EmbeddedRedis
from tests.test_api_reports import REPORT

pytestmark = pytest.mark.slow


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, so the test can stop it without harming others."""
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    yield server, url
    server.stop()


def spawn(command: str, env: dict):
    """``lapor <command>`` in a process group of its own: RQ's worker forks its scheduler, and
    a SIGKILL to the worker alone would leave that child running after the test."""
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "lapor.cli", command], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def kill_group(process, sig) -> None:
    """Signal ``process`` and every process it started."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def kill_worker_in_a_job(app, tmp_path, blocker, job_id: str | None = None, settle: float = 0,
                         ready=None) -> None:
    """Start ``lapor worker``, wait until it is inside a job (``job_id``, or any) and ``ready()``
    (if given) is true, SIGKILL it, then release ``blocker``, the connection whose lock held the
    job up."""
    import signal
    import time

    from rq import Queue

    from lapor.extensions import redis_ext

    settings = app.config["LAPOR"]
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               LAPOR_DATA_DIR=str(tmp_path), LAPOR_QUEUE=settings.queue_name)
    worker = spawn("worker", env)
    try:
        with app.app_context():
            registry = Queue(settings.queue_name, connection=redis_ext.client()).started_job_registry

            def started() -> bool:
                ids = registry.get_job_ids()
                return (job_id in ids if job_id else bool(ids)) and (ready is None or ready())

            deadline = time.monotonic() + 30
            while not started() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert started(), "the worker never started the job"
            time.sleep(settle)
        kill_group(worker, signal.SIGKILL)
        worker.wait(10)
    finally:
        kill_group(worker, signal.SIGKILL)
        blocker.rollback()
        blocker.close()


def test_redis_stopped_mid_burst_loses_nothing_and_routes_everything_once(app, demo, own_redis):
    from workers.worker import work

    server, url = own_redis
    settings = replace(app.config["LAPOR"], redis_url=url)
    burst_app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    client = burst_app.test_client()
    accepted = []
    for n in range(40):
        if n == 15:
            server.stop()  # Redis goes away in the middle of the burst
        payload = {**REPORT, "title": f"Jalan rusak nomor {n}", "agency": "TANGKAB"}
        response = client.post("/api/v1/reports", json=payload)
        assert response.status_code == 201, response.get_data(as_text=True)
        accepted.append(response.get_json()["tracking_id"])
    sms = client.post("/channels/sms/kannel", data={
        "from": "081234567890", "to": "1708", "text": "TANGKAB lampu jalan mati", "id": "fault-1"})
    assert sms.status_code == 200

    url = server.start()  # Redis is back (empty: it lost its queue)
    back = create_app(replace(settings, redis_url=url), TESTING=True)
    with back.app_context():
        relay_outbox(utcnow())
    work(back, burst=True)
    with back.app_context():
        tracked = set(db.session.scalars(select(Report.tracking_id)))
        assert set(accepted) <= tracked and len(tracked) == 41
        states = db.session.execute(select(Report.state, func.count()).group_by(Report.state)).all()
        assert states == [("disposed", 41)]
        dispositions = db.session.scalar(
            select(func.count()).select_from(ReportEvent).where(ReportEvent.kind == "disposed"))
        assert dispositions == 41  # routed once each, none twice


def test_database_unreachable_is_a_503_with_retry_after_not_a_500(app):
    settings = replace(app.config["LAPOR"],
                       database_url="postgresql+psycopg://lapor@127.0.0.1:1/lapor")
    down = create_app(settings, TESTING=True)
    response = down.test_client().post("/api/v1/reports", json=REPORT)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5
    assert response.get_json()["message"].startswith("Layanan sedang tidak tersedia")
    health = down.test_client().get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "down"


def resend_fields(page: str) -> tuple[str, list[tuple[str, str]]]:
    """The error page's form to send again: its action and its hidden fields."""
    action = re.search(r'<form method="post" action="([^"]*)" class="resend">', page)
    assert action, page
    fields = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    return html.unescape(action.group(1)), [(html.unescape(n), html.unescape(v)) for n, v in fields]


def test_a_form_sent_while_the_database_is_unreachable_can_be_sent_again_unchanged(app, demo, client):
    from tests.test_desk_support import make, sign_in
    from tests.test_web_citizen import FORM

    settings = replace(app.config["LAPOR"], database_url="postgresql+psycopg://lapor@127.0.0.1:1/lapor")
    # As in production, with CSRF checked: the citizen opened the form while all was well.
    browser = create_app(app.config["LAPOR"], TESTING=True).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/").get_data(as_text=True)).group(1)
    down = create_app(settings, TESTING=True).test_client()
    down.set_cookie("session", browser.get_cookie("session").value)
    written = {**FORM, "title": "Lampu <jalan> mati",
               "body": "Lampu jalan di depan SDN 3 mati sejak \"Senin\" & gelap."}
    response = down.post("/?lang=en", data={"csrf_token": token, **written})
    assert response.status_code == 503 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "send it again in a moment" in page
    assert "Lampu &lt;jalan&gt; mati" in page and "<jalan>" not in page  # shown, escaped
    action, fields = resend_fields(page)
    assert action == "/?lang=en"
    assert [(n, v) for n, v in fields if n != "csrf_token"] == list(written.items())
    if down.get_cookie("session"):
        browser.set_cookie("session", down.get_cookie("session").value)
    assert browser.post(action, data=dict(fields)).status_code == 303  # the service is back
    with app.app_context():
        stored = db.session.scalars(select(Report)).one()
        assert (stored.title, stored.body) == (written["title"], written["body"])

    down = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    tid = make(app, "disposed")
    sign_in(client, demo, "tangkab")
    down.set_cookie("session", client.get_cookie("session").value)  # signed in, then the database goes
    response = down.post(f"/staff/laporan/{tid}/aksi/follow_up", data={"message": "Tim sudah ke lokasi."})
    assert response.status_code == 503
    action, fields = resend_fields(response.get_data(as_text=True))
    assert client.post(action, data=dict(fields)).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Report.state).where(Report.tracking_id == tid)).one() == "in_progress"

    signing_in = down.post("/staff/", data={"username": "tangkab", "password": "rahasia-sekali"})
    assert signing_in.status_code == 503
    page = signing_in.get_data(as_text=True)
    assert "rahasia-sekali" not in page and 'class="resend"' not in page


def test_worker_killed_mid_routing_is_recovered_and_routes_once(app, demo, tmp_path):
    """The worker dies (SIGKILL) while its routing job waits on the database; nothing is lost."""
    import time

    from rq import Queue
    from rq.scheduler import RQScheduler
    from sqlalchemy import create_engine, text

    from lapor.extensions import redis_ext
    from workers.worker import work

    settings = app.config["LAPOR"]
    client = app.test_client()
    tracking_id = client.post("/api/v1/reports", json=REPORT).get_json()["tracking_id"]
    blocker = create_engine(settings.database_url).connect()
    sqlite = settings.database_url.startswith("sqlite")
    # Hold the lock the routing job needs, so the worker is caught in the middle of it.
    blocker.execute(text("BEGIN IMMEDIATE") if sqlite else text("SELECT 1"))
    if not sqlite:
        blocker.execute(text("SELECT id FROM outbox FOR UPDATE"))
    kill_worker_in_a_job(app, tmp_path, blocker)

    with app.app_context():
        # Later: the dead worker's heartbeat has lapsed, and so has the lock its scheduler (a
        # child, killed with it) held; the relay hands the job back to RQ's retry.
        queue = Queue(settings.queue_name, connection=redis_ext.client())
        queue.started_job_registry.cleanup(timestamp=time.time() + 3600)
        queue.connection.delete(RQScheduler.get_locking_key(queue.name))
        relay_outbox(utcnow())
    time.sleep(6)  # RQ retries the abandoned job after its first backoff interval (5 s)
    work(app, burst=True)
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tracking_id)).one()
        assert report.state == "disposed"
        assert [e.kind for e in report.events] == ["submitted", "disposed"]


def test_worker_killed_in_a_follow_up_notifies_once_later(app, demo, tmp_path):
    """The worker dies (SIGKILL) after routing a report, while it makes the reporter's
    notification in the same job; the relay hands the notification on, and it is made once."""
    from sqlalchemy import create_engine, text

    from lapor.models import OutboxItem, OutgoingMessage
    from workers.worker import work

    settings = app.config["LAPOR"]
    if settings.database_url.startswith("sqlite"):
        pytest.skip("needs a table lock that lets routing through and holds the notification")
    client = app.test_client()
    tracking_id = client.post("/api/v1/reports", json=REPORT).get_json()["tracking_id"]
    blocker = create_engine(settings.database_url).connect()
    blocker.execute(text("LOCK TABLE outgoing_message IN EXCLUSIVE MODE"))  # messages wait
    watcher = create_engine(settings.database_url)

    def routed() -> bool:
        with watcher.connect() as c:
            return bool(c.execute(text(
                "SELECT count(*) FROM outbox WHERE topic = 'route_report' AND processed_at IS NOT NULL"
            )).scalar())

    try:
        kill_worker_in_a_job(app, tmp_path, blocker, ready=routed, settle=0.5)
    finally:
        watcher.dispose()
    with app.app_context():
        notify = db.session.scalars(select(OutboxItem).where(OutboxItem.topic == "notify")).one()
        assert notify.processed_at is None  # killed before its commit: nothing of it was kept
        relay_outbox(utcnow())
    work(app, burst=True)
    with app.app_context():
        report = db.session.scalars(select(Report).where(Report.tracking_id == tracking_id)).one()
        assert [e.kind for e in report.events] == ["submitted", "disposed"]
        sent = db.session.scalars(select(OutgoingMessage.channel).where(
            OutgoingMessage.report_id == report.id).order_by(OutgoingMessage.channel)).all()
        assert sent == ["email", "sms"]  # one each, for the disposition
        pending = db.session.scalars(select(OutboxItem).where(OutboxItem.processed_at.is_(None)))
        assert pending.all() == []


@pytest.mark.skipif(
    not os.environ.get("LAPOR_FAULT_RESTART_POSTGRES"),
    reason="restarts the machine's PostgreSQL: set LAPOR_FAULT_RESTART_POSTGRES=1 (.ci/run does)",
)
def test_postgres_restart_under_load_gives_503s_then_recovers_losing_nothing(app, demo):
    """Requests during the restart get 503 with Retry-After, never a 500; every 201 is kept."""
    import subprocess
    import threading
    import time

    if app.config["LAPOR"].database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL run only")
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    client = app.test_client()
    outcomes: list[tuple[int, str | None, str | None]] = []
    stop = threading.Event()

    def load():
        n = 0
        while not stop.is_set():
            n += 1
            # A number and an address of its own each: the load must not meet the rate limits.
            payload = {**REPORT, "title": f"Beban nomor {n}", "reporter": {"phone": f"0813{n:08d}"}}
            response = client.post("/api/v1/reports", json=payload,
                                   environ_base={"REMOTE_ADDR": f"10.9.{n // 250}.{n % 250}"})
            body = response.get_json() or {}
            outcomes.append((response.status_code, response.headers.get("Retry-After"),
                             body.get("tracking_id")))

    thread = threading.Thread(target=load)
    thread.start()
    try:
        time.sleep(1.5)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                       check=True, timeout=120)
        time.sleep(3)
    finally:
        stop.set()
        thread.join(60)
    statuses = {status for status, _, _ in outcomes}
    assert statuses <= {201, 503}, statuses
    assert all(retry for status, retry, _ in outcomes if status == 503)
    assert outcomes[-1][0] == 201  # recovered by itself
    accepted = {tid for status, _, tid in outcomes if status == 201}
    with app.app_context():
        stored = set(db.session.scalars(select(Report.tracking_id)))
    assert accepted <= stored


def test_schedulers_killed_or_doubled_miss_and_repeat_no_escalation(app, demo, tmp_path):
    """Two schedulers by mistake, one killed, then a restart: every step still happens once."""
    import signal
    import subprocess
    import time
    from datetime import timedelta

    from lapor.models import Escalation
    from tests import factories as f

    settings = app.config["LAPOR"]
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               LAPOR_DATA_DIR=str(tmp_path), LAPOR_QUEUE=settings.queue_name,
               LAPOR_SCHEDULER_LEASE="3")

    def start(command):
        return spawn(command, env)

    def overdue_report() -> int:
        with app.app_context():
            report = f.report("disposed", now=utcnow() - timedelta(days=30))
            db.session.commit()
            return report.id

    def interventions() -> list[int]:
        with app.app_context():
            rows = db.session.scalars(select(Escalation.report_id).where(
                Escalation.level == "intervention", Escalation.clock == "followup")).all()
            db.session.remove()
            return sorted(rows)

    def wait_for(expected, seconds=45):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and interventions() != expected:
            time.sleep(0.5)
        return interventions()

    processes = [start("worker"), start("scheduler"), start("scheduler")]
    try:
        first = [overdue_report(), overdue_report()]
        assert wait_for(sorted(first)) == sorted(first)
        kill_group(processes[1], signal.SIGKILL)  # one of the two dies without a word
        second = overdue_report()
        assert wait_for(sorted([*first, second])) == sorted([*first, second])
        kill_group(processes[2], signal.SIGKILL)
        processes.append(start("scheduler"))  # and the operator restarts one
        third = overdue_report()
        assert wait_for(sorted([*first, second, third])) == sorted([*first, second, third])
    finally:
        for process in processes:
            kill_group(process, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                pass
            kill_group(process, signal.SIGKILL)


def test_worker_killed_mid_escalation_escalates_exactly_once_later(app, demo, tmp_path):
    """The sweeper dies (SIGKILL) while writing an intervention; the next sweep takes the step once."""
    from datetime import timedelta

    from rq import Queue
    from sqlalchemy import create_engine, text

    from lapor.extensions import redis_ext
    from lapor.models import Escalation
    from lapor.sla.sweeper import sweep
    from tests import factories as f

    settings = app.config["LAPOR"]
    with app.app_context():
        report_id = f.report("disposed", now=utcnow() - timedelta(days=30)).id
        db.session.commit()
    blocker = create_engine(settings.database_url).connect()
    if settings.database_url.startswith("sqlite"):
        blocker.execute(text("BEGIN IMMEDIATE"))  # every writer waits
    else:
        blocker.execute(text("LOCK TABLE escalation IN EXCLUSIVE MODE"))  # escalations wait
    with app.app_context():
        Queue(settings.queue_name, connection=redis_ext.client()).enqueue(
            "workers.jobs.sweep_deadlines", job_id="sweep-under-test")
    kill_worker_in_a_job(app, tmp_path, blocker, "sweep-under-test", settle=1)  # waiting on the lock

    with app.app_context():
        assert db.session.scalars(select(Escalation).where(Escalation.report_id == report_id)).all() == []
        sweep(utcnow())  # the scheduler's next sweep
        sweep(utcnow())  # and the one after: nothing more
        steps = db.session.execute(select(Escalation.clock, Escalation.level).where(
            Escalation.report_id == report_id)).all()
    assert sorted(steps) == [("followup", "intervention"), ("followup", "warning")]
