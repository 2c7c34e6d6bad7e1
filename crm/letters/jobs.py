"""Background rendering of approved letters: one tracked job per approval (or per batch)
renders each letter, freezes its PDF in the file store and issues it.

The renderer (WeasyPrint) is imported lazily: web processes never pay for it, and a
`flask worker` warms it up once in the parent before forking work horses (see
`warm_worker`), so every horse inherits a warm renderer.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from crm import audit, storage
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.jobs.models import PENDING_STATUSES, BackgroundJob
from crm.jobs.services import (
    JobContext,
    TransientJobError,
    create_job,
    job_handler,
    sweep_hook,
)
from crm.letters.context import letter_context
from crm.letters.hooks import run_issued_hooks
from crm.letters.models import Letter, LetterEvent
from crm.letters.render import RenderError, RenderTimeout, render_letter, warm_up

log = logging.getLogger(__name__)

RENDER_KIND = "letters.render"
ISSUED_FIELDS = ("status", "render_status", "pdf_sha256", "pdf_pages", "issued_at")


def start_render(letter_ids: list[int], owner) -> BackgroundJob:
    """One tracked job that renders and issues these approved letters (caller commits; the
    job reaches Redis only after that commit)."""
    ids = list(dict.fromkeys(int(i) for i in letter_ids))  # order kept, duplicates dropped
    if not ids:
        raise ValueError("no letters to render")
    title = _("Render surat (%(n)d)", n=len(ids)) if len(ids) > 1 else _("Render surat")
    job = create_job(RENDER_KIND, owner=owner, params={"letter_ids": ids}, title=title)
    letters = db.session.scalars(select(Letter).where(Letter.id.in_(ids))).all()
    for letter in letters:
        if letter.status == "approved" and not letter.pdf_key:
            letter.render_status = "queued"
            letter.render_error = ""
            letter.render_job_id = job.id
    db.session.flush()
    return job


@dataclass
class RenderOutcome:
    issued: int = 0
    failed: int = 0
    skipped: int = 0

    def as_result(self) -> dict:
        return {"issued": self.issued, "failed": self.failed, "skipped": self.skipped}


def letters_in_hand_failed(job: BackgroundJob) -> None:
    """The render job failed for good (retries used up, worker lost repeatedly): its letters
    not yet issued say so, with the reason, and the letter page offers "Render ulang"."""
    reason = (job.error or _("Pembuatan PDF gagal.")).strip()
    letters = db.session.scalars(
        select(Letter).where(
            Letter.render_job_id == job.id,
            Letter.status == "approved",
            Letter.pdf_key.is_(None),
            Letter.render_status.in_(("queued", "rendering")),
        )
    ).all()
    for letter in letters:
        _mark_failed(letter.id, reason)


@job_handler(RENDER_KIND, title="Render surat (PDF)", on_failed=letters_in_hand_failed)
def render_letters(ctx: JobContext) -> dict:
    """Render each letter and issue it, committing letter by letter together with the
    (fenced) progress: a crash loses at most the letter in hand, and a re-run skips the
    letters already issued, so no letter ever gets a second file. The totals count every
    dispatch of the job: a letter this job issued before a restart counts as issued."""
    ids = [int(i) for i in ctx.params["letter_ids"]]
    total = len(ids)
    outcome = RenderOutcome()
    for done, letter_id in enumerate(ids):
        result = render_one(ctx, letter_id, done, total)
        setattr(outcome, result, getattr(outcome, result) + 1)
        ctx.progress(done + 1, total, _progress_message(outcome))
    return outcome.as_result()


def _progress_message(o: RenderOutcome) -> str:
    return _(
        "%(issued)d terbit, %(failed)d gagal, %(skipped)d dilewati",
        issued=o.issued,
        failed=o.failed,
        skipped=o.skipped,
    )


def _renderable(letter: Letter | None, job_id: str) -> bool:
    """Approved, not issued, and not handed to a newer render job."""
    if letter is None or letter.status != "approved" or letter.pdf_key:
        return False
    return letter.render_job_id in (None, job_id)


def render_one(ctx: JobContext, letter_id: int, done: int, total: int) -> str:
    """Render and issue one letter: "issued", "failed" or "skipped"."""
    letter = db.session.get(Letter, letter_id, populate_existing=True)
    if letter is not None and letter.pdf_key and letter.render_job_id == ctx.job_id:
        return "issued"  # by an earlier dispatch of this same job
    if not _renderable(letter, ctx.job_id):
        return "skipped"
    letter.render_status = "rendering"
    letter.render_job_id = ctx.job_id
    label = letter.number or str(letter.id)
    try:
        context = letter_context(letter)
        # This (fenced) commit shows the letter in hand and ends the transaction: the render,
        # the slow part, runs holding no database lock (on SQLite every transaction takes
        # the write lock, and a render inside one would make every other writer wait).
        ctx.progress(done, total, _("Merender %(n)s", n=label))
        pdf = render_letter(context)
        _issue(letter_id, pdf)
    except RenderSkipped:
        db.session.rollback()
        return "skipped"
    except (RenderError, RenderTimeout, ValueError, TypeError) as exc:
        # This letter cannot be rendered (its data or the engine refuses it; the renderer
        # raises ValueError/TypeError for an incomplete context): the others go on.
        db.session.rollback()
        _mark_failed(letter_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    except (OSError, OperationalError) as exc:
        # A full disk, a lost file share, a locked or unreachable database: worth retrying
        # later; the letters issued so far are committed and will be skipped.
        db.session.rollback()
        raise TransientJobError(f"{type(exc).__name__}: {exc}") from exc
    return "issued"


def pdf_page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _issue(letter_id: int, pdf: bytes) -> None:
    """Freeze the PDF and issue the letter, only if nobody issued it meanwhile. The file is
    written and checked before the (short) transaction starts."""
    key = storage.put_bytes(pdf)
    sha = hashlib.sha256(pdf).hexdigest()
    pages = pdf_page_count(pdf)
    res = db.session.execute(
        update(Letter)
        .where(Letter.id == letter_id, Letter.status == "approved", Letter.pdf_key.is_(None))
        .values(
            pdf_key=key,
            pdf_sha256=sha,
            pdf_pages=pages,
            issued_at=utcnow(),
            status="issued",
            render_status="done",
            render_error="",
        )
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        raise RenderSkipped(letter_id)
    letter = db.session.get(Letter, letter_id, populate_existing=True)
    db.session.add(LetterEvent(letter_id=letter.id, kind="issued", actor_id=None))
    audit.record(
        "letter.issued",
        letter,
        summary=_("Surat %(number)s terbit", number=letter.number or letter.id),
        after=audit.snapshot(letter, ISSUED_FIELDS),
        actor=None,
    )
    run_issued_hooks(letter)  # a case letter starts its stage clock (crm.cases.letters)


class RenderSkipped(Exception):
    """Someone else issued the letter between our check and our write."""


def _mark_failed(letter_id: int, reason: str) -> None:
    letter = db.session.get(Letter, letter_id, populate_existing=True)
    letter.render_status = "failed"
    letter.render_error = reason[:2000]
    db.session.add(LetterEvent(letter_id=letter.id, kind="render_failed", note=reason[:2000]))
    audit.record(
        "letter.render_failed",
        letter,
        summary=_("Render surat %(number)s gagal", number=letter.number or letter.id),
        after={"render_error": reason[:500]},
        actor=None,
    )
    log.warning("letter %s failed to render: %s", letter_id, reason)


# -- the sweeper's repair: approved letters that no job will render ---------------------------


@sweep_hook("letters.stranded")
def requeue_stranded_letters(now: datetime, limit: int = 2000) -> int:
    """Approved, unrendered letters whose render job is gone (never created, lost with a
    crash between two commits, finished without them) get a new job, one per approver; those
    whose job failed for good are marked failed. Returns how many letters were dealt with."""
    grace = now - timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    live_jobs = select(BackgroundJob.id).where(BackgroundJob.status.in_(PENDING_STATUSES))
    letters = db.session.scalars(
        select(Letter)
        .where(
            Letter.status == "approved",
            Letter.pdf_key.is_(None),
            Letter.render_status.in_(("queued", "rendering")),
            or_(Letter.render_job_id.is_(None), Letter.render_job_id.not_in(live_jobs)),
            or_(Letter.approved_at.is_(None), Letter.approved_at <= grace),
        )
        .order_by(Letter.id)
        .limit(limit)
    ).all()
    failed_jobs = {
        j.id: j
        for j in db.session.scalars(
            select(BackgroundJob).where(
                BackgroundJob.id.in_({x.render_job_id for x in letters if x.render_job_id}),
                BackgroundJob.status == "failed",
            )
        )
    }
    by_approver: dict[int | None, list[int]] = {}
    for letter in letters:
        job = failed_jobs.get(letter.render_job_id)
        if job is not None:
            _mark_failed(letter.id, (job.error or _("Pembuatan PDF gagal.")).strip())
        else:
            by_approver.setdefault(letter.approved_by_id, []).append(letter.id)
    for approver_id, ids in by_approver.items():
        owner = db.session.get(User, approver_id) if approver_id else None
        for start in range(0, len(ids), 500):
            start_render(ids[start : start + 500], owner)
        log.warning("%d approved letters had no render job; queued again", len(ids))
    return len(letters)


# -- the worker ---------------------------------------------------------------------------------


def warm_worker() -> float:
    """Warm the renderer in the worker parent before it forks work horses (seconds taken).

    Each horse is a fork of the parent, so it inherits the imported WeasyPrint, the parsed
    stylesheet and the font configuration (copy-on-write) instead of paying 1-1.5 s for
    them per job; a crashing job still kills only its own horse. Never fatal: a worker
    without a warm renderer is only slower."""
    started = time.perf_counter()
    try:
        import pypdf  # noqa: F401 - page counts; 0.1 s per horse otherwise

        warm_up()
    except Exception:
        log.warning("letter renderer warm-up failed; horses will warm up per job", exc_info=True)
    # Everything loaded so far lives as long as the worker: move it out of the cyclic GC's
    # reach, so a horse's collections neither walk the inherited heap nor copy its pages.
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started


from crm.letters import bulk  # noqa: E402,F401 - registers the batch jobs in the worker too
