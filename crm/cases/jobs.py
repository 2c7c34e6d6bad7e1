"""Background work of the cases area: the daily refresh of suggested cases and of the
arrears stored on open cases, and long XLSX exports of the board."""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select

from crm import storage
from crm.auth.models import User
from crm.cases import board
from crm.cases.export import case_export
from crm.cases.models import EscalationCase
from crm.cases.services import auto_close_paid, touched_open_cases
from crm.cases.stored_arrears import refresh_case_arrears
from crm.cases.suggestions import refresh_suggestions, store_suggestions, suggestion_rows
from crm.compliance.models import ComplianceImport
from crm.compliance.services import today_local
from crm.db import read_phase
from crm.extensions import db
from crm.imports.checks import chunked
from crm.jobs.scheduler import periodic
from crm.jobs.services import JobContext, job_handler

log = logging.getLogger(__name__)
DAY = 24 * 3600
JAKARTA_00_30 = 17 * 3600 + 1800  # 00:30 WIB is 17:30 UTC the day before
JAKARTA_01_00 = 18 * 3600  # 01:00 WIB is 18:00 UTC the day before
EXPORT_KIND = "cases.export"
AFTER_IMPORT_KIND = "cases.after_compliance_import"
DAILY_CHUNK = 1000  # open cases refreshed per transaction by the daily task


@periodic(
    "cases.suggestions",
    every=lambda cfg: cfg.get("CASE_SUGGESTIONS_EVERY_SECONDS", DAY),
    offset_seconds=JAKARTA_01_00,
)
def daily_suggestions() -> None:
    """Rebuild the suggested cases (the scheduler commits)."""
    log.info("case suggestions refreshed: %d accounts", refresh_suggestions())


@periodic(
    "cases.arrears",
    every=lambda cfg: cfg.get("CASE_ARREARS_EVERY_SECONDS", DAY),
    offset_seconds=JAKARTA_00_30,
)
def daily_case_arrears() -> None:
    """Recompute the arrears of every open case as of today: fines grow with time even
    when no import comes. Committed every DAILY_CHUNK cases, so a 20,000-case run never
    holds SQLite's write lock for more than a moment (a re-run simply recomputes)."""
    today = today_local()
    ids = list(
        db.session.scalars(
            select(EscalationCase.id)
            .where(EscalationCase.status == "open")
            .order_by(EscalationCase.id)
        )
    )
    db.session.commit()
    done = 0
    for chunk in chunked(ids, DAILY_CHUNK):
        done += refresh_case_arrears(chunk, today)
        db.session.commit()
    log.info("case arrears refreshed: %d open cases", done)


@job_handler(EXPORT_KIND, title="Ekspor kasus eskalasi")
def export_cases(ctx: JobContext) -> dict:
    """Write the board's filtered open cases to the file store, with the access of the
    user who asked (an RM exports only the cases they own)."""
    user = db.session.get(User, ctx.owner_id) if ctx.owner_id else None
    if user is None or not user.active or user.role not in board.BOARD_ROLES:
        raise PermissionError(_("Pemilik ekspor ini tidak ada atau tidak aktif lagi."))
    filters = board.CaseFilters.from_params(ctx.params.get("filters") or {})
    out = case_export(filters, user, today_local(), lambda done, total: ctx.progress(done, total))
    ctx.progress(out.rows, out.rows, _("%(n)d kasus ditulis.", n=out.rows))
    key = storage.put_bytes(out.data)
    return {"file": key, "filename": out.filename, "mimetype": out.mimetype, "rows": out.rows}


@job_handler(AFTER_IMPORT_KIND, title="Perbarui kasus setelah impor kepatuhan")
def after_compliance_import_job(ctx: JobContext) -> dict:
    """What a large compliance import changes on the cases, after its rows are committed
    (the import job creates this job in its own writing transaction, so it is never lost):
    the touched open cases' stored arrears are refreshed and the paid ones closed, in
    batches of DAILY_CHUNK committed one by one, then the suggestions are rebuilt, computed
    outside the write lock. Each step is idempotent: a re-run after a crash finds the closed
    cases closed and the refreshed figures the same."""
    run_id = int(ctx.params["run_id"])
    today = today_local()
    with read_phase(db.session):
        case_ids = touched_open_cases(db.session.get(ComplianceImport, run_id))
    total = len(case_ids) + 1
    ctx.progress(0, total, _("Memperbarui %(n)d kasus…", n=len(case_ids)))
    closed = 0
    for done, batch in enumerate(chunked(case_ids, DAILY_CHUNK), start=1):
        run = db.session.get(ComplianceImport, run_id)
        closed += len(auto_close_paid(run, today, case_ids=batch))
        ctx.progress(min(done * DAILY_CHUNK, len(case_ids)), total)  # commits the batch
    with read_phase(db.session):
        rows = suggestion_rows(today)
    ctx.progress(len(case_ids), total, _("Memperbarui saran kasus…"))
    suggested = store_suggestions(rows)  # committed with "done" by the runner
    return {"import_id": run_id, "cases": len(case_ids), "closed": closed, "suggested": suggested}
