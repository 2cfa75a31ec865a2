"""Background work that must not be lost, doubled, held up or misreported (DESIGN §6): the relay
behind stuck items and deferred ones, sends run twice or re-sent after a failed commit, the
periodic jobs' place in the queue, and what `lapor status` says."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from rq.job import Job, JobStatus
from sqlalchemy.exc import OperationalError

from lapor.clock import utcnow
from lapor.extensions import db, redis_ext
from lapor.models import OutboxItem, OutgoingMessage
from lapor.queue import NotYet, get_queue, is_live, outbox_job_id, relay_outbox


def _sms_item(now, recipient="+6281234567890") -> tuple[int, int]:
    message = OutgoingMessage(channel="sms", recipient=recipient, body="Laporan Anda diterima",
                              state="pending", attempts=0, created_at=now)
    db.session.add(message)
    db.session.flush()
    item = OutboxItem(topic="send_sms", payload={"message_id": message.id}, created_at=now)
    db.session.add(item)
    db.session.commit()
    return message.id, item.id


@pytest.fixture
def kannel(app, monkeypatch):
    """A configured gateway whose sendsms is a recording fake (no network)."""
    from lapor.channels import kannel as k

    monkeypatch.setitem(app.config, "LAPOR_KANNEL", k.KannelConfig(sendsms_url="http://127.0.0.1:9/sendsms"))
    calls: list[int] = []
    hooks: dict = {}

    def fake(config, message):
        calls.append(message.id)
        if "during" in hooks:
            hooks.pop("during")()
        return "0: Accepted for delivery"

    monkeypatch.setattr(k, "_sendsms", fake)
    return calls, hooks


# 1. Relay: items already waiting in the queue use up its limit, so lost work behind them starves.

def test_relay_reaches_lost_work_behind_500_items_that_keep_failing(ctx):
    old = utcnow() - timedelta(minutes=10)
    # 500 items that fail on every attempt (a bad payload, a handler bug), committed and queued.
    db.session.add_all([OutboxItem(topic="route_report", payload={}, created_at=old) for _ in range(500)])
    db.session.commit()
    connection = redis_ext.client()
    poison = [job.id for job in get_queue().jobs]
    assert len(poison) == 500
    # Then one item whose enqueue after commit was lost (Redis blinked).
    lost = OutboxItem(topic="route_report", payload={"report_id": 999}, created_at=old)
    db.session.add(lost)
    db.session.commit()
    Job.fetch(outbox_job_id(lost.id), connection=connection).delete()
    assert not is_live(connection, outbox_job_id(lost.id))

    for _ in range(3):  # three relay periods; between them RQ gives up on the poison items again
        for job_id in poison:
            Job.fetch(job_id, connection=connection).set_status(JobStatus.FAILED)
        relay_outbox(utcnow())
    assert is_live(connection, outbox_job_id(lost.id)), \
        "the relay only ever looks at the first `limit` unprocessed items by id"


# 2. Relay + deferral: a deferred item is queued a second time although its scheduled job waits.

def test_relay_does_not_queue_a_deferred_item_a_second_time(ctx, monkeypatch):
    from workers import jobs

    at = utcnow() + timedelta(hours=1)

    def wait(payload, now):
        raise NotYet(at)

    monkeypatch.setitem(jobs.HANDLERS, "notify", wait)
    item = OutboxItem(topic="notify", payload={"event_id": 1, "audience": "staff"}, created_at=utcnow())
    db.session.add(item)
    db.session.commit()
    item_id = item.id
    Job.fetch(outbox_job_id(item_id), connection=redis_ext.client()).delete()  # as if run and done
    assert jobs.process_outbox(item_id).startswith("deferred until")
    scheduled = get_queue().scheduled_job_registry.get_job_ids()
    assert len(scheduled) == 1  # RQ's scheduler will run it at `at`
    # The time comes: RQ's scheduler moves its job to the queue, and the relay runs too.
    assert relay_outbox(at + timedelta(seconds=1)) == 0, \
        "the relay checks only outbox-<id>, not the deferred job outbox-<id>-at-<ts>"


# 3. `lapor status`: an item whose deferral just ended is reported as stuck for days.

def test_status_does_not_call_work_stuck_that_became_ready_a_minute_ago(app, demo, cli):
    from workers.schedule import hold_lease

    now = utcnow()
    with app.app_context():
        assert hold_lease(redis_ext.client(), "a scheduler", 30)
        # Staff email made on Friday evening, deferred to the opening a minute ago.
        db.session.add(OutboxItem(topic="notify", payload={"event_id": 1, "audience": "staff"},
                                  created_at=now - timedelta(days=2, hours=14),
                                  available_at=now - timedelta(minutes=1)))
        db.session.commit()
    result = cli("status")
    assert "not carried out, the oldest for 62 h" not in result.output, result.output
    assert result.exit_code == 0, result.output


# 4. `lapor status` with the database down: a traceback, not a status.

def test_status_with_the_database_down_says_so(app, cli, monkeypatch):
    from click.testing import CliRunner

    from lapor.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://lapor@127.0.0.1:1/lapor")
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "NEEDS ATTENTION" in result.output and "atabase" in result.output, result.output
    assert "queue lapor-test:" in result.output  # the Redis part still answers


# 5. `lapor status` says "all well" while every deadline sweep fails.

def test_status_flags_periodic_jobs_that_keep_failing(app, demo, cli, run_worker, monkeypatch):
    from workers import jobs
    from workers.schedule import enqueue_due, hold_lease

    def broken(now):
        raise RuntimeError("sweeper bug")

    monkeypatch.setattr(jobs, "_sweep", broken)
    with app.app_context():
        assert hold_lease(redis_ext.client(), "a scheduler", 30)
        for n in range(3):  # three scheduler periods
            enqueue_due(get_queue(), {}, time.monotonic() + 100 * n)
            run_worker()
        assert get_queue().failed_job_registry.count >= 1
    result = cli("status")
    assert "all well" not in result.output, result.output
    assert result.exit_code == 1, result.output


# 6. One send item run twice at once (relay + the job carrying it inline, or two workers) on the
#    embedded SQLite: the outbox row "lock" is a no-op there, and the SMS goes out twice.

def test_a_send_run_twice_at_once_sends_one_sms(app, kannel):
    from workers.jobs import process_outbox

    if not app.config["LAPOR"].database_url.startswith("sqlite"):
        pytest.skip("the row lock holds on PostgreSQL")
    calls, hooks = kannel
    with app.app_context():
        message_id, item_id = _sms_item(utcnow())
        db.session.remove()
    outcomes = []

    def second_run():
        with app.app_context():
            try:
                outcomes.append(process_outbox(item_id))
            finally:
                db.session.remove()

    other = threading.Thread(target=second_run)

    def while_first_is_at_the_gateway():
        other.start()
        time.sleep(1.5)  # the second run reads the item and the message meanwhile

    hooks["during"] = while_first_is_at_the_gateway
    with app.app_context():
        outcomes.append(process_outbox(item_id))
        db.session.remove()
    other.join(60)
    assert not other.is_alive()
    assert calls == [message_id], f"Kannel was asked {len(calls)} times; outcomes {outcomes}"


# 7. A send accepted by Kannel whose commit then fails: the retry sends again, and the message's
#    record shows one attempt for two SMS handed to the gateway.

def test_a_send_whose_commit_failed_is_recorded_before_it_is_sent_again(app, kannel, monkeypatch):
    from workers.jobs import process_outbox

    calls, _ = kannel
    with app.app_context():
        message_id, item_id = _sms_item(utcnow())
        real_commit = db.session.commit
        failures = []

        def commit_fails_once():
            if not failures:
                failures.append(1)
                raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
            return real_commit()

        with monkeypatch.context() as patch:
            patch.setattr(db.session, "commit", commit_fails_once)
            with pytest.raises(OperationalError):
                process_outbox(item_id)  # Kannel took the SMS; PostgreSQL restarted before the commit
        process_outbox(item_id)  # RQ's retry
        message = db.session.get(OutgoingMessage, message_id)
        assert message.state == "sent"
        assert message.attempts == len(calls), \
            f"{len(calls)} SMS handed to Kannel, {message.attempts} attempt(s) recorded"


# 8. The deadline sweep and the relay wait behind every routing job in the main queue.

def test_periodic_sweep_does_not_wait_behind_a_backlog_of_routing_work(app, run_worker):
    from workers.schedule import PERIODIC, enqueue_due

    with app.app_context():
        queue = get_queue()
        backlog = [queue.enqueue("time.sleep", 0.05, result_ttl=600) for _ in range(40)]
        enqueue_due(queue, {}, time.monotonic())  # the scheduler's tick: a sweep is due
    run_worker()
    with app.app_context():
        connection = redis_ext.client()
        sweep = next(p for p in PERIODIC if p.func.endswith("sweep_deadlines"))
        swept_at = Job.fetch(sweep.job_id, connection=connection).started_at
        routed_at = sorted(Job.fetch(job.id, connection=connection).started_at for job in backlog)
        assert swept_at < routed_at[0] + timedelta(seconds=1), \
            f"the sweep started {swept_at - routed_at[0]} after the backlog (escalation within 10 s)"

