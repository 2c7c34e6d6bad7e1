"""Letter numbers: `CODE/sequence/MMYYYY` (e.g. `B/91/022025`), one gapless sequence per
code and year, given only at approval.

The counter row (letter_sequence) is created race-free (INSERT ... ON CONFLICT DO NOTHING)
and then locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has a single writer) and
incremented inside the approving transaction: concurrent approvals queue on the row, and a
rolled-back approval gives its number back, so numbers stay unique and without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.util import identity_key

from crm.extensions import db
from crm.letters.models import LetterSequence, LetterTypeSetting

DEFAULT_CODE = "B"


@dataclass(frozen=True)
class LetterNumber:
    code: str
    year: int
    seq: int
    text: str


def format_number(code: str, seq: int, day: date) -> str:
    """`B/91/022025`: code, sequence, then month and year of the letter date."""
    return f"{code}/{seq}/{day.month:02d}{day.year}"


def code_for(letter_type: str) -> str:
    setting = db.session.get(LetterTypeSetting, letter_type)
    return setting.code if setting is not None and setting.code else DEFAULT_CODE


def _ensure_row(code: str, year: int) -> None:
    """The counter row exists afterwards, whoever created it (no unique-key race)."""
    values = {"code": code, "year": year, "last": 0}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = pg_insert(LetterSequence).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(LetterSequence).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the app runs on SQLite or PostgreSQL
        if db.session.get(LetterSequence, (code, year)) is not None:
            return
        stmt = LetterSequence.__table__.insert().values(**values)
    db.session.execute(stmt)


def next_number(letter_type: str, day: date) -> LetterNumber:
    """Take the next number of the type's code for the year of `day` (in this transaction)."""
    code = code_for(letter_type)
    year = day.year
    _ensure_row(code, year)
    key = (LetterSequence.code == code) & (LetterSequence.year == year)
    # Lock the row, then bump it with SQL (not the possibly stale ORM value).
    db.session.execute(select(LetterSequence.last).where(key).with_for_update())
    seq = db.session.execute(
        update(LetterSequence)
        .where(key)
        .values(last=LetterSequence.last + 1)
        .returning(LetterSequence.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    # Keep any loaded LetterSequence in the session in step with the database.
    loaded = db.session.identity_map.get(identity_key(LetterSequence, (code, year)))
    if loaded is not None:
        db.session.expire(loaded)
    return LetterNumber(code, year, seq, format_number(code, seq, day))
