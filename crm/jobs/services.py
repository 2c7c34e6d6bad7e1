"""Creating, dispatching, tracking and sweeping background jobs."""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from crm import audit
from crm import queue as rq_queue
from crm.auth.models import User
from crm.db import as_utc, expecting_writes, utcnow, writes_expected
from crm.extensions import db
from crm.jobs.models import PENDING_STATUSES, BackgroundJob

log = logging.getLogger(__name__)


class StaleDispatch(Exception):
    """This run's dispatch was superseded (swept and re-dispatched); it must stop quietly."""


class TransientJobError(Exception):
    """A failure worth retrying later with backoff (a network hiccup, a locked resource)."""


@dataclass
class JobKind:
    name: str
    func: Callable
    title: str
    on_failed: Callable[[BackgroundJob], None] | None = None


HANDLERS: dict[str, JobKind] = {}
# Functions a feature registers to repair its own rows on every sweep (e.g. approved letters
# whose render job was lost); each takes `now` and returns how many rows it dealt with.
SWEEP_HOOKS: dict[str, Callable[[datetime], int]] = {}


def job_handler(
    name: str, title: str, on_failed: Callable[[BackgroundJob], None] | None = None
) -> Callable:
    """Register func(ctx) as the handler of job kind `name`; `on_failed(job)` runs in the
    transaction that marks the job failed for good (so the rows it was working on can say
    so instead of waiting forever)."""

    def decorator(func: Callable) -> Callable:
        HANDLERS[name] = JobKind(name=name, func=func, title=title, on_failed=on_failed)
        return func

    return decorator


def sweep_hook(name: str) -> Callable:
    """Register fn(now) -> int to run on every sweep, after the jobs are swept."""

    def decorator(func: Callable[[datetime], int]) -> Callable[[datetime], int]:
        SWEEP_HOOKS[name] = func
        return func

    return decorator


def _failed_for_good(job_id: str) -> None:
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    kind = HANDLERS.get(job.kind) if job is not None else None
    if kind is not None and kind.on_failed is not None:
        kind.on_failed(job)


def load_job_modules(modules: list[str]) -> None:
    """Import the modules whose decorators register handlers and periodic tasks."""
    for name in modules:
        importlib.import_module(name)


def create_job(kind: str, owner=None, params: dict | None = None, title: str = "") -> BackgroundJob:
    """Add a tracked job; it reaches Redis only after the caller commits."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = BackgroundJob(
        id=uuid.uuid4().hex,
        kind=kind,
        owner_id=getattr(owner, "id", None),
        title=title or HANDLERS[kind].title,
        params=params or {},
        status="queued",
        dispatch=0,
    )
    db.session.add(job)
    _dispatch(job)
    audit.record("job.create", job, summary=f"{kind}: {job.title}", actor=owner)
    return job


def _dispatch(job: BackgroundJob) -> None:
    job.dispatch += 1
    job.status = "queued"
    job.enqueued_at = utcnow()
    job.retry_at = None
    db.session.flush()
    rq_queue.enqueue_after_commit(db.session(), job.id, job.dispatch)


def retry_job(job: BackgroundJob, actor) -> None:
    """Run a failed job again from the start."""
    if job.status != "failed":
        raise ValueError("only a failed job can be retried")
    job.error = None
    job.failures = 0
    job.progress_done = 0
    job.message = ""
    _dispatch(job)
    audit.record("job.retry", job, summary=job.title, actor=actor)


def cancel_job(job: BackgroundJob, actor) -> None:
    """Cancel a job that has not finished; a running one stops at its next progress report."""
    if job.is_final:
        raise ValueError("the job has already finished")
    old_rq_id = job.rq_id
    job.status = "cancelled"
    job.finished_at = utcnow()
    job.dispatch += 1  # fences off any run still going
    rq_queue.cancel_rq_job(old_rq_id)
    audit.record("job.cancel", job, summary=job.title, actor=actor)


@dataclass
class JobContext:
    """What a handler gets: its parameters and a fenced way to report progress."""

    job_id: str
    dispatch: int
    params: dict
    owner_id: int | None
    _last_commit: float = field(default=0.0)

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record progress and commit the handler's work so far, if this run still holds the
        job. Inside `expecting_writes(False)` (a handler's long read phase on SQLite) the
        read transaction ends first and the progress row is written in a short writer
        transaction of its own, so the reading never holds the write lock."""
        values: dict = {"progress_done": done, "updated_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        if message is not None:
            values["message"] = message[:300]
        if writes_expected():
            self._write_progress(values)
            return
        db.session.commit()  # the read transaction wrote nothing
        with expecting_writes(True):
            self._write_progress(values)

    def _write_progress(self, values: dict) -> None:
        res = db.session.execute(
            update(BackgroundJob)
            .where(
                BackgroundJob.id == self.job_id,
                BackgroundJob.dispatch == self.dispatch,
                BackgroundJob.status == "running",
            )
            .values(**values)
        )
        if res.rowcount != 1:
            db.session.rollback()
            raise StaleDispatch(self.job_id)
        db.session.commit()


def claim(job_id: str, dispatch: int) -> BackgroundJob | None:
    """Mark the job running for this dispatch; None when the dispatch is stale."""
    res = db.session.execute(
        update(BackgroundJob)
        .where(
            BackgroundJob.id == job_id,
            BackgroundJob.dispatch == dispatch,
            BackgroundJob.status.in_(PENDING_STATUSES),
        )
        .values(status="running", started_at=utcnow(), updated_at=utcnow(), message="")
    )
    if res.rowcount != 1:
        db.session.rollback()
        return None
    db.session.commit()
    return db.session.get(BackgroundJob, job_id, populate_existing=True)


def finish(job_id: str, dispatch: int, status: str, **values) -> bool:
    """Fenced final write: True when this dispatch still held the job (caller commits)."""
    now = utcnow()
    values = {"status": status, "finished_at": now, "updated_at": now, **values}
    res = db.session.execute(
        update(BackgroundJob)
        .where(
            BackgroundJob.id == job_id,
            BackgroundJob.dispatch == dispatch,
            BackgroundJob.status == "running",
        )
        .values(**values)
    )
    if res.rowcount == 1 and status == "failed":
        _failed_for_good(job_id)
    return res.rowcount == 1


def backoff_seconds(failures: int) -> int:
    """Exponential backoff for transient failures: 10 s, 20 s, 40 s ... capped at 10 minutes."""
    return min(600, 10 * 2 ** max(0, failures - 1))


def schedule_retry(job_id: str, dispatch: int, error: str) -> bool:
    """After a transient failure: wait and retry, or fail when retries are used up."""
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    failures = job.failures + 1
    if failures >= current_app.config["JOB_MAX_DISPATCHES"]:
        return finish(job_id, dispatch, "failed", failures=failures, error=error)
    res = db.session.execute(
        update(BackgroundJob)
        .where(
            BackgroundJob.id == job_id,
            BackgroundJob.dispatch == dispatch,
            BackgroundJob.status == "running",
        )
        .values(
            status="retrying",
            failures=failures,
            error=error,
            retry_at=utcnow() + timedelta(seconds=backoff_seconds(failures)),
            updated_at=utcnow(),
        )
    )
    return res.rowcount == 1


# -- the sweeper ---------------------------------------------------------------------------


@dataclass
class SweepReport:
    redispatched: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    checked: int = 0
    repaired: dict[str, int] = field(default_factory=dict)  # per sweep hook


def _is_lost(job: BackgroundJob, now: datetime, lease: float) -> bool:
    """True when nothing will ever run this dispatch unless we dispatch it again."""
    if job.status == "retrying":
        return as_utc(job.retry_at) is None or as_utc(job.retry_at) <= now
    if rq_queue.alive_dispatch(job.id) == job.dispatch:
        return False  # a worker is running it right now
    since = as_utc(job.started_at if job.status == "running" else job.enqueued_at) or now
    if now - since < timedelta(seconds=lease):
        return False  # too young to judge: it may be just starting
    if job.status == "running":
        return True  # no heartbeat for a whole lease: the worker died
    # queued: fine while RQ still holds it waiting; lost if Redis forgot it or it died.
    status = rq_queue.rq_status(job.rq_id)
    if status == "started":  # a worker took it and is about to claim it: a longer grace
        return now - since >= timedelta(seconds=2 * lease)
    return status not in ("queued", "deferred", "scheduled")


def sweep_stuck_jobs(now: datetime | None = None, limit: int = 500) -> SweepReport:
    """Dispatch again every pending job that Redis lost or whose worker died, then let each
    feature repair rows whose job is gone (SWEEP_HOOKS); the caller commits."""
    now = now or utcnow()
    cfg = current_app.config
    report = SweepReport()
    jobs = db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.status.in_(PENDING_STATUSES))
        .order_by(BackgroundJob.updated_at)
        .limit(limit)
        .execution_options(populate_existing=True)  # judge today's row, not a cached one
    ).all()
    for job in jobs:
        report.checked += 1
        if not _is_lost(job, now, cfg["JOB_LEASE_SECONDS"]):
            continue
        seen_dispatch, seen_status = job.dispatch, job.status
        rq_queue.cancel_rq_job(job.rq_id)
        if job.dispatch >= cfg["JOB_MAX_DISPATCHES"]:
            values = {"status": "failed", "finished_at": now, "error": "worker lost repeatedly"}
            report.gave_up.append(job.id)
        else:
            values = {"status": "queued", "dispatch": seen_dispatch + 1, "enqueued_at": now}
            report.redispatched.append(job.id)
        res = db.session.execute(
            update(BackgroundJob)
            .where(
                BackgroundJob.id == job.id,
                BackgroundJob.dispatch == seen_dispatch,
                BackgroundJob.status == seen_status,
            )
            .values(updated_at=now, **values)
        )
        if res.rowcount != 1:  # it moved on by itself meanwhile
            for bucket in (report.redispatched, report.gave_up):
                if job.id in bucket:
                    bucket.remove(job.id)
            continue
        if values["status"] == "queued":
            rq_queue.enqueue_after_commit(db.session(), job.id, seen_dispatch + 1)
            log.warning("job %s (%s) re-dispatched as %d", job.id, job.kind, seen_dispatch + 1)
        else:
            _failed_for_good(job.id)
    for name, hook in SWEEP_HOOKS.items():
        report.repaired[name] = hook(now)
    if report.redispatched or report.gave_up:
        audit.record(
            "job.sweep",
            entity_type="background_job",
            summary=f"re-dispatched {len(report.redispatched)}, gave up {len(report.gave_up)}",
            after={"redispatched": report.redispatched, "gave_up": report.gave_up},
        )
    return report


from crm.jobs.scheduler import periodic  # noqa: E402 - registry lives beside the scheduler


@periodic("jobs.sweep", every=lambda cfg: cfg["SWEEP_EVERY_SECONDS"])
def periodic_sweep() -> None:
    """Every SWEEP_EVERY_SECONDS, on one worker machine only."""
    sweep_stuck_jobs()


def job_for_import(kind: str, user_id: int, import_id: str) -> BackgroundJob | None:
    """The job an import's confirm already made (a second click on confirm), if any: the
    user's latest jobs of that kind whose ticket carries this import id."""
    jobs = db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.kind == kind, BackgroundJob.owner_id == user_id)
        .order_by(BackgroundJob.created_at.desc())
        .limit(50)
    )
    for job in jobs:
        if (job.params or {}).get("ticket", {}).get("import_id") == import_id:
            return job
    return None


def import_owner(ctx: JobContext, ticket_user_id: int):
    """The user an import job writes for: its owner, still active and the ticket's own."""
    actor = db.session.get(User, ctx.owner_id) if ctx.owner_id else None
    if actor is None or not actor.active or actor.id != ticket_user_id:
        raise PermissionError(_("Pemilik impor ini tidak ada atau tidak aktif lagi."))
    return actor


def run_ticket_import(ctx: JobContext, ticket, run_import: Callable):
    """The body of an import job: check the stored upload again (reporting progress) and
    write all its rows; the write is one more step, committed together with "done".
    Returns run_import's outcome."""
    actor = import_owner(ctx, ticket.user_id)

    def progress(done: int, total: int) -> None:
        message = (
            _("%(n)d baris valid; disimpan sekaligus.", n=total)
            if done == total
            else _("Memeriksa baris…")
        )
        ctx.progress(done, total + 1, message)

    ctx.progress(0, ticket.rows + 1, _("Memeriksa baris…"))
    return run_import(ticket, actor, progress)
