"""Supervisor figures: the share of accounts on cadence per RM and per branch, the 12-month
trend, the accounts behind each number, and institutions to re-engage.

The current month comes from cadence_tally, maintained in the same transaction as every
change (crm.meetings.summary) and recounted once when the month turns over, plus an
index range of account_cadence for every-N-days segments; closed months come from the
cadence_month cache, computed once from account_month and dropped when a late entry or a
policy change touches them. None of this reads the interaction table or scans every account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from crm.accounts.models import Account
from crm.auth.models import User
from crm.extensions import db
from crm.i18n import local_midnight
from crm.meetings import cadence, summary
from crm.meetings.models import (
    AccountCadence,
    AccountMonth,
    CadenceMonth,
    CadenceTally,
    CadenceTallyState,
)
from crm.meetings.summary import add_months, month_start
from crm.offices import BranchOffice

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


# -- this month: the maintained tally ----------------------------------------------------


def recount_query(month: date) -> Select:
    """(segment, rm_key, branch_key, in scope, met, overdue) under the monthly rule for
    `month`, from every in-scope account: the full recount behind cadence_tally."""
    rm_key = func.coalesce(Account.rm_id, 0)
    branch_key = func.coalesce(Account.branch_office_id, 0)
    met, overdue = summary.monthly_code_sql(month)
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
    state = select(CadenceTallyState.month).where(CadenceTallyState.id == summary.TALLY_ID)
    if db.session.scalar(state) == month:
        return
    conn = db.session.connection()
    conn.execute(
        summary.dialect_insert(conn, CadenceTallyState.__table__)
        .values(id=summary.TALLY_ID, month=None)
        .on_conflict_do_nothing()
    )
    if conn.execute(state.with_for_update()).scalar() == month:
        return  # another request recounted it meanwhile
    conn.execute(delete(CadenceTally.__table__))
    columns = ["segment", "rm_key", "branch_key", "in_scope", "met", "overdue"]
    conn.execute(insert(CadenceTally.__table__).from_select(columns, recount_query(month)))
    conn.execute(
        update(CadenceTallyState.__table__)
        .where(CadenceTallyState.id == summary.TALLY_ID)
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
    tally = _narrow(tally, CadenceTally, rm_id, branch_id)
    for segment, rm, branch, n, met, overdue in db.session.execute(tally):
        if segment in policies and not policies[segment].monthly:
            cells[(segment, rm, branch)] = [n, 0, n, 0]  # met and due: counted below
        else:
            cells[(segment, rm, branch)] = [n, met, overdue, n - met - overdue if late else 0]
    for segment, policy in policies.items():
        if policy.monthly:
            continue
        counts = _narrow(_days_counts(segment, policy, today), AccountCadence, rm_id, branch_id)
        for rm, branch, met, due in db.session.execute(counts):
            cell = cells.setdefault((segment, rm, branch), [met, 0, met, 0])
            cell[1], cell[2], cell[3] = met, cell[0] - met, due
    return [(s, r, b, *figures) for (s, r, b), figures in cells.items()]


def _narrow(stmt: Select, table, rm_id: int | None, branch_id: int | None) -> Select:
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
    today: date,
    month: date,
    state: str,
    rm_id: int | None,
    branch_id: int | None,
    per_page: int = 50,
) -> Select:
    """In-scope accounts of a scope in a state; closed months know only met / not_met.

    This month, the figures say how many accounts match. When they are few (fewer than
    √(page × accounts in scope): collecting and sorting them costs less than walking the
    name index until a page is full), their ids come from a range of
    ix_account_cadence_bod1/_held (and ix_account_created), and only those accounts are
    read and sorted. Otherwise the page walks the name index (or the RM's / branch's) in
    page order and stops after a page. Either way the state's own clause decides."""
    scope = cadence.in_scope()
    # `status || ''` keeps SQLite off ix_account_status_name: with it, SQLite collected every
    # match and sorted them (a temporary B-tree, 430 ms for the overdue accounts).
    if db.session.get_bind().dialect.name == "sqlite":
        scope = Account.status.concat("").in_(cadence.IN_SCOPE_STATUSES)
    stmt = select(Account).outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
    stmt = scoped(stmt.where(scope), rm_id, branch_id)
    if month >= month_start(today):
        if state not in (*cadence.STATES, "met", "not_met"):
            return stmt
        stmt = stmt.where(cadence.state_clause(state, today))
        ids = _rare_ids(today, state, rm_id, branch_id, per_page)
        if ids is not None:
            # Rendered inline: up to ~2,300 ids, past old SQLite's 999-parameter limit.
            stmt = stmt.where(Account.id.in_(bindparam("ids", ids, literal_execute=True)))
        return stmt
    stmt = stmt.where(cadence.existed_in(month))
    if state == "met":
        stmt = stmt.where(cadence.past_met_expr(month) == 1)
    elif state == "not_met":
        stmt = stmt.where(cadence.past_met_expr(month) == 0)
    return stmt


def _state_counts(cells: list[Cell], state: str) -> dict[str, tuple[int, int]]:
    """Per segment: (accounts in the state, accounts in scope), from current_cells()."""
    found: dict[str, tuple[int, int]] = {}
    for segment, _rm, _branch, n, met, overdue, due in cells:
        count = {
            "met": met,
            "not_met": n - met,
            "overdue": overdue,
            "due": due,
            "on_track": n - overdue - due,
        }[state]
        hits, total = found.get(segment, (0, 0))
        found[segment] = (hits + count, total + n)
    return found


def _rare_ids(
    today: date, state: str, rm_id: int | None, branch_id: int | None, per_page: int
) -> list[int] | None:
    """The ids of the accounts that may be in the state (a superset of the matches) when
    they are few; None when walking the name index is cheaper, or when the state includes
    accounts without a date (an account with no summary row has none)."""
    counts = _state_counts(current_cells(today, rm_id, branch_id), state)
    hits = sum(h for h, _n in counts.values())
    if not hits:
        return []
    if hits * hits > (per_page + 1) * sum(n for _h, n in counts.values()):
        return None
    parts = []
    for segment, (segment_hits, _n) in counts.items():
        if not segment_hits:
            continue
        found = _candidates(segment, cadence.policies()[segment], state, today, rm_id, branch_id)
        if found is None:
            return None
        parts += found
    return sorted(set(db.session.scalars(union_all(*parts) if len(parts) > 1 else parts[0])))


def _candidates(
    segment: str,
    policy: cadence.Policy,
    state: str,
    today: date,
    rm_id: int | None,
    branch_id: int | None,
) -> list[Select] | None:
    """Queries of the ids of one segment's accounts that may be in `state` (ranges of the
    summary's dates), or None when the state includes accounts without a date."""
    this_month = month_start(today)
    if policy.monthly:
        column = AccountCadence.last_bod1_on
        late = cadence.days_left_in_month(today) < cadence.DUE_WINDOW_DAYS
        previous = add_months(this_month, -1)
        ranges = {
            "met": (this_month, None),
            "due": (previous, this_month),
            "on_track": (this_month, None) if late else (previous, None),
        }
        # Accounts created this month have no month to miss: due or on track without a date.
        new = state == "due" or (state == "on_track" and not late)
    else:
        column = AccountCadence.last_held_on
        window = today - timedelta(days=policy.days)
        safe_from = today - timedelta(days=policy.days - cadence.DUE_WINDOW_DAYS)
        ranges = {"met": (window, None), "due": (window, safe_from), "on_track": (safe_from, None)}
        new = False
    if state not in ranges:
        return None
    low, high = ranges[state]
    found = select(AccountCadence.account_id).where(
        AccountCadence.scope_segment == segment, column >= low
    )
    if high is not None:
        found = found.where(column < high)
    queries = [_narrow(found, AccountCadence, rm_id, branch_id)]
    if new:
        created = select(Account.id).where(
            Account.created_at >= local_midnight(this_month), Account.segment == segment
        )
        queries.append(scoped(created, rm_id, branch_id))
    return queries


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
