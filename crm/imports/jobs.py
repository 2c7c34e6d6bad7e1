"""The job that writes a large import, registered under each import kind's job kind."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask_babel import gettext as _

from crm.extensions import db
from crm.imports.registry import KINDS
from crm.imports.runs import run_import
from crm.imports.tickets import ticket_from_params
from crm.jobs.models import BackgroundJob
from crm.jobs.services import HANDLERS, JobContext, job_handler


def register_job_kind(job_kind: str, title: str) -> None:
    """Make `job_kind` run the import job (once, however many import kinds share it)."""
    if job_kind not in HANDLERS:
        job_handler(job_kind, title=title)(partial(import_job, job_kind))


def import_owner(ctx: JobContext, ticket_user_id: int) -> Any:
    """The user an import job writes for: its owner, still active and the ticket's own."""
    job = db.session.get(BackgroundJob, ctx.job_id)
    actor = job.owner if job is not None else None
    if actor is None or not actor.active or actor.id != ticket_user_id:
        raise PermissionError(_("Pemilik impor ini tidak ada atau tidak aktif lagi."))
    return actor


def import_job(job_kind: str, ctx: JobContext) -> dict:
    """Check the stored upload again (reporting progress, outside the write lock) and write
    all its rows in the transaction that marks the job done, or none: a failed or
    re-dispatched run leaves nothing behind, and a ticket already imported is not written
    twice."""
    ticket = ticket_from_params(ctx.params["ticket"], job_kind)
    kind = KINDS[ticket.kind]
    actor = import_owner(ctx, ticket.user_id)

    def progress(done: int, total: int) -> None:
        message = (
            _("%(n)d baris valid; disimpan sekaligus.", n=total)
            if done == total
            else _("Memeriksa baris…")
        )
        ctx.progress(done, total + 1, message)

    ctx.progress(0, ticket.rows + 1, _("Memeriksa baris…"))
    outcome = run_import(ticket, actor, progress, in_job=True)
    result = {
        "kind": ticket.kind,
        "filename": ticket.filename,
        "import_id": ticket.import_id,
        "created": outcome.created,
        "updated": outcome.updated,
        "already": outcome.already,
    }
    if ticket.scope_id is not None:
        result[kind.urls.scope_arg or "scope_id"] = ticket.scope_id
        # where the job page links once done (a local path; see crm.jobs.views.result_link)
        result["link"] = kind.url("done", _Scope(ticket.scope_id))
    return result


class _Scope:
    """Just an id: enough to build the scope's URLs without loading it again."""

    def __init__(self, scope_id: int) -> None:
        self.id = scope_id
