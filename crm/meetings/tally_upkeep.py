"""This month's cadence_tally kept in step with account_cadence and with accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session, object_session

from crm.accounts.models import Account
from crm.db import as_utc, utcnow
from crm.extensions import db
from crm.i18n import local_midnight
from crm.meetings.models import (
    AccountCadence,
    CadenceTally,
    CadenceTallyState,
)
from crm.meetings.months import IN_SCOPE_STATUSES, add_months

# -- this month's tally (cadence_tally), kept in step ----------------------------------------
#
# Per (segment, RM, branch): accounts in scope, and under the monthly BOD-1 rule those that
# met it and those overdue for the month in cadence_tally_state (the "due" ones are the rest,
# in the last days of the month). The state of an account for a given month moves only
# when its summary or its own columns change, so each such change adds a delta here, in
# the same transaction; a new month is recounted once (tally.ensure_tally). Every-N-days
# figures move with the date alone and are counted at read time from account_cadence.
#
# Writes to the account table that bypass the ORM unit of work and Session.execute (raw
# SQL, Connection.execute as in the scale seed) must call sync_scope() and forget_tally().

SCOPE_FIELDS = ("status", "segment", "rm_id", "branch_office_id", "created_at")
SCOPE_COLUMNS = ("scope_segment", "rm_key", "branch_key")
TALLY_ID = 1
_FLUSH_MONTH, _FLUSH_DELTAS = "cadence_tally_month", "cadence_tally_deltas"
_UNREAD = object()


@dataclass(frozen=True)
class Scope:
    """What the tally needs of one account."""

    segment: str | None  # None when the account is out of scope (inactive)
    rm_key: int
    branch_key: int
    created_at: datetime | None
    last_bod1_on: date | None

    @classmethod
    def of(cls, status, segment, rm_id, branch_id, created_at, last_bod1_on) -> Scope:
        in_scope = segment if status in IN_SCOPE_STATUSES else None
        return cls(in_scope, rm_id or 0, branch_id or 0, created_at, last_bod1_on)

    def columns(self) -> tuple[str | None, int, int]:
        """account_cadence's copies: scope_segment, rm_key, branch_key."""
        return self.segment, self.rm_key, self.branch_key


def monthly_code(month: date, last_bod1_on: date | None, created_at: datetime | None):
    """(met, overdue) of one in-scope account for `month` under the monthly BOD-1 rule
    (cadence.cadence_status); a missing creation time means "now" (not flushed yet)."""
    if last_bod1_on is not None and last_bod1_on >= month:
        return 1, 0
    missed_last = last_bod1_on is None or last_bod1_on < add_months(month, -1)
    created = as_utc(created_at) or utcnow()
    return 0, int(missed_last and created < local_midnight(month))


def monthly_code_sql(month: date):
    """monthly_code() in SQL over Account LEFT JOIN AccountCadence: (met, overdue)."""
    last = AccountCadence.last_bod1_on
    met = case((last >= month, 1), else_=0)
    missed_last = or_(last.is_(None), last < add_months(month, -1))
    overdue = case((and_(missed_last, Account.created_at < local_midnight(month)), 1), else_=0)
    return met, overdue


def _add(deltas: dict, scope: Scope, month: date, sign: int) -> None:
    if scope.segment is None:
        return
    met, overdue = monthly_code(month, scope.last_bod1_on, scope.created_at)
    cell = deltas.setdefault((scope.segment, scope.rm_key, scope.branch_key), [0, 0, 0])
    cell[0] += sign
    cell[1] += sign * met
    cell[2] += sign * overdue


def tally_month(conn) -> date | None:
    """The month cadence_tally counts (None: not counted). Read FOR SHARE: a recount takes
    the row FOR UPDATE, so it waits until this transaction's deltas are committed."""
    return conn.execute(
        select(CadenceTallyState.month)
        .where(CadenceTallyState.id == TALLY_ID)
        .with_for_update(read=True)
    ).scalar()


def forget_tally() -> None:
    """Have the next read recount the tally (after a bulk load or a bulk change)."""
    db.session.execute(
        update(CadenceTallyState).where(CadenceTallyState.id == TALLY_ID).values(month=None)
    )


def dialect_insert(conn, table):
    """INSERT with ON CONFLICT support (PostgreSQL and SQLite both have it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def apply_tally(conn, deltas: dict) -> None:
    """Add per-cell deltas, in key order (concurrent writers lock cells in the same order)."""
    rows = [
        {"segment": s, "rm_key": r, "branch_key": b, "in_scope": n, "met": m, "overdue": o}
        for (s, r, b), (n, m, o) in sorted(deltas.items())
        if n or m or o
    ]
    if not rows:
        return
    table = CadenceTally.__table__
    stmt = dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["segment", "rm_key", "branch_key"],
        set_={c: table.c[c] + stmt.excluded[c] for c in ("in_scope", "met", "overdue")},
    )
    conn.execute(stmt, rows)


def scope_rows(conn, ids: list[int], lock: bool = False) -> dict[int, Scope]:
    """The accounts' scope as stored (FOR UPDATE of the account rows when asked)."""
    stmt = (
        select(
            Account.id,
            Account.status,
            Account.segment,
            Account.rm_id,
            Account.branch_office_id,
            Account.created_at,
            AccountCadence.last_bod1_on,
        )
        .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
        .where(Account.id.in_(ids))
    )
    if lock:
        stmt = stmt.with_for_update(of=Account)
    return {row[0]: Scope.of(*row[1:]) for row in conn.execute(stmt)}


def move_in_tally(before: Scope, last_bod1_on: date | None) -> None:
    """The account's last BOD-1 date moved: move it between the met/overdue/due counts."""
    if before.segment is None:
        return
    conn = db.session.connection()
    month = tally_month(conn)
    if month is None:
        return
    after = Scope(*before.columns(), before.created_at, last_bod1_on)
    deltas: dict = {}
    _add(deltas, before, month, -1)
    _add(deltas, after, month, 1)
    apply_tally(conn, deltas)


def sync_scope(ids: list[int] | None = None) -> None:
    """Copy the accounts' scope onto their account_cadence rows (all rows when ids is None)."""
    conn = db.session.connection()

    def of_account(value):
        return select(value).where(Account.id == AccountCadence.account_id).scalar_subquery()

    segment = case((Account.status.in_(IN_SCOPE_STATUSES), Account.segment), else_=None)
    stmt = update(AccountCadence.__table__).values(
        scope_segment=of_account(segment),
        rm_key=of_account(func.coalesce(Account.rm_id, 0)),
        branch_key=of_account(func.coalesce(Account.branch_office_id, 0)),
    )
    if ids is None:
        conn.execute(stmt)
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(stmt.where(AccountCadence.__table__.c.account_id.in_(chunk)))


# -- listeners: accounts created, edited, deleted, or updated in bulk --------------------------


def _flush_month(conn, target) -> date | None:
    """tally_month(), read once per flush."""
    info = object_session(target).info
    month = info.get(_FLUSH_MONTH, _UNREAD)
    if month is _UNREAD:
        month = info[_FLUSH_MONTH] = tally_month(conn)
    return month


def _flush_deltas(target) -> dict:
    return object_session(target).info.setdefault(_FLUSH_DELTAS, {})


def _scope_changed(target) -> bool:
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in SCOPE_FIELDS)


@event.listens_for(Account, "after_insert")
def _account_inserted(mapper, conn, target: Account) -> None:
    month = _flush_month(conn, target)
    if month is not None:
        scope = Scope.of(
            target.status,
            target.segment,
            target.rm_id,
            target.branch_office_id,
            target.created_at,
            None,
        )
        _add(_flush_deltas(target), scope, month, 1)


@event.listens_for(Account, "before_update")
def _account_updating(mapper, conn, target: Account) -> None:
    if not _scope_changed(target):
        return
    before = scope_rows(conn, [target.id], lock=True)[target.id]
    after = Scope.of(
        target.status,
        target.segment,
        target.rm_id,
        target.branch_office_id,
        target.created_at,
        before.last_bod1_on,
    )
    if after.columns() != before.columns():
        table = AccountCadence.__table__
        conn.execute(
            update(table)
            .where(table.c.account_id == target.id)
            .values(dict(zip(SCOPE_COLUMNS, after.columns(), strict=True)))
        )
    month = _flush_month(conn, target)
    if month is not None:
        _add(_flush_deltas(target), before, month, -1)
        _add(_flush_deltas(target), after, month, 1)


@event.listens_for(Account, "before_delete")
def _account_deleting(mapper, conn, target: Account) -> None:
    month = _flush_month(conn, target)
    if month is not None:
        before = scope_rows(conn, [target.id], lock=True)[target.id]
        _add(_flush_deltas(target), before, month, -1)


@event.listens_for(Session, "before_flush")
def _flush_starts(session, flush_context, instances) -> None:
    session.info.pop(_FLUSH_MONTH, None)
    session.info.pop(_FLUSH_DELTAS, None)


@event.listens_for(Session, "after_flush")
def _flush_done(session, flush_context) -> None:
    session.info.pop(_FLUSH_MONTH, None)
    deltas = session.info.pop(_FLUSH_DELTAS, None)
    if deltas:
        apply_tally(session.connection(), deltas)


@event.listens_for(Session, "do_orm_execute")
def _bulk_account_write(orm_state) -> object:
    """update(Account) / insert / delete through Session.execute: an UPDATE with a WHERE
    clause (reassign_portfolio) moves its accounts set-based; anything else has the tally
    recounted."""
    stmt = orm_state.statement
    if not (orm_state.is_update or orm_state.is_insert or orm_state.is_delete):
        return None
    table = getattr(stmt, "table", None)
    if getattr(table, "name", None) != Account.__tablename__:
        return None
    if orm_state.is_update:
        values = getattr(stmt, "_values", None)
        if values is not None and not {getattr(k, "key", k) for k in values} & set(SCOPE_FIELDS):
            return None  # no column of the scope changes
        if stmt.whereclause is not None and not orm_state.parameters:
            return _bulk_account_update(orm_state)
    result = orm_state.invoke_statement()
    if orm_state.is_update:
        sync_scope()
    forget_tally()
    return result


def _bulk_account_update(orm_state):
    session = orm_state.session
    conn = session.connection()
    month = tally_month(conn)
    ids = list(
        session.scalars(select(Account.id).where(orm_state.statement.whereclause).with_for_update())
    )
    deltas: dict = {}
    if month is not None:
        _add_many(conn, ids, month, -1, deltas)
    result = orm_state.invoke_statement()
    sync_scope(ids)
    if month is not None:
        _add_many(conn, ids, month, 1, deltas)
        apply_tally(conn, deltas)
    return result


def _add_many(conn, ids: list[int], month: date, sign: int, deltas: dict) -> None:
    """_add() for many accounts, one GROUP BY per 500 ids."""
    met, overdue = monthly_code_sql(month)
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(Account.segment, rm_key, branch_key, func.count(), func.sum(met))
            .add_columns(func.sum(overdue))
            .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
            .where(Account.id.in_(ids[start : start + 500]))
            .where(Account.status.in_(IN_SCOPE_STATUSES))
            .group_by(Account.segment, rm_key, branch_key)
        )
        for segment, rm, branch, n, hits, late in rows:
            cell = deltas.setdefault((segment, rm, branch), [0, 0, 0])
            cell[0] += sign * int(n)
            cell[1] += sign * int(hits or 0)
            cell[2] += sign * int(late or 0)
