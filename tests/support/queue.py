"""Running queued jobs in the test process, and re-reading rows they changed."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from crm import queue as rq_queue


def work(app) -> None:
    """Run every queued job in this process (SimpleWorker: no fork), then stop."""
    q = Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection())
    SimpleWorker([q], connection=q.connection).work(burst=True)


def fresh(db, obj):
    return db.session.get(type(obj), obj.id, populate_existing=True)
