"""The per-account summaries (account_cadence, account_month) kept in step with interactions;
this month's tally follows them (crm.meetings.tally_upkeep).

Every service that changes an interaction calls refresh_account() in the same transaction.
It recounts one account (and the touched local months) from that account's interactions
through the (account_id, starts_at) index: bounded work per write, so reads never aggregate
the interaction table. When the account's last BOD-1 date moves, the tally cell of the
account moves with it. Accounts are followed by ORM listeners in crm.meetings.tally_upkeep.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, delete, func, select, update

from crm.db import as_utc, utcnow
from crm.extensions import db
from crm.i18n import local_date, local_midnight, local_zone
from crm.meetings.models import (
    AccountCadence,
    AccountMonth,
    CadenceMonth,
    Interaction,
)
from crm.meetings.months import add_months, month_start
from crm.meetings.tally_upkeep import forget_tally, move_in_tally, scope_rows, sync_scope


def refresh_account(account_id: int, months: set[date] | None = None) -> AccountCadence:
    """Rewrite the account's cadence summary and its counts for the given months, and move
    the account in this month's tally when its last BOD-1 date changed."""
    db.session.flush()
    # Read from the database, not the identity map: the caller holds the account's row
    # lock, so these are the values the tally counted.
    before = scope_rows(db.session.connection(), [account_id]).get(account_id)
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
        move_in_tally(before, summary.last_bod1_on)
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
    from sqlalchemy import insert, literal

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
