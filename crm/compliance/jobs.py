"""Background jobs of the compliance area: large monthly imports."""

from __future__ import annotations

from flask_babel import gettext as _

from crm.auth.models import User
from crm.compliance import import_runs
from crm.extensions import db
from crm.jobs.services import JobContext, job_handler


@job_handler(import_runs.JOB_KIND, title="Impor data kepatuhan")
def import_file(ctx: JobContext) -> dict:
    """Check the stored upload again and upsert all its rows in the transaction that marks
    the job done, or none; a ticket already imported is not written twice."""
    ticket = import_runs.Ticket(**ctx.params["ticket"])
    actor = db.session.get(User, ctx.owner_id) if ctx.owner_id else None
    if actor is None or not actor.active or actor.id != ticket.user_id:
        raise PermissionError(_("Pemilik impor ini tidak ada atau tidak aktif lagi."))

    def progress(done: int, total: int) -> None:
        message = (
            _("%(n)d baris valid; disimpan sekaligus.", n=total)
            if done == total
            else _("Memeriksa baris…")
        )
        ctx.progress(done, total + 1, message)

    ctx.progress(0, ticket.rows + 1, _("Memeriksa baris…"))
    outcome = import_runs.run_import(ticket, actor, progress)
    return {
        "filename": ticket.filename,
        "import_id": outcome.import_id,
        "created": outcome.created,
        "updated": outcome.updated,
        "already": outcome.already,
    }
