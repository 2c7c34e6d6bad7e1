"""The 12-month cadence trend, closed months read from the cadence_month cache."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Select,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from crm.accounts.models import Account
from crm.extensions import db
from crm.i18n import local_midnight
from crm.meetings import cadence
from crm.meetings.models import (
    AccountMonth,
    CadenceMonth,
)
from crm.meetings.months import add_months, month_start
from crm.meetings.tally import current_grid

MARKER = "*"  # a cadence_month row with this segment says "this month is computed"


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
