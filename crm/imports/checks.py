"""What every import's dry run holds: row issues, old -> new changes, rows to write."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from crm import audit
from crm.audit import AuditLog
from crm.db import utcnow
from crm.extensions import db

CHUNK = 500  # values per IN (...) when loading what the database already holds
PROGRESS_EVERY = 1000  # rows between progress reports while checking

Progress = Callable[[int, int], None]


@dataclass
class Issue:
    """A problem in one cell (column is its header) or in the whole row (column empty)."""

    line: int
    column: str
    message: str


@dataclass
class Change:
    """A stored value a row would replace: shown in the preview as old -> new."""

    line: int
    record: str  # what the row changes, e.g. `12345678 2026-10`
    column: str
    old: str
    new: str


@dataclass
class Check:
    """The dry run of a file: rows ready to write, errors that block it, warnings that don't."""

    kind: str
    total: int
    rows: list[Any] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({issue.line for issue in self.errors})

    @property
    def good(self) -> int:
        return self.total - len(self.bad_lines)

    @property
    def ok(self) -> bool:
        return not self.errors and self.total > 0


def chunked(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_audit(
    action: str,
    entities: list,
    fields: tuple[str, ...],
    summary: Callable[[Any], str],
    actor,
) -> None:
    """One audit row per created entity, as audit.record writes it, in a few INSERTs."""
    now = utcnow()
    ip = request.remote_addr if has_request_context() else None
    rows = [
        {
            "created_at": now,
            "actor_id": actor.id,
            "actor_label": actor.email,
            "action": action,
            "entity_type": entity.__tablename__,
            "entity_id": str(entity.id),
            "summary": summary(entity)[:500],
            "before": None,
            "after": audit.snapshot(entity, fields),
            "ip": ip,
        }
        for entity in entities
    ]
    for batch in chunked(rows, 1000):
        db.session.execute(insert(AuditLog), batch)
