"""`lapor status`: what the background machinery is doing, for operators and their monitoring.

Reads the queues, the scheduler's lease, the outbox and the outgoing messages, and says what
needs a person: work that should have been carried out by now and was not, work that keeps
failing, messages that could not be sent, no scheduler running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from lapor.extensions import db, redis_ext
from lapor.models import OutboxItem, OutgoingMessage
from lapor.queue import SEND_TOPICS, all_queues, slow_sends_left
from workers.schedule import LEASE_KEY, PERIODIC

# Ready work not carried out after this long means the workers are stopped or far behind.
STUCK_AFTER = timedelta(minutes=10)
FAILED_SINCE = timedelta(hours=24)
LAST_ERRORS = 5


@dataclass
class Status:
    queues: list[dict] = field(default_factory=list)  # empty when Redis cannot be read
    redis_error: str | None = None
    database_error: str | None = None  # the outbox and messages could not be read
    scheduler_lease_seconds: int | None = None  # None: no scheduler holds the lease
    slow_sends: dict[str, int] = field(default_factory=dict)  # topic -> seconds left to the pause
    periodic_failed: dict[str, str] = field(default_factory=dict)  # job -> its last run's error
    outbox_ready: int = 0
    outbox_oldest_ready: datetime | None = None
    outbox_deferred: int = 0
    outbox_failing: int = 0
    last_errors: list[tuple[int, str, int, str]] = field(default_factory=list)  # id, topic, attempts, error
    messages_pending: int = 0
    messages_oldest_pending: datetime | None = None
    messages_failed: dict[str, int] = field(default_factory=dict)  # channel -> count since FAILED_SINCE
    problems: list[str] = field(default_factory=list)


def read_status(now: datetime) -> Status:
    status = Status()
    _read_redis(status)
    try:
        _read_database(status, now)
    except SQLAlchemyError as exc:
        db.session.rollback()
        status.database_error = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}"
    _judge(status, now)
    return status


def _read_database(status: Status, now: datetime) -> None:
    waiting = OutboxItem.processed_at.is_(None)
    ready = or_(OutboxItem.available_at.is_(None), OutboxItem.available_at <= now)
    # Ready since its deferral ended (office hours), not since it was made.
    ready_since = func.coalesce(OutboxItem.available_at, OutboxItem.created_at)
    status.outbox_ready, status.outbox_oldest_ready = db.session.execute(
        select(func.count(), func.min(ready_since)).where(waiting, ready)).one()
    status.outbox_deferred = db.session.scalar(
        select(func.count()).where(waiting, OutboxItem.available_at > now))
    failing = (waiting, OutboxItem.last_error.is_not(None))
    status.outbox_failing = db.session.scalar(select(func.count()).where(*failing))
    status.last_errors = [tuple(row) for row in db.session.execute(
        select(OutboxItem.id, OutboxItem.topic, OutboxItem.attempts, OutboxItem.last_error)
        .where(*failing).order_by(OutboxItem.id.desc()).limit(LAST_ERRORS))]
    pending = OutgoingMessage.state == "pending"
    status.messages_pending, status.messages_oldest_pending = db.session.execute(
        select(func.count(), func.min(OutgoingMessage.created_at)).where(pending)).one()
    status.messages_failed = dict(db.session.execute(
        select(OutgoingMessage.channel, func.count())
        .where(OutgoingMessage.state == "failed", OutgoingMessage.created_at >= now - FAILED_SINCE)
        .group_by(OutgoingMessage.channel)).all())
    db.session.rollback()


def _read_redis(status: Status) -> None:
    try:
        client = redis_ext.client()
        for queue in all_queues():
            status.queues.append({
                "name": queue.name, "waiting": queue.count,
                "running": queue.started_job_registry.count,
                "scheduled": queue.scheduled_job_registry.count,
                "failed": queue.failed_job_registry.count,
            })
        lease = client.ttl(LEASE_KEY)
        status.scheduler_lease_seconds = lease if lease > 0 else None
        for topic in sorted(SEND_TOPICS):
            left = slow_sends_left(topic)
            if left is not None:
                status.slow_sends[topic] = left
        for periodic in PERIODIC:  # kept as failed until the scheduler queues it again
            try:
                job = Job.fetch(periodic.job_id, connection=client)
            except NoSuchJobError:
                continue
            if job.get_status() == JobStatus.FAILED:
                result = job.latest_result()
                error = ((result.exc_string if result else None) or "").strip().splitlines()
                status.periodic_failed[periodic.func.rsplit(".", 1)[-1]] = error[-1][:200] if error else ""
    except RedisError as exc:
        status.queues = []
        status.redis_error = f"{exc.__class__.__name__}: {exc}"


def _judge(status: Status, now: datetime) -> None:
    problems = status.problems
    if status.database_error:
        problems.append(f"the database cannot be read ({status.database_error}): no report is taken")
    if status.redis_error:
        problems.append(f"Redis cannot be read ({status.redis_error}): nothing is queued or run")
    elif status.scheduler_lease_seconds is None:
        problems.append("no scheduler is running (`lapor scheduler`): no relay, no deadline sweeps")
    oldest = status.outbox_oldest_ready
    if oldest is not None and now - oldest > STUCK_AFTER:
        problems.append(f"{status.outbox_ready} outbox item(s) not carried out, the oldest for "
                        f"{_age(now - oldest)}: are the workers running (`lapor worker`)?")
    for name, error in sorted(status.periodic_failed.items()):
        what = {"sweep_deadlines": "no escalation is taken", "relay_outbox": "lost work is not queued again"}
        problems.append(f"the periodic job {name} failed at its last run ({error}): "
                        f"{what.get(name, 'see the worker log')}")
    if status.outbox_failing:
        problems.append(f"{status.outbox_failing} outbox item(s) failing; see the last errors")
    for channel, count in sorted(status.messages_failed.items()):
        problems.append(f"{count} {channel} message(s) could not be sent in the last 24 h")


def _age(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def describe(status: Status, now: datetime) -> list[str]:
    """The status as lines of text for the terminal."""
    lines = []
    for q in status.queues:
        lines.append(f"queue {q['name']}: {q['waiting']} waiting, {q['running']} running, "
                     f"{q['scheduled']} scheduled (retries and deferred work), {q['failed']} failed")
    if status.scheduler_lease_seconds is not None:
        lines.append(f"scheduler: running (its lease runs {status.scheduler_lease_seconds} s more)")
    for topic, left in status.slow_sends.items():
        lines.append(f"{topic}: the gateway failed or was slow; these sends wait on the send queue "
                     f"for {left} s more")
    oldest = status.outbox_oldest_ready
    if status.database_error:
        lines.extend(f"NEEDS ATTENTION: {problem}" for problem in status.problems)
        return lines
    lines.append(f"outbox: {status.outbox_ready} ready and not carried out"
                 + (f" (the oldest for {_age(now - oldest)})" if oldest else "")
                 + f", {status.outbox_deferred} deferred, {status.outbox_failing} failing")
    for item_id, topic, attempts, error in status.last_errors:
        lines.append(f"  #{item_id} {topic}, {attempts} attempt(s): {error.splitlines()[0][:200]}")
    oldest = status.messages_oldest_pending
    failed = ", ".join(f"{n} {channel}" for channel, n in sorted(status.messages_failed.items())) or "none"
    lines.append(f"messages: {status.messages_pending} waiting to be sent"
                 + (f" (the oldest for {_age(now - oldest)})" if oldest else "")
                 + f"; failed in the last 24 h: {failed}")
    lines.extend(f"NEEDS ATTENTION: {problem}" for problem in status.problems)
    if not status.problems:
        lines.append("all well")
    return lines
