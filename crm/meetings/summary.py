"""The per-account summaries (account_cadence, account_month) kept in step with interactions,
and this month's tally (cadence_tally) kept in step with them and with accounts.

Every service that changes an interaction calls refresh_account() in the same transaction.
It recounts one account (and the touched local months) from that account's interactions
through the (account_id, starts_at) index: bounded work per write, so reads never aggregate
the interaction table. When the account's last BOD-1 date moves, the tally cell of the
account moves with it. Accounts are followed by ORM listeners at the end of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, delete, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session, object_session

from crm.accounts.models import Account
from crm.db import as_utc, utcnow
from crm.extensions import db
from crm.i18n import local_date, local_midnight, local_zone
from crm.meetings.models import (
    AccountCadence,
    AccountMonth,
    CadenceMonth,
    CadenceTally,
    CadenceTallyState,
    Interaction,
)

IN_SCOPE_STATUSES = ("active", "prospect")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` away from day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime) -> date:
    """First day of the local calendar month a UTC moment falls in."""
    return month_start(local_date(moment))


def refresh_account(account_id: int, months: set[date] | None = None) -> AccountCadence:
    """Rewrite the account's cadence summary and its counts for the given months, and move
    the account in this month's tally when its last BOD-1 date changed."""
    db.session.flush()
    # Read from the database, not the identity map: the caller holds the account's row
    # lock, so these are the values the tally counted.
    before = _scope_rows(db.session.connection(), [account_id]).get(account_id)
    held = (Interaction.account_id == account_id) & (Interaction.status == "held")
    last_held, last_bod1, held_count = db.session.execute(
        select(
            func.max(Interaction.starts_at),
            func.max(case((Interaction.is_bod1, Interaction.starts_at))),
            func.count(),
        ).where(held)
    ).one()
    planned = db.session.execute(
        select(Interaction.id, Interaction.starts_at)
        .where(Interaction.account_id == account_id, Interaction.status == "planned")
        .order_by(Interaction.starts_at, Interaction.id)
        .limit(1)
    ).first()
    summary = db.session.get(AccountCadence, account_id)
    if summary is None:
        summary = AccountCadence(account_id=account_id)
        db.session.add(summary)
    if before is not None:
        summary.scope_segment, summary.rm_key, summary.branch_key = before.columns()
    summary.last_held_on = _local_day(last_held)
    summary.last_bod1_on = _local_day(last_bod1)
    if before is not None and before.last_bod1_on != summary.last_bod1_on:
        _move_in_tally(before, summary.last_bod1_on)
    summary.held_count = held_count
    summary.next_planned_id = planned.id if planned else None
    summary.next_planned_at = _aware(planned.starts_at) if planned else None
    summary.updated_at = utcnow()
    for month in sorted(months or ()):
        _refresh_month(account_id, month)
    if months:
        forget_closed_months(min(months))
    return summary


def _refresh_month(account_id: int, month: date) -> None:
    count, bod1, last = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Interaction.is_bod1, 1), else_=0)), 0),
            func.max(Interaction.starts_at),
        ).where(
            Interaction.account_id == account_id,
            Interaction.status == "held",
            Interaction.starts_at >= local_midnight(month),
            Interaction.starts_at < local_midnight(add_months(month, 1)),
        )
    ).one()
    row = db.session.get(AccountMonth, (account_id, month))
    if not count:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = AccountMonth(account_id=account_id, month=month)
        db.session.add(row)
    row.held, row.bod1_held, row.last_held_on = count, bod1, _local_day(last)


def forget_closed_months(since: date) -> None:
    """Drop cached figures of closed months from `since` on: a late entry changed them (a
    held interaction also counts for the every-N-days windows of the months after it)."""
    db.session.execute(delete(CadenceMonth).where(CadenceMonth.month >= month_start(since)))


def _aware(value: datetime | None) -> datetime | None:
    return as_utc(value)


def _local_day(value: datetime | str | None) -> date | None:
    """Local date of an aggregate's result (SQLite returns MAX() of a datetime as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return local_date(_aware(value))


def rebuild_all(batch: int = 5000) -> int:
    """Recompute every account's summaries from the interaction table, for bulk loaders
    (demo and scale seeds) that insert interactions without the service. Streams the
    interactions in (account, start) order, so memory stays flat; returns the account count.
    """
    from sqlalchemy import insert

    db.session.execute(delete(AccountMonth))
    db.session.execute(delete(AccountCadence))
    db.session.execute(delete(CadenceMonth))
    rows = db.session.execute(
        select(
            Interaction.account_id,
            Interaction.id,
            Interaction.status,
            Interaction.starts_at,
            Interaction.is_bod1,
        )
        .where(Interaction.status != "cancelled")
        .order_by(Interaction.account_id, Interaction.starts_at, Interaction.id)
        .execution_options(yield_per=batch)
    )
    summaries, months, count = [], [], 0
    current, state = None, None
    for account_id, ident, status, starts_at, is_bod1 in rows:
        if account_id != current:
            if state is not None:
                _emit(current, state, summaries, months)
                count += 1
            current, state = account_id, {"months": {}, "planned": None, "held": 0}
            state.update(last_held=None, last_bod1=None)
        if status == "planned":
            if state["planned"] is None:
                state["planned"] = (ident, starts_at)
            continue
        day = local_date(starts_at)
        state["held"] += 1
        state["last_held"] = day
        if is_bod1:
            state["last_bod1"] = day
        cell = state["months"].setdefault(month_start(day), [0, 0, None])
        cell[0] += 1
        cell[1] += int(bool(is_bod1))
        cell[2] = day
        if len(months) >= batch:
            db.session.execute(insert(AccountMonth), months)
            months.clear()
        if len(summaries) >= batch:
            db.session.execute(insert(AccountCadence), summaries)
            summaries.clear()
    if state is not None:
        _emit(current, state, summaries, months)
        count += 1
    if months:
        db.session.execute(insert(AccountMonth), months)
    if summaries:
        db.session.execute(insert(AccountCadence), summaries)
    sync_scope()
    forget_tally()
    return count


def _emit(account_id: int, state: dict, summaries: list, months: list) -> None:
    planned = state["planned"]
    summaries.append(
        {
            "account_id": account_id,
            "last_bod1_on": state["last_bod1"],
            "last_held_on": state["last_held"],
            "next_planned_id": planned[0] if planned else None,
            "next_planned_at": _aware(planned[1]) if planned else None,
            "held_count": state["held"],
            "updated_at": utcnow(),
        }
    )
    for month, (held, bod1, last) in state["months"].items():
        months.append(
            {
                "account_id": account_id,
                "month": month,
                "held": held,
                "bod1_held": bod1,
                "last_held_on": last,
            }
        )


def fixed_offset_minutes(zone, around: date | None = None) -> int | None:
    """The zone's UTC offset in minutes when it has no daylight saving (Asia/Jakarta: 420),
    checked over the years around `around`; None when the offset changes."""
    year = (around or date.today()).year
    offsets = {
        datetime(y, m, 1, 12, tzinfo=zone).utcoffset()
        for y in range(year - 3, year + 2)
        for m in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def _local_day_sql(dialect: str, zone):
    """SQL for the local date (and first of the local month) of Interaction.starts_at, or
    None when the database cannot compute it (SQLite with a daylight-saving zone)."""
    from sqlalchemy import Date, cast, literal

    if dialect == "postgresql":
        local = func.timezone(literal(str(zone.key)), Interaction.starts_at)
        return cast(local, Date), cast(func.date_trunc("month", local), Date)
    offset = fixed_offset_minutes(zone)
    if dialect != "sqlite" or offset is None:
        return None
    modifier = f"{offset:+d} minutes"
    return (
        func.date(Interaction.starts_at, modifier),
        func.date(Interaction.starts_at, modifier, "start of month"),
    )


def rebuild_all_sql() -> int:
    """rebuild_all() as three set-based statements (INSERT ... SELECT ... GROUP BY), for
    millions of interactions; same rows as rebuild_all() (tests/test_scale.py). Falls back
    to rebuild_all() when the database cannot compute local dates. Returns the number of
    accounts with a summary."""
    from sqlalchemy import insert, literal, update

    exprs = _local_day_sql(db.session.get_bind().dialect.name, local_zone())
    if exprs is None:
        return rebuild_all()
    day, month = exprs
    db.session.execute(delete(AccountMonth))
    db.session.execute(delete(AccountCadence))
    db.session.execute(delete(CadenceMonth))
    held = Interaction.status == "held"
    bod1 = case((Interaction.is_bod1, 1), else_=0)
    db.session.execute(
        insert(AccountMonth).from_select(
            ["account_id", "month", "bod1_held", "held", "last_held_on"],
            select(
                Interaction.account_id,
                month,
                func.sum(bod1),
                func.count(),
                func.max(day),
            )
            .where(held)
            .group_by(Interaction.account_id, month),
        )
    )
    totals = (
        select(
            Interaction.account_id,
            func.max(case((held & Interaction.is_bod1, day))),
            func.max(case((held, day))),
            func.coalesce(func.sum(case((held, 1), else_=0)), 0),
            literal(utcnow(), AccountCadence.updated_at.type),
        )
        .where(Interaction.status.in_(("held", "planned")))
        .group_by(Interaction.account_id)
    )
    db.session.execute(
        insert(AccountCadence).from_select(
            ["account_id", "last_bod1_on", "last_held_on", "held_count", "updated_at"], totals
        )
    )
    # The earliest planned one per account: a correlated lookup through
    # ix_interaction_account_starts, only for accounts with something planned (a join on a
    # window-function subquery made SQLite loop over every pair).
    first = (
        select(Interaction.id, Interaction.starts_at)
        .where(
            Interaction.account_id == AccountCadence.account_id,
            Interaction.status == "planned",
        )
        .order_by(Interaction.starts_at, Interaction.id)
        .limit(1)
    )
    with_planned = select(Interaction.account_id).where(Interaction.status == "planned")
    db.session.execute(
        update(AccountCadence)
        .where(AccountCadence.account_id.in_(with_planned))
        .values(
            next_planned_id=first.with_only_columns(Interaction.id).scalar_subquery(),
            next_planned_at=first.with_only_columns(Interaction.starts_at).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )
    sync_scope()
    forget_tally()
    return db.session.scalar(select(func.count()).select_from(AccountCadence)) or 0


# -- this month's tally (cadence_tally), kept in step ----------------------------------------
#
# Per (segment, RM, branch): accounts in scope, and under the monthly BOD-1 rule those that
# met it and those overdue for the month in cadence_tally_state (the "due" ones are the rest,
# in the last days of the month). The state of an account for a given month moves only
# when its summary or its own columns change, so each such change adds a delta here, in
# the same transaction; a new month is recounted once (reports.ensure_tally). Every-N-days
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


def _scope_rows(conn, ids: list[int], lock: bool = False) -> dict[int, Scope]:
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


def _move_in_tally(before: Scope, last_bod1_on: date | None) -> None:
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
    before = _scope_rows(conn, [target.id], lock=True)[target.id]
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
        before = _scope_rows(conn, [target.id], lock=True)[target.id]
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
