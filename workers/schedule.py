"""The periodic schedule, as data, and the one scheduler that enqueues it.

Only one scheduler enqueues at a time: it holds a lease in Redis, so a second
one started by mistake waits. Jobs are idempotent anyway; the lease just keeps
the queue from filling with duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass

from redis.exceptions import RedisError
from rq import Queue

from lapor.extensions import redis_ext
from lapor.queue import get_queue, is_live

log = logging.getLogger(__name__)
LEASE_KEY = "lapor:scheduler:lease"
LEASE_SECONDS = 30


@dataclass(frozen=True)
class Periodic:
    func: str
    every: float  # seconds
    timeout: int = 120

    @property
    def job_id(self) -> str:
        # The id is a hash of the definition: a restart neither duplicates nor loses it.
        digest = hashlib.sha1(f"{self.func}|{self.every}|{self.timeout}".encode()).hexdigest()
        return f"periodic-{digest[:12]}"


PERIODIC: tuple[Periodic, ...] = (
    Periodic("workers.jobs.relay_outbox", every=10),
    Periodic("workers.jobs.sweep_deadlines", every=5),
)


def hold_lease(connection, token: str, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew the scheduler lease; False when another scheduler holds it."""
    if connection.set(LEASE_KEY, token, nx=True, ex=seconds):
        return True
    if connection.get(LEASE_KEY) == token.encode():
        connection.expire(LEASE_KEY, seconds)
        return True
    return False


def enqueue_due(queue: Queue, last_run: dict[str, float], clock: float) -> list[str]:
    """Enqueue every periodic job whose interval has passed and that is not already queued."""
    enqueued = []
    for job in PERIODIC:
        if clock - last_run.get(job.job_id, float("-inf")) < job.every:
            continue
        last_run[job.job_id] = clock
        if is_live(queue.connection, job.job_id):
            continue
        # At the front: a backlog of routing must not hold up the deadline sweep (DESIGN §8:
        # escalation within 10 s of a deadline) or the relay.
        queue.enqueue(job.func, job_id=job.job_id, job_timeout=job.timeout,
                      result_ttl=60, failure_ttl=24 * 3600, at_front=True)
        enqueued.append(job.func)
    return enqueued


def run_scheduler(app, once: bool = False, tick: float = 1.0, stop: threading.Event | None = None):
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    token = uuid.uuid4().hex
    # How long a dead scheduler keeps the others waiting before one takes over.
    lease = int(os.environ.get("LAPOR_SCHEDULER_LEASE", LEASE_SECONDS))
    last_run: dict[str, float] = {}
    with app.app_context():
        connection = redis_ext.client(app)
        queue = get_queue()
        log.info("scheduler started: %s", ", ".join(j.func for j in PERIODIC))
        while not stop.is_set():
            try:
                if hold_lease(connection, token, lease):
                    enqueue_due(queue, last_run, time.monotonic())
            except RedisError as exc:
                log.warning("redis unavailable, scheduler waits: %s", exc)
            if once:
                break
            stop.wait(tick)
        try:
            if connection.get(LEASE_KEY) == token.encode():
                connection.delete(LEASE_KEY)
        except RedisError:
            pass
    log.info("scheduler stopped")
