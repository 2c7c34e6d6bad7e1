"""A vendor-list import run: the dry run, the signed ticket from preview to confirm (it names
the parent), and the all-or-nothing write done once per ticket. The summary audit row
(entity_type `supply_chain_import`, the ticket's id) is written in the same transaction as
the rows, so a second confirm or a re-dispatched job finds it and writes nothing."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from crm import audit, storage
from crm.accounts.imports.common import Progress
from crm.accounts.imports.runs import ImportRejected
from crm.accounts.imports.tabular import read_table
from crm.accounts.models import Account
from crm.audit import AuditLog
from crm.auth.models import User
from crm.db import read_phase
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.supply_chain.import_rows import COLUMNS, VendorCheck, check_vendors, write_vendors
from crm.supply_chain.invitations import cancel_unissued_invitations
from crm.supply_chain.services import require_manage

JOB_KIND = "supply_chain.import"
ENTITY = "supply_chain_import"
TICKET_SALT = "supply-chain-import"
TICKET_MAX_AGE = 2 * 24 * 3600

__all__ = ["ImportRejected", "Ticket"]


@dataclass
class Ticket:
    """What the confirm step needs; signed, so nobody can point it at another file or parent."""

    import_id: str
    parent_id: int
    file: str
    filename: str
    rows: int
    user_id: int


@dataclass
class Outcome:
    created: int
    updated: int
    already: bool = False


def dry_run(
    data: bytes, filename: str, parent_id: int, progress: Progress | None = None
) -> VendorCheck:
    """Read and check a file without writing anything; UploadError when it is unreadable."""
    table = read_table(data, filename, COLUMNS, current_app.config["IMPORT_MAX_ROWS"])
    return check_vendors(table, parent_id, progress)


def make_ticket(data: bytes, filename: str, rows: int, parent_id: int, actor: User) -> Ticket:
    key = storage.put_bytes(data)
    # `<parent>.<random>`: the parent's imports are a range of the (entity_type, entity_id)
    # audit index (see recent_imports); 96 random bits keep it unique.
    import_id = f"{parent_id}.{uuid.uuid4().hex[:24]}"
    return Ticket(import_id, parent_id, key, (filename or "")[-200:], rows, actor.id)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def sign_ticket(ticket: Ticket) -> str:
    return _serializer().dumps(asdict(ticket))


def read_ticket(token: str, actor: User, parent_id: int) -> Ticket | None:
    """The ticket, if signed, this user's, for this parent, and its file still stored."""
    try:
        ticket = Ticket(**_serializer().loads(token or "", max_age=TICKET_MAX_AGE))
    except (BadSignature, TypeError):
        return None
    if ticket.user_id != actor.id or ticket.parent_id != parent_id:
        return None
    return ticket if storage.exists(ticket.file) else None


def previous_run(import_id: str) -> AuditLog | None:
    return db.session.scalar(
        select(AuditLog).where(AuditLog.entity_type == ENTITY, AuditLog.entity_id == import_id)
    )


def _outcome(row: AuditLog) -> Outcome:
    after = row.after or {}
    return Outcome(int(after.get("created", 0)), int(after.get("updated", 0)), already=True)


def run_import(ticket: Ticket, actor: User, progress: Progress | None = None) -> Outcome:
    """Check the stored file again and write every row or none (caller commits)."""
    parent = db.session.get(Account, ticket.parent_id)
    if parent is None:
        raise PermissionError(_("Akun induk tidak ditemukan."))
    require_manage(actor, parent)
    with read_phase(db.session):  # the check only reads: no write lock while it runs
        done = previous_run(ticket.import_id)
        if done is not None:
            return _outcome(done)
        check = dry_run(storage.read_bytes(ticket.file), ticket.filename, parent.id, progress)
    if not check.ok:
        raise ImportRejected(check)
    if progress:
        progress(check.total, check.total)  # the last report: a job commits nothing after it
    # One import of a user at a time (a row lock on PostgreSQL): a double submit finds the
    # first one's summary row here instead of writing the file twice.
    db.session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    done = previous_run(ticket.import_id)
    if done is not None:
        return _outcome(done)
    note = _("Impor %(file)s", file=ticket.filename)
    created, updated = write_vendors(check.rows, parent.id, actor, note)
    cancel_unissued_invitations([r.link_id for r in check.rows if r.converts], actor)
    audit.record(
        "supply_chain.import",
        entity_type=ENTITY,
        entity_id=ticket.import_id,
        summary=_(
            "%(n)d vendor %(parent)s diimpor dari %(file)s (%(new)d baru, %(upd)d diperbarui)",
            n=check.total,
            parent=parent.name,
            file=ticket.filename,
            new=created,
            upd=updated,
        ),
        after={
            "parent_id": parent.id,
            "file": ticket.file,
            "filename": ticket.filename,
            "rows": check.total,
            "created": created,
            "updated": updated,
            "registered": check.registered,
            "converted": check.converted,
        },
        actor=actor,
    )
    return Outcome(created, updated)


def queued_job(ticket: Ticket) -> BackgroundJob | None:
    """The job already made for this ticket (a second click on confirm), if any."""
    from crm.jobs.services import job_for_import

    return job_for_import(JOB_KIND, ticket.user_id, ticket.import_id)


def recent_imports(parent_id: int, limit: int = 5) -> list[AuditLog]:
    """The parent's latest imports (their summary audit rows): entity ids `<parent>.<...>`
    sort between `<parent>.` and `<parent>/`, so other parents' imports are never read
    (scanning everyone's latest ones lost a quiet parent's history behind busy ones)."""
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(
                AuditLog.entity_type == ENTITY,
                AuditLog.entity_id >= f"{parent_id}.",
                AuditLog.entity_id < f"{parent_id}/",
                AuditLog.action == "supply_chain.import",
            )
            .order_by(AuditLog.id.desc())
            .limit(limit)
        )
    )
