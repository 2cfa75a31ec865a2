"""The RQ worker process: one app, one Redis connection, jobs run in the app context."""

from __future__ import annotations

from rq import SimpleWorker

from lapor.extensions import redis_ext
from lapor.queue import all_queues

# Which queues `lapor worker --queues` serves, in the order it serves them.
QUEUE_CHOICES = ("all", "main", "send")


def work(app, burst: bool = False, logging_level: str = "INFO", queues: str = "all") -> bool:
    """Work Lapor's queues; jobs run in this process (no fork per job) inside the app context.

    ``queues``: "all" serves the main queue (routing, notifications, recomputes) first and the
    send queue (SMS and email to gateways) when the main one is empty; "main" or "send" only
    that one, for a worker of its own, so that a hanging gateway never holds up routing.

    A job killed mid-way is not lost: the database outbox still lists its work
    and the relay enqueues it again.
    """
    if queues not in QUEUE_CHOICES:
        raise ValueError(f"queues must be one of {QUEUE_CHOICES}, not {queues!r}")
    with app.app_context():
        connection = redis_ext.client(app)
        main, send = all_queues()
        served = {"all": [main, send], "main": [main], "send": [send]}[queues]
        worker = SimpleWorker(served, connection=connection)
        return worker.work(burst=burst, with_scheduler=True, logging_level=logging_level)
