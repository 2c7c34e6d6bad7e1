"""What a seed-scale run carries: its report, the next ids, and the bulk-insert helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select, text

from crm.extensions import db


@dataclass
class ScaleReport:
    accounts: int = 0
    people: int = 0
    positions: int = 0
    rms_created: int = 0
    branches_created: int = 0
    interactions: int = 0
    attendees: int = 0
    tasks: int = 0
    compliance_rows: int = 0
    cases: int = 0
    case_events: int = 0
    case_letters: int = 0
    summary_seconds: float = 0.0
    cases_seconds: float = 0.0
    arrears_seconds: float = 0.0
    suggestions_seconds: float = 0.0
    seconds: float = 0.0


@dataclass
class _Context:
    rng: random.Random
    now: datetime
    today: date
    rms: list[int]
    branches: list[int]
    taken: set[str]
    used_institutions: set[str]
    next_account: int
    next_person: int
    next_position: int
    next_interaction: int = 1
    next_attendee: int = 1
    next_task: int = 1
    zone: object = UTC


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(rows: list[dict], table, chunk: int) -> None:
    conn = db.session.connection()
    for start in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[start : start + chunk])


def _reset_sequences() -> None:
    """PostgreSQL: explicit ids leave the serial sequences behind; move them past the max."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in (
        "account",
        "key_person",
        "position",
        "interaction",
        "interaction_attendee",
        "task",
        "escalation_case",
        "case_letter_request",
        "case_event",
    ):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )
