"""RQ queues and the relay of committed outbox work onto them."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import event, func, or_, select

from lapor.extensions import db, redis_ext
from lapor.models import OutboxItem

log = logging.getLogger(__name__)
LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
# Work that waits on a gateway outside Lapor (Kannel, the mail server): it has a queue of its own,
# after the main one, so that a gateway that hangs never holds up routing and escalations.
SEND_TOPICS = frozenset({"send_sms", "send_email"})
SEND_QUEUE_SUFFIX = "-send"
# How long, after a send that failed or took longer than SLOW_SEND_SECONDS, jobs leave the sends
# of that kind to the send queue instead of carrying them out as follow-ups.
SLOW_SEND_SECONDS = 2.0
SLOW_SEND_PAUSE = 60
# Keys in a session's info: the outbox runner's list of the work the session committed, and
# whether the item being carried out is on its last attempt.
_KEPT = "lapor_kept_work"
_LAST_ATTEMPT = "lapor_last_attempt"


def queue_names(name: str) -> tuple[str, str]:
    """The main queue and the send queue of the queue name `name` (``LAPOR_QUEUE``)."""
    return name, name + SEND_QUEUE_SUFFIX


def get_queue(topic: str | None = None) -> Queue:
    """The queue that work of `topic` goes to: the send queue for sends, else the main one."""
    main, send = queue_names(current_app.config["LAPOR"].queue_name)
    return Queue(send if topic in SEND_TOPICS else main, connection=redis_ext.client())


def all_queues() -> list[Queue]:
    """The main queue, then the send queue: the order a worker serves them in."""
    connection = redis_ext.client()
    return [Queue(name, connection=connection)
            for name in queue_names(current_app.config["LAPOR"].queue_name)]


def _slow_key(topic: str) -> str:
    return f"{current_app.config['LAPOR'].queue_name}:slow:{topic}"


def sends_are_slow(topic: str) -> bool:
    """Whether a send of `topic` failed or was slow within the last SLOW_SEND_PAUSE seconds."""
    try:
        return bool(redis_ext.client().exists(_slow_key(topic)))
    except RedisError:
        return True  # Redis is down: nothing can be queued anyway, so do not wait on a gateway


def slow_sends_left(topic: str) -> int | None:
    """Seconds until sends of `topic` are carried out inline again; None when they are now.

    Raises RedisError: the caller says that Redis cannot be read.
    """
    left = redis_ext.client().ttl(_slow_key(topic))
    return left if left > 0 else None


def note_slow_sends(topic: str) -> None:
    """Leave sends of `topic` to the send queue for the next SLOW_SEND_PAUSE seconds."""
    try:
        redis_ext.client().set(_slow_key(topic), 1, ex=SLOW_SEND_PAUSE)
    except RedisError:
        pass


# How long a run handing a message to its gateway keeps other runs of it off (should it die).
SEND_HOLD_SECONDS = 60


def _sending_key(message_id: int) -> str:
    return f"{current_app.config['LAPOR'].queue_name}:sending:{message_id}"


def unnamed(error: str, recipient: str | None) -> str:
    """A gateway's error text without the recipient it may echo (a refused address, a number):
    the text is stored on the message and the work, logged, and shown by `lapor status`, where
    an anonymous reporter's address must not be."""
    forms = {recipient or ""}
    digits = (recipient or "").lstrip("+")
    if digits.startswith("62") and digits.isdigit():
        forms.add(digits[2:])  # +62812..., 0812... and 62812... all hold it
    for form in sorted(filter(None, forms), key=len, reverse=True):
        error = re.sub(re.escape(form), "<penerima>", error, flags=re.IGNORECASE)
    return error


@contextmanager
def at_the_gateway(message, now: datetime):
    """Around one hand-over of `message` (an OutgoingMessage) to its gateway, in a send handler.

    Another run of the same work (a relay's copy, a second worker; SQLite has no row lock to keep
    it out) waits: NotYet until this run's hold lapses. The attempt is committed before the
    block, so a send that reaches the gateway is counted even if the commit of its outcome fails.
    A block that raises (the gateway refused, or never got the message) lets the next run send at
    once; one that completes keeps the hold, since a second run now would send it twice. Without
    Redis nothing else can have taken the job, and the hold is skipped."""
    try:
        held = redis_ext.client().set(_sending_key(message.id), 1, nx=True, ex=SEND_HOLD_SECONDS)
    except RedisError:
        held = True
    if not held:
        raise NotYet(now + timedelta(seconds=SEND_HOLD_SECONDS))
    try:
        message.attempts += 1
        db.session.commit()
        yield
    except BaseException:
        try:
            redis_ext.client().delete(_sending_key(message.id))
        except RedisError:
            pass
        raise


def add_work(topic: str, payload: dict, now: datetime) -> OutboxItem:
    """Put work in the outbox, in the caller's transaction; it is queued once that commits."""
    item = OutboxItem(topic=topic, payload=payload, created_at=now)
    db.session.add(item)
    return item


def enqueue_after_commit(session_class) -> None:
    """Queue every outbox item a transaction wrote, as soon as it commits (once per class)."""
    if event.contains(session_class, "after_flush", _note_new_work):
        return
    event.listen(session_class, "after_flush", _note_new_work)
    event.listen(session_class, "after_commit", _enqueue_new_work)
    event.listen(session_class, "after_rollback", _forget_new_work)


def _note_new_work(session, _flush_context) -> None:
    # Work that must wait (available_at) is left to the relay and RQ's scheduler.
    work = [(obj.id, obj.topic) for obj in session.new
            if isinstance(obj, OutboxItem) and obj.available_at is None]
    if work:
        session.info.setdefault("lapor_new_work", []).extend(work)


def _enqueue_new_work(session) -> None:
    work = session.info.pop("lapor_new_work", None)
    if not work:
        return
    kept = session.info.get(_KEPT)
    if kept is not None:
        kept.extend(work)
    elif has_app_context():
        enqueue_outbox(work)


def keep_new_work(session, last_attempt: bool) -> list[tuple[int, str]]:
    """For the outbox runner: the work (id, topic) that ``session`` commits from now on is
    collected in the returned list instead of queued (the runner carries them out itself), and
    ``is_last_attempt`` answers ``last_attempt`` until the session ends."""
    session.info[_LAST_ATTEMPT] = last_attempt
    kept = session.info[_KEPT] = []
    return kept


def is_last_attempt() -> bool:
    """Whether an outbox handler's failure now is final: no retry will follow. Called
    outside the runner (directly), nothing retries."""
    return db.session.info.get(_LAST_ATTEMPT, True)


def _forget_new_work(session) -> None:
    session.info.pop("lapor_new_work", None)


def outbox_job_id(item_id: int) -> str:
    return f"outbox-{item_id}"


class NotYet(Exception):  # noqa: N818  (a signal, not a failure)
    """Raised by an outbox handler whose work must wait until `at` (e.g. office hours)."""

    def __init__(self, at: datetime):
        super().__init__(at.isoformat())
        self.at = at


def deferred_job_id(item_id: int, at: datetime) -> str:
    return f"{outbox_job_id(item_id)}-at-{int(at.timestamp())}"


def enqueue_outbox_at(item_id: int, topic: str, at: datetime) -> None:
    """Queue an outbox item to run at `at` (RQ's scheduler moves it to the queue then)."""
    get_queue(topic).enqueue_at(
        at, "workers.jobs.process_outbox", item_id,
        job_id=deferred_job_id(item_id, at),
        retry=Retry(max=3, interval=[5, 30, 120]), failure_ttl=7 * 24 * 3600,
    )


def enqueue_outbox(work: list[tuple[int, str]]) -> bool:
    """Queue outbox items, given as (id, topic), each on its topic's queue. Best effort after
    commit: if Redis is down the relay enqueues the items later."""
    try:
        for item_id, topic in work:
            get_queue(topic).enqueue(
                "workers.jobs.process_outbox",
                item_id,
                job_id=outbox_job_id(item_id),
                retry=Retry(max=3, interval=[5, 30, 120]),
                failure_ttl=7 * 24 * 3600,
            )
        return True
    except RedisError as exc:
        log.warning("queue unavailable, %d outbox item(s) left for the relay: %s", len(work), exc)
        return False


def relay_outbox(now: datetime, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Enqueue committed outbox items that were never processed and are not in the queue."""
    older_than = older_than or timedelta(seconds=current_app.config["LAPOR"].relay_after_seconds)
    query = (
        select(OutboxItem)
        .where(
            OutboxItem.processed_at.is_(None),
            OutboxItem.created_at <= now - older_than,
            or_(OutboxItem.available_at.is_(None), OutboxItem.available_at <= now),
        )
        # Never relayed (or relayed longest ago) first: items that keep failing, relayed again at
        # every pass, go to the back and cannot fill every batch ahead of work that was lost.
        .order_by(func.coalesce(OutboxItem.enqueued_at, OutboxItem.created_at), OutboxItem.id)
        .limit(limit)
    )
    queues = all_queues()
    # A worker killed mid-job leaves its job "started" until its heartbeat lapses; this
    # hands such abandoned jobs to RQ's retry (or failure) so their work is taken up again.
    for queue in queues:
        queue.started_job_registry.cleanup()
    relayed = []
    connection = queues[0].connection
    for item in db.session.scalars(query):
        if is_live(connection, outbox_job_id(item.id)) or (
                item.available_at is not None and is_live(connection, deferred_job_id(item.id, item.available_at))):
            continue  # queued, running, or waiting in RQ's scheduler for its time
        relayed.append((item.id, item.topic))
        item.enqueued_at = now
    db.session.commit()
    if relayed and not enqueue_outbox(relayed):
        raise RedisError("queue unavailable during relay")
    return len(relayed)


def is_live(connection, job_id: str) -> bool:
    """Whether the job `job_id` is queued, running, deferred or scheduled."""
    try:
        return Job.fetch(job_id, connection=connection).get_status() in LIVE
    except NoSuchJobError:
        return False
