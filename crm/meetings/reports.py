"""Supervisor figures: the share of accounts on cadence per RM and per branch, the 12-month
trend, the accounts behind each number, and institutions to re-engage.

The current month is counted live from account_cadence (one row per account); closed months
come from the cadence_month cache, computed once from account_month and dropped when a late
entry or a policy change touches them. None of this reads the interaction table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Select, and_, case, func, insert, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from crm.accounts.models import Account
from crm.admin.models import BranchOffice
from crm.auth.models import User
from crm.extensions import db
from crm.i18n import local_midnight
from crm.meetings import cadence
from crm.meetings.models import AccountCadence, AccountMonth, CadenceMonth
from crm.meetings.summary import add_months, month_start

MARKER = "*"  # a cadence_month row with this segment says "this month is computed"
REENGAGE_SILENT_DAYS = 60


@dataclass
class ShareRow:
    key: int | None  # RM or branch id; None = not assigned
    label: str
    in_scope: int
    met: int
    overdue: int = 0
    due: int = 0

    @property
    def share(self) -> float | None:
        return self.met / self.in_scope if self.in_scope else None

    @property
    def percent(self) -> str:
        return "-" if self.share is None else f"{round(self.share * 100)}%"


def scoped(stmt: Select, rm_id: int | None = None, branch_id: int | None = None) -> Select:
    """Narrow to one RM's or one branch's accounts; 0 means "not assigned", None "all"."""
    if rm_id is not None:
        stmt = stmt.where(Account.rm_id == rm_id if rm_id else Account.rm_id.is_(None))
    if branch_id is not None:
        stmt = stmt.where(
            Account.branch_office_id == branch_id
            if branch_id
            else Account.branch_office_id.is_(None)
        )
    return stmt


def _scan_scope():
    """In scope, for counting nearly every account in id order: SQLite scans the account
    table and looks up account_cadence in the same order. `status || ''` keeps it off
    ix_account_status_name (a table lookup per entry in name order: 420 ms on 100,000
    accounts); `name IS NOT NULL` (always true) keeps it off ix_account_cadence_scope,
    whose entries are not in id order: the lookups would jump about (+60% measured, see
    bench/RESULTS.md). PostgreSQL plans by cost either way."""
    return and_(Account.status.concat("").in_(cadence.IN_SCOPE_STATUSES), Account.name.is_not(None))


def current_grid(today: date) -> list[tuple[int | None, int | None, int, int, int, int]]:
    """This month's (rm_id, branch_id, in scope, met, overdue, due): one pass over the
    in-scope accounts and their summaries, one CASE per row, grouped by both keys at once."""
    # Grouping by expressions, not the bare columns, keeps SQLite from walking
    # ix_account_rm_name with a table lookup per row: a plain scan is several times faster.
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    code = cadence.code_expr(today)
    # With 95% of the accounts in scope, ix_account_status_name took 420 ms on 100,000
    # accounts (a table lookup per entry): see _scan_scope().
    scope = _scan_scope()
    rows = db.session.execute(
        select(rm_key, branch_key, code, func.count())
        .select_from(Account)
        .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
        .where(scope)
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


def current_shares(today: date, by: str, grid=None) -> list[ShareRow]:
    """This month's figures per RM (`by="rm"`) or per branch (`by="branch"`)."""
    grid = current_grid(today) if grid is None else grid
    sums: dict[int | None, list[int]] = {}
    for rm_id, branch_id, *figures in grid:
        key = rm_id if by == "rm" else branch_id
        acc = sums.setdefault(key, [0, 0, 0, 0])
        for i, value in enumerate(figures):
            acc[i] += value
    labels = _labels(by, [k for k in sums if k is not None])
    result = [ShareRow(k, labels.get(k, "-"), *v) for k, v in sums.items()]
    return sorted(result, key=lambda r: (r.key is None, r.label.lower()))


def total(rows: list[ShareRow]) -> ShareRow:
    return ShareRow(
        None,
        "",
        sum(r.in_scope for r in rows),
        sum(r.met for r in rows),
        sum(r.overdue for r in rows),
        sum(r.due for r in rows),
    )


def _labels(by: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    if by == "rm":
        stmt = select(User.id, User.name).where(User.id.in_(ids))
    else:
        stmt = select(BranchOffice.id, BranchOffice.name).where(BranchOffice.id.in_(ids))
    return dict(db.session.execute(stmt).all())


# -- the trend --------------------------------------------------------------------------


def ensure_month_cached(month: date) -> None:
    """Compute and store a closed month's figures unless they are cached already."""
    ensure_months_cached([month])


def ensure_months_cached(months: list[date]) -> None:
    """Compute and store the figures of those closed months that are not cached yet.

    Set-based, a handful of statements for all missing months together: one pass over the
    accounts counts those in scope per month (sum of CASE per month), then per segment one
    GROUP BY over the account_month rows that meet the policy (bench/RESULTS.md). The
    figures are the same as past_met_expr() per account (tests/test_cadence.py).
    """
    found = set(
        db.session.scalars(
            select(CadenceMonth.month).where(
                CadenceMonth.month.in_(months), CadenceMonth.segment == MARKER
            )
        )
    )
    missing = sorted(m for m in set(months) if m not in found)
    if not missing:
        return
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    bounds = {m: local_midnight(add_months(m, 1)) for m in missing}
    counts = [func.sum(case((Account.created_at < bounds[m], 1), else_=0)) for m in missing]
    figures: dict[tuple[date, str, int, int], list[int]] = {}
    rows = db.session.execute(
        select(Account.segment, rm_key, branch_key, *counts)
        .where(cadence.in_scope(), Account.created_at < bounds[missing[-1]])
        .group_by(Account.segment, rm_key, branch_key)
    ).all()
    for segment, rm, branch, *per_month in rows:
        for m, n in zip(missing, per_month, strict=True):
            if n:
                figures[(m, segment, rm, branch)] = [int(n), 0]
    for segment, policy in cadence.policies().items():
        for m, rm, branch, met in db.session.execute(_met_counts(segment, policy, missing)):
            figures[(m, segment, rm, branch)][1] = int(met)
    values = [
        {"month": m, "segment": seg, "rm_key": rm, "branch_key": br, "in_scope": n, "met": met}
        for (m, seg, rm, br), (n, met) in figures.items()
    ]
    values += [
        {"month": m, "segment": MARKER, "rm_key": 0, "branch_key": 0, "in_scope": 0, "met": 0}
        for m in missing
    ]
    try:
        with db.session.begin_nested():
            db.session.execute(insert(CadenceMonth), values)
    except IntegrityError:
        pass  # another request cached the same months a moment ago


def _met_counts(segment: str, policy: cadence.Policy, months: list[date]) -> Select:
    """(month, rm_key, branch_key, accounts that met the policy) of one segment's in-scope
    accounts for each closed month. SQLite walks ix_account_cadence_scope for the segment,
    reads each account's account_month rows of the period through the primary key and
    matches them to the months (a small UNION ALL of constants)."""
    # A UNION ALL of one-row SELECTs, not VALUES: SQLite cannot name VALUES columns.
    rows = [
        select(
            literal(m, Date).label("cm_month"),
            literal(bound, Account.created_at.type).label("cm_bound"),
            literal(low, Date).label("cm_low"),
            literal(window, Date).label("cm_window"),
        )
        for m, bound, low, window in (_month_row(m, policy) for m in months)
    ]
    table = union_all(*rows).subquery("closed_month")
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    if policy.monthly:
        # No join to the months: the month is account_month's own, its bound a CASE. A join
        # on `month = cm_month` let SQLite drive from ix_account_month_month and look up
        # ~500,000 account rows (5 s); this way it walks ix_account_cadence_scope.
        bound = case(
            *((AccountMonth.month == m, _month_row(m, policy)[1]) for m in months),
            else_=None,
        )
        return (
            select(AccountMonth.month, rm_key, branch_key, func.count())
            .select_from(Account)
            .join(
                AccountMonth,
                and_(
                    AccountMonth.account_id == Account.id,
                    AccountMonth.month >= months[0],
                    AccountMonth.month <= months[-1],
                ),
            )
            .where(Account.segment == segment, cadence.in_scope())
            .where(AccountMonth.month.in_(months), AccountMonth.bod1_held > 0)
            # Most accounts predate the period: the CASE runs only for the newer ones.
            .where(
                or_(
                    Account.created_at < _month_row(months[0], policy)[1],
                    Account.created_at < bound,
                )
            )
            .group_by(AccountMonth.month, rm_key, branch_key)
        )
    first = min(_month_row(m, policy)[2] for m in months)
    hit = and_(
        AccountMonth.month >= table.c.cm_low,
        AccountMonth.month <= table.c.cm_month,
        AccountMonth.last_held_on >= table.c.cm_window,
    )
    met = func.count(Account.id.distinct())  # several months may show the held contact
    return (
        select(table.c.cm_month, rm_key, branch_key, met)
        .select_from(Account)
        .join(
            AccountMonth,
            and_(
                AccountMonth.account_id == Account.id,
                AccountMonth.month >= first,
                AccountMonth.month <= months[-1],
            ),
        )
        .join(table, hit)
        .where(Account.segment == segment, cadence.in_scope())
        .where(Account.created_at < table.c.cm_bound)
        .group_by(table.c.cm_month, rm_key, branch_key)
    )


def _month_row(month: date, policy: cadence.Policy) -> tuple:
    month_end = add_months(month, 1) - timedelta(days=1)
    window = month_end - timedelta(days=policy.days)
    return (month, local_midnight(add_months(month, 1)), month_start(window), window)


def trend(
    today: date,
    rm_id: int | None = None,
    branch_id: int | None = None,
    months: int = 12,
    grid=None,
) -> list[tuple[date, int, int]]:
    """(month, in scope, met) for the last `months` months, the current one last."""
    this_month = month_start(today)
    closed = [add_months(this_month, -i) for i in range(months - 1, 0, -1)]
    ensure_months_cached(closed)
    stmt = (
        select(CadenceMonth.month, func.sum(CadenceMonth.in_scope), func.sum(CadenceMonth.met))
        .where(CadenceMonth.month >= closed[0], CadenceMonth.month < this_month)
        .where(CadenceMonth.segment != MARKER)
        .group_by(CadenceMonth.month)
    )
    if rm_id is not None:
        stmt = stmt.where(CadenceMonth.rm_key == rm_id)
    if branch_id is not None:
        stmt = stmt.where(CadenceMonth.branch_key == branch_id)
    found = {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in db.session.execute(stmt)}
    points = [(m, *found.get(m, (0, 0))) for m in closed]
    grid = current_grid(today) if grid is None else grid
    live = [
        (n, met)
        for rm, branch, n, met, *_rest in grid
        if (rm_id is None or (rm or 0) == rm_id)
        and (branch_id is None or (branch or 0) == branch_id)
    ]
    points.append((this_month, sum(n for n, _m in live), sum(m for _n, m in live)))
    return points


# -- the accounts behind a number -------------------------------------------------------


def drilldown_query(
    today: date, month: date, state: str, rm_id: int | None, branch_id: int | None
) -> Select:
    """In-scope accounts of a scope in a state; closed months know only met / not_met."""
    # `status || ''` keeps SQLite off ix_account_status_name: with it, SQLite collected every
    # match and sorted them (a temporary B-tree, 430 ms for the overdue accounts). Without
    # it, it walks the name index (or the RM's / branch's) in page order and stops after a
    # page (bench/RESULTS.md).
    scope = cadence.in_scope()
    if db.session.get_bind().dialect.name == "sqlite":
        scope = Account.status.concat("").in_(cadence.IN_SCOPE_STATUSES)
    stmt = select(Account).outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
    stmt = scoped(stmt.where(scope), rm_id, branch_id)
    if month >= month_start(today):
        if state in cadence.STATES:
            stmt = stmt.where(cadence.state_expr(today) == state)
        elif state in ("met", "not_met"):
            stmt = stmt.where(cadence.met_expr(today) == (1 if state == "met" else 0))
        return stmt
    stmt = stmt.where(cadence.existed_in(month))
    if state == "met":
        stmt = stmt.where(cadence.past_met_expr(month) == 1)
    elif state == "not_met":
        stmt = stmt.where(cadence.past_met_expr(month) == 0)
    return stmt


# -- re-engagement ------------------------------------------------------------------------


@dataclass
class Reengagement:
    account: Account
    last_quarter: int
    quarter_before: int
    last_held_on: date | None
    silent: bool  # no held contact in 60 days
    dropped: bool  # last quarter at most half of the quarter before


def quarters(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(first, last month) of the last three complete months and of the three before."""
    this_month = month_start(today)
    return (
        (add_months(this_month, -3), add_months(this_month, -1)),
        (add_months(this_month, -6), add_months(this_month, -4)),
    )


def reengagement_query(today: date, rm_id: int | None = None) -> Select:
    """Institutions whose held interactions in the last quarter (three complete months) fell
    to half or less of the quarter before, or with no held contact in 60 days."""
    (last_from, last_to), (prev_from, prev_to) = quarters(today)

    def held_between(first: date, last: date):
        return (
            select(func.coalesce(func.sum(AccountMonth.held), 0))
            .where(
                AccountMonth.account_id == Account.id,
                AccountMonth.month >= first,
                AccountMonth.month <= last,
            )
            .scalar_subquery()
        )

    last_q = held_between(last_from, last_to).label("last_quarter")
    prev_q = held_between(prev_from, prev_to).label("quarter_before")
    silent_since = today - timedelta(days=REENGAGE_SILENT_DAYS)
    stmt = (
        select(Account, last_q, prev_q, AccountCadence.last_held_on)
        .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
        .where(Account.segment == "institutional", cadence.in_scope())
        .where(
            or_(
                AccountCadence.last_held_on.is_(None),
                AccountCadence.last_held_on < silent_since,
                and_(prev_q > 0, last_q * 2 <= prev_q),
            )
        )
    )
    if rm_id:
        stmt = stmt.where(Account.rm_id == rm_id)
    return stmt


def reengagement_rows(rows, today: date) -> list[Reengagement]:
    """Rows of reengagement_query() with the reasons spelled out."""
    silent_since = today - timedelta(days=REENGAGE_SILENT_DAYS)
    return [
        Reengagement(
            account,
            int(last_q),
            int(prev_q),
            last_held,
            last_held is None or last_held < silent_since,
            prev_q > 0 and last_q * 2 <= prev_q,
        )
        for account, last_q, prev_q, last_held in rows
    ]
