"""RQ job entry points: thin, idempotent wrappers around the services.

Each job runs inside the worker's app context, opens its own transaction and
leaves the session clean, so a job that runs twice changes nothing the second
time.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rq import get_current_job
from sqlalchemy import select

from lapor.channels.kannel import send_sms
from lapor.clock import utcnow
from lapor.extensions import db
from lapor.mailer import send_email
from lapor.models import OutboxItem
from lapor.notify import notify
from lapor.queue import NotYet, enqueue_outbox_at
from lapor.queue import relay_outbox as _relay
from lapor.routing import load_for_routing, route_report
from lapor.sla.recompute import recompute
from lapor.sla.sweeper import sweep as _sweep

log = logging.getLogger(__name__)


def process_outbox(item_id: int) -> str:
    """Carry out one outbox item, once."""
    try:
        query = select(OutboxItem).where(OutboxItem.id == item_id).with_for_update()
        item = db.session.scalars(query).first()
        if item is None or item.processed_at is not None:
            db.session.rollback()
            return "done-before"
        now = utcnow()
        item.attempts += 1
        try:
            outcome = HANDLERS[item.topic](item.payload, now)
        except NotYet as wait:
            return _defer(item, wait.at)
        item.processed_at = now
        item.last_error = None
        db.session.commit()
        return outcome
    except Exception as exc:
        db.session.rollback()
        _record_failure(item_id, exc)
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
        enqueue_outbox_at(item.id, at)
    except RedisError:
        log.warning("outbox item %s deferred to %s; the relay will queue it", item.id, at)
    return f"deferred until {at.isoformat()}"


def _record_failure(item_id: int, exc: Exception) -> None:
    try:
        item = db.session.get(OutboxItem, item_id)
        if item is not None:
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

    examined, changed = recompute(
        now, payload.get("reason", "calendar"), agency_id=payload.get("agency_id"),
        policy_code=payload.get("policy"), progress=progress,
    )
    return f"{examined} examined, {changed} changed"


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
