"""Background jobs of the accounts area: large imports and long list exports."""

from __future__ import annotations

from flask_babel import gettext as _

from crm import storage
from crm.accounts.imports import runs
from crm.accounts.imports.export import account_export
from crm.accounts.services import AccountFilters
from crm.jobs.services import JobContext, job_handler, run_ticket_import


@job_handler(runs.JOB_KIND, title="Impor akun / key person")
def import_file(ctx: JobContext) -> dict:
    """Check the stored upload again and write all its rows in the transaction that marks
    the job done, or none: a failed or re-dispatched run leaves nothing behind, and a
    ticket already imported is not written twice."""
    ticket = runs.Ticket(**ctx.params["ticket"])
    outcome = run_ticket_import(ctx, ticket, runs.run_import)
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
