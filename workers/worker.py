"""The RQ worker process: one app, one Redis connection, jobs run in the app context."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from lapor.extensions import redis_ext


def work(app, burst: bool = False, logging_level: str = "INFO") -> bool:
    """Work the Lapor queue; jobs run in this process (no fork per job) inside the app context.

    A job killed mid-way is not lost: the database outbox still lists its work
    and the relay enqueues it again.
    """
    with app.app_context():
        connection = redis_ext.client(app)
        queue = Queue(app.config["LAPOR"].queue_name, connection=connection)
        worker = SimpleWorker([queue], connection=connection)
        return worker.work(burst=burst, with_scheduler=True, logging_level=logging_level)
