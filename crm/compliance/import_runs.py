"""A compliance import run: the dry run, the signed ticket from preview to confirm, and
the all-or-nothing upsert written once per ticket (the ComplianceImport row is the proof).

The ticket and rejection types are the accounts import's (crm.accounts.imports.runs); only
the salt, the kind and the write differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from crm import audit, storage
from crm.accounts.imports.common import Progress
from crm.accounts.imports.runs import ImportRejected, Ticket, new_ticket
from crm.accounts.imports.tabular import read_table
from crm.auth.models import User
from crm.cases.services import after_compliance_import
from crm.compliance.import_rows import COLUMNS, ComplianceCheck, check_periods
from crm.compliance.import_rows import write_periods as _write
from crm.compliance.models import ComplianceImport
from crm.compliance.services import today_local
from crm.db import read_phase
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.jobs.services import create_job

KIND = "compliance"
JOB_KIND = "compliance.import"
AFTER_IMPORT_JOB = "cases.after_compliance_import"  # crm.cases.jobs
TICKET_SALT = "compliance-import"
TICKET_MAX_AGE = 2 * 24 * 3600
IMPORT_ROLES = ("admin", "supervisor")

__all__ = ["ImportRejected", "Ticket"]


@dataclass
class Outcome:
    import_id: int
    created: int
    updated: int
    already: bool = False  # this ticket had been imported before: nothing new was written


def dry_run(data: bytes, filename: str, progress: Progress | None = None) -> ComplianceCheck:
    """Read and check a file without writing anything; UploadError when it is unreadable."""
    table = read_table(data, filename, COLUMNS, current_app.config["COMPLIANCE_IMPORT_MAX_ROWS"])
    return check_periods(table, today_local(), progress)


def make_ticket(data: bytes, filename: str, rows: int, actor: User) -> Ticket:
    return new_ticket(KIND, data, filename, rows, actor)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def sign_ticket(ticket: Ticket) -> str:
    return _serializer().dumps(asdict(ticket))


def read_ticket(token: str, actor: User) -> Ticket | None:
    """The ticket, if the signature holds, it is this user's, and its file is still stored."""
    try:
        ticket = Ticket(**_serializer().loads(token or "", max_age=TICKET_MAX_AGE))
    except (BadSignature, TypeError):
        return None
    if ticket.user_id != actor.id or ticket.kind != KIND or not storage.exists(ticket.file):
        return None
    return ticket


def previous_run(key: str) -> ComplianceImport | None:
    return db.session.scalar(select(ComplianceImport).where(ComplianceImport.key == key))


def _outcome(run: ComplianceImport) -> Outcome:
    return Outcome(run.id, run.created_count, run.updated_count, already=True)


def run_import(
    ticket: Ticket,
    actor: User,
    progress: Progress | None = None,
    cases_later: bool = False,
) -> Outcome:
    """Check the stored file again and upsert every row or none (caller commits). Running
    a ticket twice writes once; ImportRejected when any row is invalid by now.

    The check only reads: on SQLite it runs outside the write lock (a job's progress
    reports end each read transaction). The cases it touches are refreshed in the same
    transaction as the rows, or, with `cases_later` (a large import's job), by a follow-up
    job created in that transaction, so the write lock is held for the rows alone."""
    if actor.role not in IMPORT_ROLES:
        raise PermissionError(_("Hanya supervisor atau admin yang dapat mengimpor data kepatuhan."))
    with read_phase(db.session):
        done = previous_run(ticket.import_id)
        if done is not None:
            return _outcome(done)
        check = dry_run(storage.read_bytes(ticket.file), ticket.filename, progress)
    if not check.ok:
        raise ImportRejected(check)
    if progress:
        progress(check.total, check.total)  # the last report: a job commits nothing after it
    # One import of a user at a time (a row lock on PostgreSQL): a double submit finds the
    # first one's run row here instead of writing the file twice.
    db.session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    done = previous_run(ticket.import_id)
    if done is not None:
        return _outcome(done)
    run = ComplianceImport(
        key=ticket.import_id,
        actor_id=actor.id,
        actor_label=actor.email,
        filename=ticket.filename,
        file_key=ticket.file,
        period_first=check.periods[0],
        period_last=check.periods[-1],
        rows=check.total,
    )
    db.session.add(run)
    db.session.flush()
    run.created_count, run.updated_count = _write(check.rows, run.id)
    if cases_later:
        create_job(AFTER_IMPORT_JOB, owner=actor, params={"run_id": run.id})
    else:  # same transaction: a case closes because this import shows its arrears paid
        after_compliance_import(run)
    audit.record(
        "compliance.import",
        run,
        summary=_(
            "%(n)d bulan kepatuhan diimpor dari %(file)s (%(new)d baru, %(upd)d diperbarui)",
            n=check.total,
            file=ticket.filename,
            new=run.created_count,
            upd=run.updated_count,
        ),
        after={
            "file": ticket.file,
            "filename": ticket.filename,
            "periods": [p.isoformat()[:7] for p in check.periods],
            "rows": check.total,
            "created": run.created_count,
            "updated": run.updated_count,
            "with_unpaid": check.with_unpaid,
        },
        actor=actor,
    )
    return Outcome(run.id, run.created_count, run.updated_count)


def queued_job(ticket: Ticket) -> BackgroundJob | None:
    """The job already made for this ticket (a second click on confirm), if any."""
    from crm.jobs.services import job_for_import

    return job_for_import(JOB_KIND, ticket.user_id, ticket.import_id)
