"""Background jobs of the accounts area: long list exports (imports run crm.imports.jobs)."""

from __future__ import annotations

from flask_babel import gettext as _

from crm import storage
from crm.accounts.imports import kinds  # noqa: F401 - registers the import kinds and their job
from crm.accounts.imports.export import account_export
from crm.accounts.services import AccountFilters
from crm.jobs.services import JobContext, job_handler


@job_handler("accounts.export", title="Ekspor daftar akun")
def export_accounts(ctx: JobContext) -> dict:
    """Write the filtered account list to the file store (same bytes, same key)."""
    filters = AccountFilters(**ctx.params["filters"])
    fmt = ctx.params["format"]
    out = account_export(filters, fmt, lambda done, total: ctx.progress(done, total))
    ctx.progress(out.rows, out.rows, _("%(n)d akun ditulis.", n=out.rows))
    key = storage.put_bytes(out.data)
    return {"file": key, "filename": out.filename, "mimetype": out.mimetype, "rows": out.rows}
