"""Meeting cadence: the policy per segment, an account's status, and the same rules in SQL.

Rules (the clock is always passed in, as a local date in the configured time zone):

- "monthly_bod1" (corporate default): **on track** when a held BOD-1 interaction took
  place this calendar month. Otherwise **overdue** when the previous calendar month had
  none either and the account existed before this month began (account.created_at);
  otherwise **due** when fewer than 7 days of the month are left (today included);
  otherwise still on track ("belum bulan ini": there is time left).
- "days" (institutional default, N = 60): with d = days since the last held interaction of
  any type, **on track** when d <= N - 7, **due** when N - 7 < d <= N, **overdue** when
  d > N or there was none.

Only active and prospect accounts are in scope; inactive ones have no cadence.

"On cadence this month" (the supervisor view's share) = in-scope accounts that met the
policy this month / in-scope accounts. Met: monthly_bod1: at least one held BOD-1
interaction in the month; days: a held interaction within N days before today (current
month) or before the month's last day (closed months). Per RM = account.rm_id, per branch
= account.branch_office_id, both as assigned today.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import g, has_app_context
from sqlalchemy import and_, case, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from crm import audit
from crm.accounts.models import SEGMENTS, Account
from crm.db import as_utc, utcnow
from crm.extensions import db
from crm.i18n import local_date, local_midnight
from crm.meetings.models import (
    CADENCE_MODES,
    AccountCadence,
    AccountMonth,
    CadenceMonth,
    CadencePolicy,
)
from crm.meetings.months import IN_SCOPE_STATUSES, add_months, month_start
from crm.services import ServiceError

DUE_WINDOW_DAYS = 7
STATES = ("on_track", "due", "overdue")


@dataclass(frozen=True)
class Policy:
    segment: str
    mode: str  # "monthly_bod1" | "days"
    days: int = 30

    @property
    def monthly(self) -> bool:
        return self.mode == "monthly_bod1"


DEFAULT_POLICIES = {
    "corporate": Policy("corporate", "monthly_bod1", 30),
    "institutional": Policy("institutional", "days", 60),
}


def policies() -> dict[str, Policy]:
    """The policy of every segment (table rows over the defaults), read once per request."""
    cached = g.get("_cadence_policies") if has_app_context() else None
    if cached is not None:
        return cached
    found = dict(DEFAULT_POLICIES)
    for row in db.session.scalars(select(CadencePolicy)):
        found[row.segment] = Policy(row.segment, row.mode, row.days)
    if has_app_context():
        g._cadence_policies = found
    return found


def forget_policies() -> None:
    if has_app_context():
        g.pop("_cadence_policies", None)


def today_local(now: datetime | None = None) -> date:
    return local_date(now or utcnow())


def days_left_in_month(today: date) -> int:
    """Days of the month still ahead, today included (1 on the last day)."""
    return calendar.monthrange(today.year, today.month)[1] - today.day + 1


@dataclass
class CadenceStatus:
    state: str  # on_track | due | overdue | inactive
    met: bool  # the policy is met for this month already
    policy: Policy
    days_since: int | None  # since the last interaction that counts for the policy
    last_bod1_on: date | None
    last_held_on: date | None
    next_planned_at: datetime | None = None

    @property
    def waiting(self) -> bool:
        """On track only because the month is not over yet ("belum bulan ini")."""
        return self.state == "on_track" and not self.met


def cadence_status(
    policy: Policy,
    *,
    today: date,
    created_on: date,
    last_bod1_on: date | None,
    last_held_on: date | None,
    account_status: str = "active",
    next_planned_at: datetime | None = None,
) -> CadenceStatus:
    """An account's cadence state on `today` (local date) under `policy`."""
    counted = last_bod1_on if policy.monthly else last_held_on
    days_since = (today - counted).days if counted else None
    result = CadenceStatus(
        "on_track", False, policy, days_since, last_bod1_on, last_held_on, next_planned_at
    )
    if account_status not in IN_SCOPE_STATUSES:
        result.state = "inactive"
        return result
    if policy.monthly:
        this_month = month_start(today)
        result.met = counted is not None and counted >= this_month
        missed_last = counted is None or counted < add_months(this_month, -1)
        if result.met:
            result.state = "on_track"
        elif missed_last and created_on < this_month:
            result.state = "overdue"
        elif days_left_in_month(today) < DUE_WINDOW_DAYS:
            result.state = "due"
        return result
    result.met = days_since is not None and days_since <= policy.days
    if days_since is None or days_since > policy.days:
        result.state = "overdue"
    elif days_since > policy.days - DUE_WINDOW_DAYS:
        result.state = "due"
    return result


def account_status(account: Account, now: datetime | None = None) -> CadenceStatus:
    """The status of one account today, from its maintained summary."""
    summary = db.session.get(AccountCadence, account.id)
    return cadence_status(
        policies()[account.segment],
        today=today_local(now),
        created_on=local_date(as_utc(account.created_at)),
        last_bod1_on=summary.last_bod1_on if summary else None,
        last_held_on=summary.last_held_on if summary else None,
        account_status=account.status,
        next_planned_at=summary.next_planned_at if summary else None,
    )


# -- the same rules in SQL, over Account LEFT JOIN AccountCadence ------------------------


def _segment_clauses(policy: Policy, today: date) -> dict[str, ColumnElement]:
    if policy.monthly:
        this_month = month_start(today)
        last = AccountCadence.last_bod1_on
        met = last >= this_month
        overdue = and_(
            or_(last.is_(None), last < add_months(this_month, -1)),
            Account.created_at < local_midnight(this_month),
        )
        not_met = or_(last.is_(None), last < this_month)
        late = true() if days_left_in_month(today) < DUE_WINDOW_DAYS else false()
        due = and_(not_met, ~overdue, late)
        return {"met": met, "overdue": overdue, "due": due}
    last = AccountCadence.last_held_on
    window = today - timedelta(days=policy.days)
    met = last >= window
    overdue = or_(last.is_(None), last < window)
    due = and_(last >= window, last < today - timedelta(days=policy.days - DUE_WINDOW_DAYS))
    return {"met": met, "overdue": overdue, "due": due}


def in_scope() -> ColumnElement:
    return Account.status.in_(IN_SCOPE_STATUSES)


def state_expr(today: date) -> ColumnElement:
    """CASE giving 'on_track' | 'due' | 'overdue' | 'inactive' for each account row."""
    whens = [(~in_scope(), literal("inactive"))]
    for segment in SEGMENTS:
        clauses = _segment_clauses(policies()[segment], today)
        whens.append((and_(Account.segment == segment, clauses["overdue"]), literal("overdue")))
        whens.append((and_(Account.segment == segment, clauses["due"]), literal("due")))
    return case(*whens, else_=literal("on_track"))


def met_expr(today: date) -> ColumnElement:
    """CASE giving 1 when the account met its policy this month (as of today), else 0."""
    whens = [
        (and_(Account.segment == s, _segment_clauses(policies()[s], today)["met"]), 1)
        for s in SEGMENTS
    ]
    return case(*whens, else_=0)


# Compact per-row code for counting many accounts at once (one CASE per row instead of
# three): met/on track, waiting (on track, not met yet), due but met (every-N-days), due,
# overdue.
CODE_MET, CODE_WAITING, CODE_DUE_MET, CODE_DUE, CODE_OVERDUE = range(5)


def code_expr(today: date) -> ColumnElement:
    """CASE giving one of the CODE_* values for an in-scope account row."""
    branches = []
    for segment in SEGMENTS:
        policy = policies()[segment]
        if policy.monthly:
            this_month = month_start(today)
            last = AccountCadence.last_bod1_on
            overdue = and_(
                or_(last.is_(None), last < add_months(this_month, -1)),
                Account.created_at < local_midnight(this_month),
            )
            late = days_left_in_month(today) < DUE_WINDOW_DAYS
            inner = case(
                (last >= this_month, CODE_MET),
                (overdue, CODE_OVERDUE),
                else_=CODE_DUE if late else CODE_WAITING,
            )
        else:
            last = AccountCadence.last_held_on
            inner = case(
                (last >= today - timedelta(days=policy.days - DUE_WINDOW_DAYS), CODE_MET),
                (last >= today - timedelta(days=policy.days), CODE_DUE_MET),
                else_=CODE_OVERDUE,
            )
        branches.append((Account.segment == segment, inner))
    return case(*branches, else_=CODE_WAITING)


def state_clauses(policy: Policy, today: date) -> dict[str, ColumnElement]:
    """Plain WHERE clauses (no CASE) for each state of one segment's accounts, and 'met' /
    'not_met': the same rules as state_expr() and met_expr(), written so a planner can
    estimate them from column statistics (PostgreSQL misjudged `CASE ... = 'x'` 100-fold)
    and so each "rare" one is a range of ix_account_cadence_bod1/_held. For use in WHERE
    only, never under NOT: a comparison with a missing date is NULL, i.e. no match."""
    if policy.monthly:
        this_month = month_start(today)
        last = AccountCadence.last_bod1_on
        new = Account.created_at >= local_midnight(this_month)
        not_met = or_(last.is_(None), last < this_month)
        missed_last = or_(last.is_(None), last < add_months(this_month, -1))
        # Met last month, not yet this one; or created this month and not met yet.
        pending = or_(
            and_(last >= add_months(this_month, -1), last < this_month), and_(not_met, new)
        )
        late = days_left_in_month(today) < DUE_WINDOW_DAYS
        return {
            "met": last >= this_month,
            "not_met": not_met,
            "overdue": and_(missed_last, ~new),
            "due": pending if late else false(),
            "on_track": last >= this_month if late else or_(last >= this_month, pending),
        }
    last = AccountCadence.last_held_on
    window = today - timedelta(days=policy.days)
    safe_from = today - timedelta(days=policy.days - DUE_WINDOW_DAYS)
    missed = or_(last.is_(None), last < window)
    return {
        "met": last >= window,
        "not_met": missed,
        "overdue": missed,
        "due": and_(last >= window, last < safe_from),
        "on_track": last >= safe_from,
    }


def plain_state_clause(state: str, today: date) -> ColumnElement:
    """state_clauses() of every segment, for accounts known to be in scope."""
    return or_(
        *(
            and_(Account.segment == segment, state_clauses(policies()[segment], today)[state])
            for segment in SEGMENTS
        )
    )


def state_clause(state: str, today: date) -> ColumnElement:
    """One state (or 'met' / 'not_met') of accounts known to be in scope.

    PostgreSQL gets the plain clauses (it estimates them). SQLite gets one CASE, which no
    index serves, so it keeps the walk in page order the query was built for: with the
    plain OR it chose a MULTI-INDEX OR over ix_account_cadence_scope (segment=?) and sorted
    every match (540-740 ms for a common state over 100,000 accounts)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return plain_state_clause(state, today)
    if state in ("met", "not_met"):
        return met_expr(today) == (1 if state == "met" else 0)
    return state_expr(today) == state


def state_filter(state: str, today: date) -> ColumnElement:
    """WHERE clause for one state (or 'met' / 'not_met') of in-scope accounts."""
    return and_(in_scope(), state_clause(state, today))


def past_met_expr(month: date) -> ColumnElement:
    """1 when the account met its policy in a closed month, from account_month only."""
    month_end = add_months(month, 1) - timedelta(days=1)
    whens = []
    for segment in SEGMENTS:
        policy = policies()[segment]
        if policy.monthly:
            hit = (
                select(AccountMonth.account_id)
                .where(
                    AccountMonth.account_id == Account.id,
                    AccountMonth.month == month,
                    AccountMonth.bod1_held > 0,
                )
                .exists()
            )
        else:
            window = month_end - timedelta(days=policy.days)
            hit = (
                select(AccountMonth.account_id)
                .where(
                    AccountMonth.account_id == Account.id,
                    AccountMonth.month >= month_start(window),
                    AccountMonth.month <= month,
                    AccountMonth.last_held_on >= window,
                )
                .exists()
            )
        whens.append((and_(Account.segment == segment, hit), 1))
    return case(*whens, else_=0)


def existed_in(month: date) -> ColumnElement:
    """The account had been created by the end of that month."""
    return Account.created_at < local_midnight(add_months(month, 1))


def save_policy(segment: str, mode: str, days: int | None, actor) -> Policy:
    """Change a segment's cadence rule (admins); cached month figures are recomputed."""
    from flask_babel import gettext as _
    from sqlalchemy import delete

    if getattr(actor, "role", None) != "admin":
        raise ServiceError(_("Hanya admin yang dapat mengubah kebijakan kadens."))
    if segment not in SEGMENTS or mode not in CADENCE_MODES:
        raise ServiceError(_("Pilihan tidak dikenal."), f"{segment}_mode")
    if mode == "days" and not (days and 7 <= days <= 366):
        raise ServiceError(_("Antara 7 dan 366 hari."), f"{segment}_days")
    row = db.session.get(CadencePolicy, segment)
    if row is None:
        default = DEFAULT_POLICIES[segment]
        row = CadencePolicy(segment=segment, mode=default.mode, days=default.days)
        db.session.add(row)
        db.session.flush()
    before = audit.snapshot(row, ["mode", "days"])
    row.mode, row.days = mode, days or row.days
    after = audit.snapshot(row, ["mode", "days"])
    if before != after:
        db.session.execute(delete(CadenceMonth))
        audit.record(
            "cadence_policy.update",
            entity_type="cadence_policy",
            entity_id=segment,
            summary=f"{segment}: {mode} {row.days}",
            before=before,
            after=after,
            actor=actor,
        )
    forget_policies()
    return Policy(segment, row.mode, row.days)
