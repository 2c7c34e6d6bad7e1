"""Supervisor figures: the share of accounts on cadence per RM and per branch, and the accounts
behind each number (the 12-month trend is in crm.meetings.trend, institutions to re-engage
in crm.meetings.reengagement).

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
    Select,
    bindparam,
    select,
    union_all,
)

from crm.accounts.models import Account
from crm.auth.models import User
from crm.extensions import db
from crm.i18n import local_midnight
from crm.meetings import cadence
from crm.meetings.models import (
    AccountCadence,
)
from crm.meetings.months import add_months, month_start
from crm.meetings.tally import Cell, current_cells, current_grid, narrow
from crm.offices import BranchOffice


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
    queries = [narrow(found, AccountCadence, rm_id, branch_id)]
    if new:
        created = select(Account.id).where(
            Account.created_at >= local_midnight(this_month), Account.segment == segment
        )
        queries.append(scoped(created, rm_id, branch_id))
    return queries
