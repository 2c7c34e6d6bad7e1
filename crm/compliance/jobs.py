"""Background jobs of the compliance area: large monthly imports."""

from __future__ import annotations

from crm.compliance import import_runs
from crm.jobs.services import JobContext, job_handler, run_ticket_import


@job_handler(import_runs.JOB_KIND, title="Impor data kepatuhan")
def import_file(ctx: JobContext) -> dict:
    """Check the stored upload again (outside the write lock) and upsert all its rows in the
    transaction that marks the job done, or none; a ticket already imported is not written
    twice. The cases it touches are refreshed by a follow-up job (crm.cases.jobs)."""
    ticket = import_runs.Ticket(**ctx.params["ticket"])
    outcome = run_ticket_import(
        ctx,
        ticket,
        lambda t, actor, progress: import_runs.run_import(t, actor, progress, cases_later=True),
    )
    return {
        "filename": ticket.filename,
        "import_id": outcome.import_id,
        "created": outcome.created,
        "updated": outcome.updated,
        "already": outcome.already,
    }
