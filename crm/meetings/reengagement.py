"""Institutions to re-engage: silent too long, or far fewer contacts than the quarter before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Select,
    and_,
    func,
    or_,
    select,
)

from crm.accounts.models import Account
from crm.meetings import cadence
from crm.meetings.models import (
    AccountCadence,
    AccountMonth,
)
from crm.meetings.months import add_months, month_start

REENGAGE_SILENT_DAYS = 60


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
