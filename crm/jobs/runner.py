"""The function RQ calls for every tracked job: claim, heartbeat, run the handler, finish."""

from __future__ import annotations

import logging
import threading
import traceback

from flask import current_app, has_app_context

from crm import queue as rq_queue
from crm.extensions import db
from crm.jobs import services

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Refreshes the job's alive-key in Redis while the handler runs."""

    def __init__(self, job_id: str, dispatch: int, interval: float, lease: float) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.dispatch = job_id, dispatch
        self.interval, self.lease = interval, lease
        self.conn = rq_queue.redis_connection()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                rq_queue.beat(self.conn, self.job_id, self.dispatch, self.lease)
            except Exception:  # a missed beat is survivable; the lease is several beats long
                log.warning("heartbeat for %s failed", self.job_id, exc_info=True)

    def __enter__(self) -> Heartbeat:
        rq_queue.beat(self.conn, self.job_id, self.dispatch, self.lease)
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.join(timeout=5)
        try:
            if self.conn.get(rq_queue.heartbeat_key(self.job_id)) == str(self.dispatch).encode():
                self.conn.delete(rq_queue.heartbeat_key(self.job_id))
        except Exception:
            log.debug("could not clear heartbeat of %s", self.job_id, exc_info=True)


def run(job_id: str, dispatch: int) -> str:
    """Entry point enqueued in RQ; runs inside a fresh app context."""
    if has_app_context():
        app = current_app._get_current_object()
    else:  # a bare `rq worker` without our CLI: build the app here, never at import time
        from crm import create_app

        app = create_app()
    with app.app_context():
        try:
            return _run(job_id, dispatch)
        finally:
            db.session.remove()


def _run(job_id: str, dispatch: int) -> str:
    cfg = current_app.config
    # Say we are alive before anything can wait (on a lock, on a slow disk), so the sweeper
    # never mistakes a job being picked up for a lost one.
    rq_queue.beat(rq_queue.redis_connection(), job_id, dispatch, cfg["JOB_LEASE_SECONDS"])
    job = services.claim(job_id, dispatch)
    if job is None:
        log.info("job %s dispatch %s is stale or finished; skipping", job_id, dispatch)
        return "stale"
    kind = services.HANDLERS.get(job.kind)
    if kind is None:
        services.finish(job_id, dispatch, "failed", error=f"unknown job kind {job.kind!r}")
        db.session.commit()
        return "failed"
    ctx = services.JobContext(job_id, dispatch, dict(job.params or {}), job.owner_id)
    with Heartbeat(job_id, dispatch, cfg["JOB_HEARTBEAT_SECONDS"], cfg["JOB_LEASE_SECONDS"]):
        try:
            result = kind.func(ctx)
            if not services.finish(job_id, dispatch, "done", result=result, error=None):
                raise services.StaleDispatch(job_id)
            db.session.commit()
            return "done"
        except services.StaleDispatch:
            db.session.rollback()
            log.warning(
                "job %s dispatch %s was superseded; its work is discarded", job_id, dispatch
            )
            return "stale"
        except services.TransientJobError as exc:
            db.session.rollback()
            services.schedule_retry(job_id, dispatch, f"{type(exc).__name__}: {exc}")
            db.session.commit()
            return "retrying"
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            services.finish(job_id, dispatch, "failed", error=detail[:2000])
            db.session.commit()
            return "failed"
