"""RQ job entry points: thin, idempotent wrappers around the services.

Each job runs inside the worker's app context; every outbox item it carries out
(the job's own, then the follow-ups that one commits) gets a transaction of its
own and leaves the session clean, so a job that runs twice changes nothing the
second time.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError
from rq import get_current_job
from sqlalchemy import select

from lapor.channels.kannel import send_sms
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.mailer import send_email
from lapor.models import OutboxItem
from lapor.notify import notify
from lapor.queue import (
    SEND_TOPICS,
    SLOW_SEND_SECONDS,
    NotYet,
    add_work,
    enqueue_outbox,
    enqueue_outbox_at,
    keep_new_work,
    note_slow_sends,
    sends_are_slow,
)
from lapor.queue import relay_outbox as _relay
from lapor.routing import load_for_routing, route_report
from lapor.sla.recompute import recompute
from lapor.sla.sweeper import sweep as _sweep

log = logging.getLogger(__name__)
# Follow-ups one job carries out itself before it queues the rest.
FOLLOW_UPS_MAX = 20
FOLLOW_UPS_SECONDS = 30.0
# Open reports one recompute item examines (in batches) before it leaves the rest to another.
RECOMPUTE_SHARE = 10_000
RECOMPUTE_BATCH = 500
# Follow-ups that always get a job of their own: a recompute share is long, commits batch by
# batch (so its item is not locked throughout, and only a live job keeps the relay off it),
# and other work should get its turn between shares.
OWN_JOB_TOPICS = frozenset({"recompute_deadlines"})


def process_outbox(item_id: int) -> str:
    """Carry out one outbox item, once, then the work it made (the report's notification, the
    messages that one makes, ...) right here, each in its own transaction.

    A routed report with a phone number makes three items (route, notify, send); as one job
    they spare RQ's own handling of two (bench/worker_bench.py measures it). A follow-up that
    fails is recorded and handed to the queue as its own job, with its retries; one the worker
    dies before reaching is still in the outbox, and the relay queues it. Sends go to the send
    queue instead while their gateway is slow or failing (``sends_are_slow``), so that a gateway
    that hangs does not hold up the routing jobs behind this one.
    """
    job = get_current_job()
    outcome, pending = _carry_out(item_id, last_attempt=job is None or not job.retries_left)
    outcomes = [outcome]
    started = time.monotonic()
    while pending:
        if len(outcomes) > FOLLOW_UPS_MAX or time.monotonic() - started > FOLLOW_UPS_SECONDS:
            enqueue_outbox(pending)  # a long chain (or a slow gateway) does not hold the job
            break
        follow_up = pending.pop(0)
        follow_up_id, topic = follow_up
        if topic in OWN_JOB_TOPICS or (topic in SEND_TOPICS and sends_are_slow(topic)):
            enqueue_outbox([follow_up])
            outcomes.append(f"{topic} #{follow_up_id} queued")
            continue
        try:
            outcome, more = _carry_out(follow_up_id, last_attempt=False)
        except Exception:
            log.warning("outbox item %s failed in the job of item %s; queued for its retries",
                        follow_up_id, item_id, exc_info=True)
            enqueue_outbox([follow_up])
            continue
        log.info("outbox item %s, made by item %s: %s", follow_up_id, item_id, outcome)
        outcomes.append(outcome)
        pending.extend(more)
    return "; ".join(outcomes)


def _carry_out(item_id: int, last_attempt: bool) -> tuple[str, list[tuple[int, str]]]:
    """One outbox item in its own transaction: its outcome, and the work it committed."""
    kept = keep_new_work(db.session(), last_attempt)
    attempt = 0
    topic = None
    try:
        query = select(OutboxItem).where(OutboxItem.id == item_id).with_for_update()
        item = db.session.scalars(query).first()
        if item is None or item.processed_at is not None:
            db.session.rollback()
            return "done-before", kept
        now = utcnow()
        attempt = item.attempts + 1  # written with the outcome: one UPDATE of the item
        topic = item.topic
        started = time.monotonic()  # the send and its commit; not the wait for the row lock
        try:
            outcome = HANDLERS[topic](item.payload, now)
        except NotYet as wait:
            return _defer(item, wait.at), kept
        item.attempts, item.processed_at, item.last_error = attempt, now, None
        db.session.commit()
        if topic in SEND_TOPICS and time.monotonic() - started > SLOW_SEND_SECONDS:
            note_slow_sends(topic)
        return outcome, kept
    except Exception as exc:
        db.session.rollback()
        if topic in SEND_TOPICS:
            note_slow_sends(topic)
        _record_failure(item_id, exc, attempt)
        if kept:  # committed by the handler before it failed: not lost, queued as usual
            enqueue_outbox(kept)
        raise  # RQ retries with backoff and keeps the failure visible
    finally:
        db.session.remove()


def _defer(item: OutboxItem, at) -> str:
    """Leave the item for later: the relay skips it until `at`, and RQ runs it then."""
    db.session.rollback()  # nothing the handler did before deciding to wait is kept
    item = db.session.get(OutboxItem, item.id)
    item.available_at = at
    db.session.commit()
    try:
        enqueue_outbox_at(item.id, item.topic, at)
    except RedisError:
        log.warning("outbox item %s deferred to %s; the relay will queue it", item.id, at)
    return f"deferred until {at.isoformat()}"


def _record_failure(item_id: int, exc: Exception, attempt: int) -> None:
    """Keep the error, and count the attempt that the rollback undid (a handler that commits
    before it raises may have counted it already)."""
    try:
        item = db.session.get(OutboxItem, item_id)
        if item is not None:
            item.attempts = max(item.attempts, attempt)
            item.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record the failure of outbox item %s", item_id)


def _route(payload: dict, now) -> str:
    report = load_for_routing(payload["report_id"])
    if report is None:
        return "missing"
    return route_report(report, now)


def _recompute(payload: dict, now) -> str:
    job = get_current_job()

    def progress(examined: int, changed: int) -> None:
        if job is not None:
            job.meta["progress"] = {"examined": examined, "changed": changed}
            job.save_meta()

    examined, changed, resume_after = recompute(
        now, payload.get("reason", "calendar"), agency_id=payload.get("agency_id"),
        policy_code=payload.get("policy"), progress=progress, after_id=payload.get("after_id", 0),
        batch=min(RECOMPUTE_BATCH, RECOMPUTE_SHARE), limit=RECOMPUTE_SHARE,
    )
    if resume_after is None:
        return f"{examined} examined, {changed} changed"
    # The rest is work of its own, committed with this item: no job outlasts its timeout, and
    # one that dies starts again from its own share, not from the first report.
    add_work("recompute_deadlines", {**payload, "after_id": resume_after}, now)
    return f"{examined} examined, {changed} changed; the rest follows after report #{resume_after}"


HANDLERS = {
    "route_report": _route,
    "recompute_deadlines": _recompute,
    "notify": notify,
    "send_sms": send_sms,
    "send_email": send_email,
}


def sweep_deadlines() -> int:
    """Take every escalation step that has fallen due."""
    try:
        return _sweep(utcnow())
    finally:
        db.session.remove()


def relay_outbox() -> int:
    """Re-enqueue committed work that never reached the queue (e.g. Redis was down)."""
    try:
        return _relay(utcnow())
    finally:
        db.session.remove()
