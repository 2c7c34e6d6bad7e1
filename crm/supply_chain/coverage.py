"""Coverage figures: vendors registered / all vendors and registered / estimated workers,
per parent, across parents (the roll-up), and the monthly snapshots behind the trend.

Registered workers of a registered vendor are the `workers_registered` of its latest
contribution month up to today (crm.compliance). They are read live, one seek per
registered vendor into the (account_id, period) unique index of compliance_period through
a correlated subquery, so the figure is never stale after a compliance import; a parent
with 20,000 vendors is summed in one statement (see bench/supply_chain_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import joinedload

from crm.accounts.models import Account
from crm.compliance.models import CompliancePeriod
from crm.db import utcnow
from crm.extensions import db
from crm.supply_chain.models import SupplyChainLink, SupplyChainSnapshot

TREND_MONTHS = 12


@dataclass
class Coverage:
    vendors_total: int = 0
    vendors_registered: int = 0
    workers_estimated: int = 0
    workers_registered: int = 0

    @property
    def vendors_share(self) -> float | None:
        return self.vendors_registered / self.vendors_total if self.vendors_total else None

    @property
    def workers_share(self) -> float | None:
        if not self.workers_estimated:
            return None
        return self.workers_registered / self.workers_estimated

    @property
    def prospects(self) -> int:
        return self.vendors_total - self.vendors_registered


def latest_workers(today: date):
    """Correlated scalar: the workers registered in the vendor's latest month <= today."""
    return (
        select(CompliancePeriod.workers_registered)
        .where(
            CompliancePeriod.account_id == SupplyChainLink.vendor_account_id,
            CompliancePeriod.period <= today,
        )
        .order_by(CompliancePeriod.period.desc())
        .limit(1)
        .correlate(SupplyChainLink)
        .scalar_subquery()
    )


def _figures(today: date):
    return (
        func.count(SupplyChainLink.id),
        func.count(SupplyChainLink.vendor_account_id),
        func.coalesce(func.sum(SupplyChainLink.estimated_workers), 0),
        func.coalesce(func.sum(latest_workers(today)), 0),
    )


def parent_coverage(parent_id: int, today: date) -> Coverage:
    """One parent's figures in one statement."""
    row = db.session.execute(
        select(*_figures(today)).where(SupplyChainLink.parent_id == parent_id)
    ).one()
    return Coverage(*(int(v or 0) for v in row))


def coverage_by_parent(parent_ids: list[int], today: date) -> dict[int, Coverage]:
    """The figures of these parents (a page of the roll-up), grouped in one statement."""
    if not parent_ids:
        return {}
    rows = db.session.execute(
        select(SupplyChainLink.parent_id, *_figures(today))
        .where(SupplyChainLink.parent_id.in_(parent_ids))
        .group_by(SupplyChainLink.parent_id)
    ).all()
    return {r[0]: Coverage(*(int(v or 0) for v in r[1:])) for r in rows}


def parents_query(user):
    """Accounts that have vendors: every one for supervisors and admins, an RM's own."""
    has_vendors = select(SupplyChainLink.id).where(SupplyChainLink.parent_id == Account.id)
    stmt = select(Account).where(has_vendors.exists()).options(joinedload(Account.rm))
    if user.role == "rm":
        stmt = stmt.where(Account.rm_id == user.id)
    return stmt


def total_coverage(user, today: date) -> Coverage:
    """Across all the parents the user sees (the supervisor's roll-up line)."""
    stmt = select(*_figures(today))
    if user.role == "rm":
        stmt = stmt.join(Account, Account.id == SupplyChainLink.parent_id).where(
            Account.rm_id == user.id
        )
    row = db.session.execute(stmt).one()
    return Coverage(*(int(v or 0) for v in row))


# -- snapshots and trend ------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def write_snapshots(today: date) -> int:
    """This month's figures of every parent, upserted: running it again the same month
    replaces the row, so a month keeps its last figures and never gets two rows."""
    month = month_start(today)
    figures = db.session.execute(
        select(SupplyChainLink.parent_id, *_figures(today)).group_by(SupplyChainLink.parent_id)
    ).all()
    stored = dict(
        db.session.execute(
            select(SupplyChainSnapshot.parent_id, SupplyChainSnapshot.id).where(
                SupplyChainSnapshot.month == month
            )
        ).all()
    )
    now = utcnow()
    new, changed = [], []
    for parent_id, total, registered, estimated, workers in figures:
        values = {
            "vendors_total": int(total),
            "vendors_registered": int(registered),
            "workers_estimated": int(estimated or 0),
            "workers_registered": int(workers or 0),
            "taken_at": now,
        }
        if parent_id in stored:
            changed.append({"id": stored[parent_id], **values})
        else:
            new.append({"parent_id": parent_id, "month": month, **values})
    if new:
        db.session.execute(insert(SupplyChainSnapshot), new)
    if changed:
        db.session.execute(update(SupplyChainSnapshot), changed)
    return len(figures)


@dataclass
class TrendPoint:
    month: date
    coverage: Coverage | None  # None: no snapshot that month (the task did not run)
    live: bool = False  # this month's live figures, not yet (or not only) a snapshot


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def trend(parent_id: int, today: date, current: Coverage) -> list[TrendPoint]:
    """The months of the last TREND_MONTHS from the first snapshot, with this month's point
    taken from the live figures (so the chart moves as soon as a prospect registers). A
    month without a snapshot stays on the axis as a gap rather than vanishing, so the bars
    never put two distant months side by side."""
    month = month_start(today)
    rows = db.session.scalars(
        select(SupplyChainSnapshot)
        .where(
            SupplyChainSnapshot.parent_id == parent_id,
            SupplyChainSnapshot.month >= add_months(month, 1 - TREND_MONTHS),
            SupplyChainSnapshot.month < month,
        )
        .order_by(SupplyChainSnapshot.month)
    ).all()
    by_month = {
        r.month: Coverage(
            r.vendors_total, r.vendors_registered, r.workers_estimated, r.workers_registered
        )
        for r in rows
    }
    points, m = [], rows[0].month if rows else month
    while m < month:
        points.append(TrendPoint(m, by_month.get(m)))
        m = add_months(m, 1)
    points.append(TrendPoint(month, current, live=True))
    return points
