"""Background jobs of the accounts area: large imports and long list exports."""

from __future__ import annotations

from flask_babel import gettext as _

from crm import storage
from crm.accounts.imports import runs
from crm.accounts.imports.export import account_export
from crm.accounts.services import AccountFilters
from crm.auth.models import User
from crm.extensions import db
from crm.jobs.services import JobContext, job_handler


@job_handler(runs.JOB_KIND, title="Impor akun / key person")
def import_file(ctx: JobContext) -> dict:
    """Check the stored upload again and write all its rows in the transaction that marks
    the job done, or none: a failed or re-dispatched run leaves nothing behind, and a
    ticket already imported is not written twice."""
    ticket = runs.Ticket(**ctx.params["ticket"])
    actor = db.session.get(User, ctx.owner_id) if ctx.owner_id else None
    if actor is None or not actor.active or actor.id != ticket.user_id:
        raise PermissionError(_("Pemilik impor ini tidak ada atau tidak aktif lagi."))

    def progress(done: int, total: int) -> None:
        # The write is one more step after the check; it commits together with "done".
        message = (
            _("%(n)d baris valid; disimpan sekaligus.", n=total)
            if done == total
            else _("Memeriksa baris…")
        )
        ctx.progress(done, total + 1, message)

    ctx.progress(0, ticket.rows + 1, _("Memeriksa baris…"))
    outcome = runs.run_import(ticket, actor, progress)
    return {
        "kind": ticket.kind,
        "filename": ticket.filename,
        "import_id": ticket.import_id,
        "created": outcome.created,
        "already": outcome.already,
    }


@job_handler("accounts.export", title="Ekspor daftar akun")
def export_accounts(ctx: JobContext) -> dict:
    """Write the filtered account list to the file store (same bytes, same key)."""
    filters = AccountFilters(**ctx.params["filters"])
    fmt = ctx.params["format"]
    out = account_export(filters, fmt, lambda done, total: ctx.progress(done, total))
    ctx.progress(out.rows, out.rows, _("%(n)d akun ditulis.", n=out.rows))
    key = storage.put_bytes(out.data)
    return {"file": key, "filename": out.filename, "mimetype": out.mimetype, "rows": out.rows}
