"""The unpaid arrears stored on each open case, so the board reads them without recomputing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm.util import identity_key

from crm.cases.models import (
    EscalationCase,
)
from crm.compliance import arrears
from crm.compliance.calendar import PAYMENT, working_calendar
from crm.compliance.models import CompliancePeriod
from crm.compliance.services import arrears_rules, today_local
from crm.extensions import db
from crm.imports.checks import chunked

# -- stored arrears --------------------------------------------------------------------------

ARREARS_BATCH = 500  # accounts whose compliance months are read in one query


def _open_cases_of(case_ids: Iterable[int] | None) -> list[tuple[int, int]]:
    """(case id, account id) of the given cases that are open; None: every open case."""
    stmt = select(EscalationCase.id, EscalationCase.account_id).where(
        EscalationCase.status == "open"
    )
    if case_ids is None:
        return [(r[0], r[1]) for r in db.session.execute(stmt)]
    pairs = []
    for batch in chunked(sorted(set(case_ids)), ARREARS_BATCH):
        pairs += [
            (r[0], r[1]) for r in db.session.execute(stmt.where(EscalationCase.id.in_(batch)))
        ]
    return pairs


def arrears_of_accounts(account_ids: list[int], as_of: date) -> dict[int, arrears.ArrearsSummary]:
    """The arrears of each account as of a date, from one query for all their months: the
    same rules, calendar and months as the account's compliance page (account_compliance)."""
    cp = CompliancePeriod
    months: dict[int, list[arrears.MonthFigures]] = defaultdict(list)
    rows = db.session.execute(
        select(cp.account_id, cp.period, cp.contribution_due, cp.amount_paid, cp.paid_on)
        .add_columns(cp.fine_paid)
        .where(cp.account_id.in_(account_ids), cp.period <= as_of)
    )
    for account_id, period, due, paid, paid_on, fine_paid in rows:
        months[account_id].append(arrears.MonthFigures(period, due, paid, paid_on, fine_paid))
    rules, cal = arrears_rules(), working_calendar(PAYMENT)
    return {a: arrears.account_arrears(months.get(a, []), as_of, rules, cal) for a in account_ids}


def _store_arrears(values: list[dict]) -> None:
    """Write the figures: on the case objects this session holds (so they stay current),
    and in one executemany UPDATE by primary key for the rest."""
    identity = db.session.identity_map
    bulk = []
    for row in values:
        held = identity.get(identity_key(EscalationCase, row["id"]))
        if held is None:
            bulk.append(row)
            continue
        for key, value in row.items():
            if key != "id":
                setattr(held, key, value)
    if bulk:
        db.session.execute(update(EscalationCase), bulk)
    db.session.flush()


def refresh_case_arrears(case_ids: list[int] | None = None, as_of: date | None = None) -> int:
    """Recompute the stored arrears (unpaid contributions, fines, total, as-of date) of the
    given open cases, or of every open case when case_ids is None; returns how many cases
    were updated. Accounts are read ARREARS_BATCH at a time, their months in one query per
    batch. Flushes, never commits."""
    as_of = as_of or today_local()
    cases_by_account: dict[int, list[int]] = defaultdict(list)
    for case_id, account_id in _open_cases_of(case_ids):
        cases_by_account[account_id].append(case_id)
    updated = 0
    for batch in chunked(sorted(cases_by_account), ARREARS_BATCH):
        summaries = arrears_of_accounts(batch, as_of)
        values = [
            {
                "id": case_id,
                "arrears_unpaid": summaries[account_id].unpaid,
                "arrears_fine": summaries[account_id].fine,
                "arrears_total": summaries[account_id].total,
                "arrears_as_of": as_of,
            }
            for account_id in batch
            for case_id in cases_by_account[account_id]
        ]
        _store_arrears(values)
        updated += len(values)
    return updated
