"""The signed ticket from preview to confirm, and what an import id already did."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from crm import storage
from crm.audit import AuditLog
from crm.extensions import db
from crm.imports.registry import JOB_KINDS, KINDS, ImportKind
from crm.jobs.models import BackgroundJob

TICKET_SALT = "imports"
TICKET_MAX_AGE = 2 * 24 * 3600
# Jobs store a ticket's scope under its route's name (see ticket_params).
SCOPE_KEYS = ("parent_id", "sponsorship_id")


@dataclass
class Ticket:
    """What the confirm step needs; signed, so nobody can point it at another stored file,
    another kind or another scope (parent account, sponsorship)."""

    import_id: str
    kind: str
    file: str  # storage key of the uploaded bytes
    filename: str
    rows: int
    user_id: int
    scope_id: int | None = None


def new_ticket(
    kind: ImportKind, data: bytes, filename: str, rows: int, actor: Any, scope: Any = None
) -> Ticket:
    """Store the upload (content-addressed) and name this import once and for all."""
    key = storage.put_bytes(data)
    scope_id = getattr(scope, "id", None)
    # `<scope>.<random>`: a scope's imports are a range of the (entity_type, entity_id) audit
    # index (see recent_runs); 96 random bits keep it unique.
    import_id = f"{scope_id}.{uuid.uuid4().hex[:24]}" if scope_id else uuid.uuid4().hex
    return Ticket(import_id, kind.name, key, (filename or "")[-200:], rows, actor.id, scope_id)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def sign_ticket(ticket: Ticket) -> str:
    return _serializer().dumps(asdict(ticket))


def read_ticket(token: str, actor: Any, group: str, scope: Any = None) -> Ticket | None:
    """The ticket, if the signature holds, it is this user's, of a kind this page imports,
    for this scope, and its file is still stored."""
    try:
        ticket = Ticket(**_serializer().loads(token or "", max_age=TICKET_MAX_AGE))
    except (BadSignature, TypeError):
        return None
    kind = KINDS.get(ticket.kind)
    if kind is None or kind.page_group != group or ticket.user_id != actor.id:
        return None
    if ticket.scope_id != getattr(scope, "id", None):
        return None
    return ticket if storage.exists(ticket.file) else None


def ticket_params(kind: ImportKind, ticket: Ticket) -> dict:
    """A ticket as a job stores it: the scope under the name its routes give it
    (`parent_id`, `sponsorship_id`), as jobs stored it before the pipeline."""
    values = asdict(ticket)
    scope_id = values.pop("scope_id")
    if scope_id is not None:
        values[kind.urls.scope_arg or "scope_id"] = scope_id
    return values


def ticket_from_params(params: dict, job_kind: str) -> Ticket:
    """A job's ticket, also as jobs queued before the pipeline stored it (no `kind`)."""
    values = dict(params)
    for key in SCOPE_KEYS:
        if key in values:
            values["scope_id"] = values.pop(key)
    values.setdefault("kind", JOB_KINDS[job_kind][0])
    return Ticket(**values)


def previous_run(kind: ImportKind, import_id: str) -> AuditLog | None:
    """The summary audit row of this import, written in the same transaction as its rows."""
    return db.session.scalar(
        select(AuditLog).where(
            AuditLog.entity_type == kind.audit_entity, AuditLog.entity_id == import_id
        )
    )


def queued_job(kind: ImportKind, ticket: Ticket) -> BackgroundJob | None:
    """The job already made for this ticket (a second click on confirm), if any: the user's
    latest jobs of that kind whose ticket carries this import id."""
    jobs = db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.kind == kind.job_kind, BackgroundJob.owner_id == ticket.user_id)
        .order_by(BackgroundJob.created_at.desc())
        .limit(50)
    )
    for job in jobs:
        if (job.params or {}).get("ticket", {}).get("import_id") == ticket.import_id:
            return job
    return None


def recent_runs(kind: ImportKind, scope_id: int | None = None, limit: int = 5) -> list[AuditLog]:
    """The latest imports of a kind (their summary audit rows); for a scope, entity ids
    `<scope>.<...>` sort between `<scope>.` and `<scope>/`, so other scopes' imports are
    never read (scanning everyone's latest ones lost a quiet scope's history)."""
    stmt = select(AuditLog).where(
        AuditLog.entity_type == kind.audit_entity, AuditLog.action == kind.audit_action
    )
    if scope_id is not None:
        stmt = stmt.where(AuditLog.entity_id >= f"{scope_id}.", AuditLog.entity_id < f"{scope_id}/")
    return list(db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)))
