"""Declarative base with a constraint naming convention, mixins and SQLite tuning."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from crm import textmatch

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def in_values(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint: the column holds one of these (our own constant codes)."""
    return f"{column} IN (" + ",".join(f"'{v}'" for v in values) + ")"


def utcnow() -> datetime:
    """Current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetime; SQLite drops tzinfo, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC was expected")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def as_utc(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive datetime read back from SQLite."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# How long a SQLite writer waits for the write lock before giving up ("database is locked",
# answered as a 503 with Retry-After by crm.errors). Readers never wait: WAL lets them run
# beside the one writer.
BUSY_TIMEOUT_MS = 15000

# Whether transactions begun in this context may write. Outside a request (jobs, CLI
# commands) everything may write; a GET/HEAD request starts read-only (see crm.web).
_WRITES_EXPECTED: ContextVar[bool] = ContextVar("relasi_writes_expected", default=True)
_READ_TXN = "relasi_sqlite_read_transaction"
_READ_ONLY_VERBS = ("SELECT", "PRAGMA", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK")
_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriteInReadTransaction(Exception):
    """A statement that writes was sent in a read-only SQLite transaction: SQLite could not
    upgrade it safely (another writer may have committed since it began), so the request
    starts again as a writer (crm.web.App)."""


def writes_expected() -> bool:
    return _WRITES_EXPECTED.get()


@contextlib.contextmanager
def expecting_writes(value: bool) -> Iterator[None]:
    """Transactions begun inside take the write lock at BEGIN (True) or only read (False)."""
    token = _WRITES_EXPECTED.set(value)
    try:
        yield
    finally:
        _WRITES_EXPECTED.reset(token)


@contextlib.contextmanager
def read_phase(session) -> Iterator[None]:
    """A stretch of work that only reads: a transaction it begins takes no write lock on
    SQLite. On leaving, a read transaction still open is ended (it wrote nothing), so the
    writes that follow begin a writer's transaction of their own."""
    with expecting_writes(False):
        yield
    session = session() if callable(session) else session  # a scoped_session: its session
    if session.in_transaction() and session.connection().info.get(_READ_TXN):
        session.commit()


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys and a busy timeout; take over transaction control from pysqlite."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # pysqlite's own BEGIN handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.create_function(
        "relasi_words_match", 2, textmatch.words_match, deterministic=True
    )


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    """A writer's BEGIN IMMEDIATE takes the write lock up front (it queues on busy_timeout
    instead of failing on a lock upgrade); a reader's deferred BEGIN takes no lock at all,
    so pages that only read never wait behind a writer."""
    if conn.dialect.name != "sqlite":
        return
    if writes_expected():
        conn.info.pop(_READ_TXN, None)
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")
        conn.info[_READ_TXN] = True


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_refuse_write_in_read(conn, cursor, statement, parameters, context, executemany):
    if conn.info.get(_READ_TXN) and is_write_statement(statement):
        raise WriteInReadTransaction(statement.split(None, 1)[0])


def is_write_statement(statement: str) -> bool:
    """True for SQL that changes data (a CTE counts when it wraps a DML statement)."""
    head = statement.lstrip()[:10].upper()
    if head.startswith("WITH"):
        return bool(_WRITE_WORDS.search(statement))
    return not head.startswith(_READ_ONLY_VERBS)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_transaction_ended(conn) -> None:
    conn.info.pop(_READ_TXN, None)
