"""Suggested cases: accounts with 2 or more overdue unpaid months, or a PDS flag in their
latest month, and no open case.

Stored, not computed per page: refresh_suggestions() rebuilds the case_suggestion table
from the two partial indexes on compliance_period (ix_compliance_period_unpaid and
ix_compliance_period_pds) once a day (the `cases.suggestions` periodic task) and after every
compliance import, so the list pages read a small table by RM. "No open case" is checked
when the list is read, so a case opened a minute ago drops out at once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, delete, exists, func, insert, select
from sqlalchemy.orm import aliased, contains_eager

from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases.models import CaseSuggestion, EscalationCase
from crm.compliance import arrears
from crm.compliance.calendar import PAYMENT, working_calendar
from crm.compliance.models import CompliancePeriod
from crm.compliance.services import arrears_rules, today_local
from crm.db import utcnow
from crm.extensions import db
from crm.imports.checks import chunked

MIN_UNPAID_MONTHS = 2


def last_overdue_month(today: date) -> date:
    """The latest contribution month whose deadline has passed by `today`."""
    previous = arrears.add_months(arrears.month_start(today), -1)
    rule = arrears.rule_for(previous, arrears_rules())
    if today > arrears.deadline(previous, rule, working_calendar(PAYMENT)):
        return previous
    return arrears.add_months(previous, -1)


def _unpaid_counts(today: date) -> dict[int, int]:
    rows = db.session.execute(
        select(CompliancePeriod.account_id, func.count())
        .where(CompliancePeriod.unpaid > 0, CompliancePeriod.period <= last_overdue_month(today))
        .group_by(CompliancePeriod.account_id)
        .having(func.count() >= MIN_UNPAID_MONTHS)
    )
    return {r[0]: r[1] for r in rows}


def _latest_pds() -> dict[int, tuple[bool, bool, bool]]:
    later = aliased(CompliancePeriod)
    cp = CompliancePeriod
    rows = db.session.execute(
        select(cp.account_id, cp.pds_tk, cp.pds_upah, cp.pds_program).where(
            cp.pds_tk | cp.pds_upah | cp.pds_program,
            ~exists().where(later.account_id == cp.account_id, later.period > cp.period),
        )
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def refresh_suggestions(today: date | None = None) -> int:
    """Rebuild the suggestions; returns how many accounts are listed."""
    return store_suggestions(suggestion_rows(today))


def suggestion_rows(today: date | None = None) -> list[dict]:
    """The suggestions as of today (reads only: a job may run this outside the write lock)."""
    today = today or today_local()
    unpaid, pds = _unpaid_counts(today), _latest_pds()
    ids = sorted(set(unpaid) | set(pds))
    now = utcnow()
    rows = []
    for account_id in ids:
        tk, upah, program = pds.get(account_id, (False, False, False))
        months = unpaid.get(account_id, 0)
        reason = "arrears" if months else "pds_tk" if tk else "pds_upah" if upah else "pds_program"
        rows.append(
            {
                "account_id": account_id,
                "reason": reason,
                "unpaid_months": months,
                "pds_tk": tk,
                "pds_upah": upah,
                "pds_program": program,
                "refreshed_at": now,
            }
        )
    return rows


def store_suggestions(rows: list[dict]) -> int:
    """Replace every suggestion with these rows."""
    db.session.execute(delete(CaseSuggestion))
    for batch in chunked(rows, 5000):
        db.session.execute(insert(CaseSuggestion), batch)
    return len(rows)


def suggestion_query(user: User) -> Select:
    """Suggestions without an open case, with their account (for name order and the RM's
    portfolio: ix_account_rm_name); an RM sees those of their portfolio."""
    stmt = (
        select(CaseSuggestion)
        .join(Account, Account.id == CaseSuggestion.account_id)
        .options(contains_eager(CaseSuggestion.account))
        .where(
            ~exists().where(
                EscalationCase.account_id == CaseSuggestion.account_id,
                EscalationCase.status == "open",
            )
        )
    )
    if user.role == "rm":
        stmt = stmt.where(Account.rm_id == user.id)
    return stmt
