"""An import run: the dry run, and the all-or-nothing write done once per ticket."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit, storage
from crm.audit import AuditLog
from crm.db import read_phase
from crm.extensions import db
from crm.imports.checks import Check, Progress
from crm.imports.registry import KINDS, ImportKind, Outcome, Run
from crm.imports.tabular import read_table
from crm.imports.tickets import Ticket, previous_run
from crm.services import ServiceError


class ImportRejected(Exception):
    """A row is (now) invalid: nothing was written. Carries the dry run for the preview."""

    def __init__(self, check: Check) -> None:
        self.check = check
        lines = [
            _(
                "Baris %(line)d, %(column)s: %(message)s",
                line=i.line,
                column=i.column or "-",
                message=i.message,
            )
            for i in check.errors[:10]
        ]
        head = _("%(n)d baris tidak valid; tidak ada yang disimpan.", n=len(check.bad_lines))
        super().__init__("\n".join([head, *lines]))


def dry_run(
    kind: ImportKind, data: bytes, filename: str, run: Run, progress: Progress | None = None
) -> Check:
    """Read and check a file without writing anything; UploadError when it is unreadable."""
    table = read_table(data, filename, kind.columns, kind.limit("rows"))
    return kind.check(table, run, progress)


def scope_of(kind: ImportKind, scope_id: int | None) -> Any:
    """The scope a ticket names (parent account, sponsorship), still there; else refused."""
    if kind.load_scope is None:
        return None
    scope = kind.load_scope(scope_id) if scope_id is not None else None
    if scope is None:
        raise ServiceError(_("Data tujuan impor ini tidak ada lagi."))
    return scope


def _outcome(row: AuditLog) -> Outcome:
    after = row.after or {}
    ids = list(after.get("ids") or [])
    created = int(after.get("created", after.get("count", len(ids))))
    return Outcome(created, int(after.get("updated", 0)), ids, already=True, after=after)


def run_import(
    ticket: Ticket, actor: Any, progress: Progress | None = None, in_job: bool = False
) -> Outcome:
    """Check the stored file again and write every row or none (caller commits). Running a
    ticket twice writes once; ImportRejected when any row is invalid by now."""
    kind = KINDS[ticket.kind]
    run = Run(kind, actor, scope_of(kind, ticket.scope_id), ticket.import_id)
    run.filename, run.file, run.in_job = ticket.filename, ticket.file, in_job
    if kind.authorize is not None:
        kind.authorize(run)
    with read_phase(db.session):  # the check only reads: no write lock while it runs
        done = previous_run(kind, ticket.import_id)
        if done is not None:
            return _outcome(done)
        check = dry_run(kind, storage.read_bytes(ticket.file), ticket.filename, run, progress)
    if not check.ok:
        raise ImportRejected(check)
    if progress:
        progress(check.total, check.total)  # the last report: a job commits nothing after it
    # Imports of one user run one at a time (a row lock on PostgreSQL), so a double submit
    # finds the first one's summary row here instead of writing the file twice.
    users = db.metadata.tables["user"]  # by table: the core pipeline imports no feature model
    db.session.execute(select(users.c.id).where(users.c.id == actor.id).with_for_update())
    done = previous_run(kind, ticket.import_id)
    if done is not None:
        return _outcome(done)
    outcome = kind.write(check, run)
    _record(kind, ticket, check, outcome, actor)
    return outcome


def _record(kind: ImportKind, ticket: Ticket, check: Check, outcome: Outcome, actor: Any) -> None:
    """The summary audit row, keyed by the ticket's import id."""
    after = {
        "kind": kind.name,
        "file": ticket.file,
        "filename": ticket.filename,
        "rows": check.total,
        "created": outcome.created,
        "updated": outcome.updated,
        "count": outcome.created,
        "changes": len(check.changes),
        **({"ids": outcome.ids} if outcome.ids else {}),
        **outcome.after,
    }
    if ticket.scope_id is not None:
        after.setdefault("scope_id", ticket.scope_id)
    summary = outcome.summary or _(
        "%(n)d baris diimpor dari %(file)s", n=outcome.created, file=ticket.filename
    )
    audit.record(
        kind.audit_action,
        entity_type=kind.audit_entity,
        entity_id=ticket.import_id,
        summary=summary,
        after=after,
        actor=actor,
    )
