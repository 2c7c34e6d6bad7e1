"""An import run: the dry run of an upload, the signed ticket that carries the stored file
from the preview to the confirm step, and the all-or-nothing write done once per ticket."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from crm import audit, storage
from crm.accounts.imports.account_rows import check_accounts, write_accounts
from crm.accounts.imports.columns import COLUMNS
from crm.accounts.imports.common import Check, Progress
from crm.accounts.imports.people_rows import check_people, write_people
from crm.accounts.imports.tabular import read_table
from crm.audit import AuditLog
from crm.auth.models import User
from crm.db import read_phase
from crm.extensions import db
from crm.jobs.models import BackgroundJob

KINDS: dict[str, tuple[Callable, Callable, str]] = {
    "accounts": (check_accounts, write_accounts, "account.import"),
    "people": (check_people, write_people, "person.import"),
}
TICKET_SALT = "accounts-import"
TICKET_MAX_AGE = 2 * 24 * 3600
JOB_KIND = "accounts.import"


@dataclass
class Ticket:
    """What the confirm step needs; signed, so nobody can point it at another stored file."""

    import_id: str
    kind: str
    file: str  # storage key of the uploaded bytes
    filename: str
    rows: int
    user_id: int


@dataclass
class Outcome:
    created: int
    ids: list[int]
    already: bool = False  # this ticket had been imported before: nothing new was written


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
    kind: str, data: bytes, filename: str, actor: User, progress: Progress | None = None
) -> Check:
    """Read and check a file without writing anything; UploadError when it is unreadable."""
    check_rows = KINDS[kind][0]
    table = read_table(data, filename, COLUMNS[kind], current_app.config["IMPORT_MAX_ROWS"])
    return check_rows(table, actor, progress)


def new_ticket(kind: str, data: bytes, filename: str, rows: int, actor: User) -> Ticket:
    """Store the upload (content-addressed) and name this import once and for all."""
    key = storage.put_bytes(data)
    return Ticket(uuid.uuid4().hex, kind, key, filename[-200:], rows, actor.id)


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
    if ticket.user_id != actor.id or ticket.kind not in KINDS or not storage.exists(ticket.file):
        return None
    return ticket


def previous_run(import_id: str) -> AuditLog | None:
    """The summary audit row of this import, written in the same transaction as its rows."""
    return db.session.scalar(
        select(AuditLog).where(AuditLog.entity_type == "import", AuditLog.entity_id == import_id)
    )


def _outcome(row: AuditLog) -> Outcome:
    ids = list((row.after or {}).get("ids") or [])
    return Outcome(len(ids), ids, already=True)


def run_import(ticket: Ticket, actor: User, progress: Progress | None = None) -> Outcome:
    """Check the stored file again and write every row or none (caller commits). Running a
    ticket twice writes once; ImportRejected when any row is invalid by now."""
    with read_phase(db.session):  # the check only reads: no write lock while it runs
        done = previous_run(ticket.import_id)
        if done is not None:
            return _outcome(done)
        data = storage.read_bytes(ticket.file)
        check = dry_run(ticket.kind, data, ticket.filename, actor, progress)
    if not check.ok:
        raise ImportRejected(check)
    if progress:
        progress(check.total, check.total)  # the last report: a job commits nothing after it
    # Imports of one user run one at a time (a row lock on PostgreSQL), so a double submit
    # finds the first one's summary row here instead of writing the file twice.
    db.session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    done = previous_run(ticket.import_id)
    if done is not None:
        return _outcome(done)
    write_rows, action = KINDS[ticket.kind][1:]
    created = write_rows(check.rows, actor)
    ids = [row.id for row in created]
    audit.record(
        action,
        entity_type="import",
        entity_id=ticket.import_id,
        summary=_("%(n)d baris diimpor dari %(file)s", n=len(ids), file=ticket.filename),
        after={
            "kind": ticket.kind,
            "file": ticket.file,
            "filename": ticket.filename,
            "count": len(ids),
            "ids": ids,
        },
        actor=actor,
    )
    return Outcome(len(ids), ids)


def queued_job(ticket: Ticket) -> BackgroundJob | None:
    """The job already made for this ticket (a second click on confirm), if any."""
    from crm.jobs.services import job_for_import

    return job_for_import(JOB_KIND, ticket.user_id, ticket.import_id)
