"""This month's cadence figures: cadence_tally (kept with every change) and account_cadence."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    update,
)

from crm.accounts.models import Account
from crm.extensions import db
from crm.meetings import cadence, tally_upkeep
from crm.meetings.models import (
    AccountCadence,
    CadenceTally,
    CadenceTallyState,
)
from crm.meetings.months import month_start


def _scan_scope():
    """In scope, for counting nearly every account in id order: SQLite scans the account
    table and looks up account_cadence in the same order. `status || ''` keeps it off
    ix_account_status_name (a table lookup per entry in name order: 420 ms on 100,000
    accounts); `name IS NOT NULL` (always true) keeps it off ix_account_cadence_scope,
    whose entries are not in id order: the lookups would jump about (+60% measured, see
    bench/RESULTS.md). PostgreSQL plans by cost either way."""
    return and_(Account.status.concat("").in_(cadence.IN_SCOPE_STATUSES), Account.name.is_not(None))


# -- this month: the maintained tally ----------------------------------------------------


def recount_query(month: date) -> Select:
    """(segment, rm_key, branch_key, in scope, met, overdue) under the monthly rule for
    `month`, from every in-scope account: the full recount behind cadence_tally."""
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    met, overdue = tally_upkeep.monthly_code_sql(month)
    return (
        select(Account.segment, rm_key, branch_key, func.count(), func.sum(met))
        .add_columns(func.sum(overdue))
        .select_from(Account)
        .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
        .where(_scan_scope())
        .group_by(Account.segment, rm_key, branch_key)
    )


def ensure_tally(month: date) -> None:
    """Make cadence_tally count `month`. Usually it does already (one primary-key read);
    on the first read of a month, or after a bulk change, one set-based recount is stored
    under the state row's lock (writers wait, then add their deltas to the new figures)."""
    state = select(CadenceTallyState.month).where(CadenceTallyState.id == tally_upkeep.TALLY_ID)
    if db.session.scalar(state) == month:
        return
    conn = db.session.connection()
    conn.execute(
        tally_upkeep.dialect_insert(conn, CadenceTallyState.__table__)
        .values(id=tally_upkeep.TALLY_ID, month=None)
        .on_conflict_do_nothing()
    )
    if conn.execute(state.with_for_update()).scalar() == month:
        return  # another request recounted it meanwhile
    conn.execute(delete(CadenceTally.__table__))
    columns = ["segment", "rm_key", "branch_key", "in_scope", "met", "overdue"]
    conn.execute(insert(CadenceTally.__table__).from_select(columns, recount_query(month)))
    conn.execute(
        update(CadenceTallyState.__table__)
        .where(CadenceTallyState.id == tally_upkeep.TALLY_ID)
        .values(month=month)
    )


Cell = tuple[str, int, int, int, int, int, int]  # segment, rm, branch, n, met, overdue, due


def current_cells(
    today: date, rm_id: int | None = None, branch_id: int | None = None
) -> list[Cell]:
    """This month's (segment, rm_key, branch_key, in scope, met, overdue, due) per cell, of
    one RM or branch when given (0: none assigned).

    Monthly-rule segments read cadence_tally as it stands (due: the rest, in the last days
    of the month). Every-N-days segments take in scope from it, and count met and due as a
    range of ix_account_cadence_held (last_held_on within N days), index-only."""
    month = month_start(today)
    ensure_tally(month)
    late = cadence.days_left_in_month(today) < cadence.DUE_WINDOW_DAYS
    policies = cadence.policies()
    cells: dict[tuple[str, int, int], list[int]] = {}
    tally = select(
        CadenceTally.segment,
        CadenceTally.rm_key,
        CadenceTally.branch_key,
        CadenceTally.in_scope,
        CadenceTally.met,
        CadenceTally.overdue,
    ).where(CadenceTally.in_scope > 0)
    tally = narrow(tally, CadenceTally, rm_id, branch_id)
    for segment, rm, branch, n, met, overdue in db.session.execute(tally):
        if segment in policies and not policies[segment].monthly:
            cells[(segment, rm, branch)] = [n, 0, n, 0]  # met and due: counted below
        else:
            cells[(segment, rm, branch)] = [n, met, overdue, n - met - overdue if late else 0]
    for segment, policy in policies.items():
        if policy.monthly:
            continue
        counts = narrow(_days_counts(segment, policy, today), AccountCadence, rm_id, branch_id)
        for rm, branch, met, due in db.session.execute(counts):
            cell = cells.setdefault((segment, rm, branch), [met, 0, met, 0])
            cell[1], cell[2], cell[3] = met, cell[0] - met, due
    return [(s, r, b, *figures) for (s, r, b), figures in cells.items()]


def narrow(stmt: Select, table, rm_id: int | None, branch_id: int | None) -> Select:
    """One RM's or branch's rows of a table keyed by rm_key/branch_key."""
    if rm_id is not None:
        stmt = stmt.where(table.rm_key == rm_id)
    if branch_id is not None:
        stmt = stmt.where(table.branch_key == branch_id)
    return stmt


def _days_counts(segment: str, policy: cadence.Policy, today: date) -> Select:
    """(rm_key, branch_key, met, due) of an every-N-days segment: an index-only range."""
    window = today - timedelta(days=policy.days)
    safe_from = today - timedelta(days=policy.days - cadence.DUE_WINDOW_DAYS)
    last = AccountCadence.last_held_on
    return (
        select(
            AccountCadence.rm_key,
            AccountCadence.branch_key,
            func.count(),
            func.sum(case((last < safe_from, 1), else_=0)),
        )
        .where(AccountCadence.scope_segment == segment, last >= window)
        .group_by(AccountCadence.rm_key, AccountCadence.branch_key)
    )


def _by_rm_and_branch(cells) -> list[tuple[int | None, int | None, int, int, int, int]]:
    grid: dict[tuple[int | None, int | None], list[int]] = {}
    for _segment, rm_id, branch_id, *figures in cells:
        acc = grid.setdefault((rm_id or None, branch_id or None), [0, 0, 0, 0])
        for i, value in enumerate(figures):
            acc[i] += int(value)
    return [(rm, branch, *figures) for (rm, branch), figures in grid.items()]


def current_grid(today: date) -> list[tuple[int | None, int | None, int, int, int, int]]:
    """This month's (rm_id, branch_id, in scope, met, overdue, due), from current_cells()."""
    return _by_rm_and_branch(current_cells(today))


def recount_grid(today: date) -> list[tuple[int | None, int | None, int, int, int, int]]:
    """current_grid() the slow way, one pass over every in-scope account and its summary
    (one CASE per row): the reference the maintained figures are tested against."""
    # Grouping by expressions, not the bare columns, keeps SQLite from walking
    # ix_account_rm_name with a table lookup per row: a plain scan is several times faster.
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    code = cadence.code_expr(today)
    rows = db.session.execute(
        select(rm_key, branch_key, code, func.count())
        .select_from(Account)
        .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
        .where(_scan_scope())
        .group_by(rm_key, branch_key, code)
    ).all()
    cells: dict[tuple[int | None, int | None], list[int]] = {}
    for rm_id, branch_id, state, count in rows:
        cell = cells.setdefault((rm_id or None, branch_id or None), [0, 0, 0, 0])
        cell[0] += count
        if state in (cadence.CODE_MET, cadence.CODE_DUE_MET):
            cell[1] += count
        if state == cadence.CODE_OVERDUE:
            cell[2] += count
        if state in (cadence.CODE_DUE, cadence.CODE_DUE_MET):
            cell[3] += count
    return [(rm, branch, *figures) for (rm, branch), figures in cells.items()]
