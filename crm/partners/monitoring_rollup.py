"""/agreements/monitoring: which institutions, RMs, regions and branches lag.

Every (agreement, covered branch) pair of a signed or active agreement counts once (an MoU
with running PKS under it counts through them, not itself), judged
by its latest report (any period kind): blocked; not started (no report yet, or the latest
says not started); stale (socialized or in progress, but not updated for STALE_DAYS).
One grouped query per page, whatever the number of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from crm.accounts.models import Account
from crm.auth.models import User
from crm.extensions import db
from crm.i18n import local_zone
from crm.inputs import parse_int
from crm.offices import BranchOffice
from crm.partners.models import Agreement, AgreementBranch, ImplementationReport
from crm.partners.services import RUNNING

STALE_DAYS = 60
GROUPS = ("institution", "rm", "region", "branch")


@dataclass
class RollupFilters:
    group: str = "institution"
    account_id: int | None = None
    rm_id: int | None = None
    region: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> RollupFilters:
        group = args.get("group", "institution")
        return cls(
            group=group if group in GROUPS else "institution",
            account_id=parse_int(args.get("account")),
            rm_id=parse_int(args.get("rm")),
            region=(args.get("region") or "").strip()[:120],
            page=max(1, min(parse_int(args.get("page")) or 1, 10_000)),
        )

    def args(self, **changes) -> dict:
        values = {
            "group": self.group,
            "account": self.account_id,
            "rm": self.rm_id,
            "region": self.region or None,
        } | changes
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass
class RollupRow:
    key: int | str | None
    label: str
    pairs: int
    blocked: int
    not_started: int
    stale: int
    implemented: int
    workers: int

    @property
    def lagging(self) -> int:
        return self.blocked + self.not_started + self.stale


@dataclass
class Rollup:
    rows: list[RollupRow]
    has_next: bool
    totals: RollupRow | None = None
    filters: RollupFilters = field(default_factory=RollupFilters)


def _latest_reports():
    """Each (agreement, branch)'s latest report: newest period, then newest row."""
    rank = (
        func.row_number()
        .over(
            partition_by=(ImplementationReport.agreement_id, ImplementationReport.branch_office_id),
            order_by=(ImplementationReport.period_start.desc(), ImplementationReport.id.desc()),
        )
        .label("rank")
    )
    return select(
        ImplementationReport.agreement_id,
        ImplementationReport.branch_office_id,
        ImplementationReport.status,
        ImplementationReport.workers_covered,
        ImplementationReport.updated_at,
        rank,
    ).subquery()


def _has_children():
    """An MoU carried out through signed or active PKS is monitored on them
    (ix_agreement_parent); one whose PKS are all drafts or ended is monitored itself, or its
    branches would count nowhere."""
    child = aliased(Agreement)
    return exists().where(child.parent_id == Agreement.id, child.status.in_(RUNNING))


def _group_columns(group: str):
    if group == "rm":
        return (Agreement.rm_id, func.coalesce(User.name, literal("")))
    if group == "region":
        return (BranchOffice.region, BranchOffice.region)
    if group == "branch":
        return (BranchOffice.id, BranchOffice.name)
    return (Account.id, Account.name)


def _counts(latest, today: date) -> tuple:
    """The figures of a group: pairs, blocked, not started, stale, implemented, workers."""
    stale_moment = datetime.combine(today - timedelta(days=STALE_DAYS), time(0), local_zone())
    status = latest.c.status
    stale = and_(status.in_(("socialized", "in_progress")), latest.c.updated_at < stale_moment)
    return (
        func.count().label("pairs"),
        func.sum(case((status == "blocked", 1), else_=0)).label("blocked"),
        func.sum(case((or_(status.is_(None), status == "not_started"), 1), else_=0)).label(
            "not_started"
        ),
        func.sum(case((stale, 1), else_=0)).label("stale"),
        func.sum(case((status == "implemented", 1), else_=0)).label("implemented"),
        func.coalesce(func.sum(latest.c.workers_covered), 0).label("workers"),
    )


def _pairs(latest, columns: tuple, filters: RollupFilters):
    """(agreement, covered branch) pairs of running agreements with their latest report."""
    stmt = (
        select(*columns)
        .select_from(AgreementBranch)
        .join(Agreement, Agreement.id == AgreementBranch.agreement_id)
        .join(Account, Account.id == Agreement.account_id)
        .join(BranchOffice, BranchOffice.id == AgreementBranch.branch_office_id)
        .outerjoin(User, User.id == Agreement.rm_id)
        .outerjoin(
            latest,
            and_(
                latest.c.agreement_id == AgreementBranch.agreement_id,
                latest.c.branch_office_id == AgreementBranch.branch_office_id,
                latest.c.rank == 1,
            ),
        )
        .where(Agreement.status.in_(RUNNING), ~_has_children())
    )
    if filters.account_id:
        stmt = stmt.where(Agreement.account_id == filters.account_id)
    if filters.rm_id:
        stmt = stmt.where(Agreement.rm_id == filters.rm_id)
    if filters.region:
        stmt = stmt.where(BranchOffice.region == filters.region)
    return stmt


def build_rollup(filters: RollupFilters, today: date, per_page: int) -> Rollup:
    """One page of groups (by name) and the totals over every group: two queries."""
    latest = _latest_reports()
    counts = _counts(latest, today)
    key, label = _group_columns(filters.group)
    grouped = (
        _pairs(latest, (key.label("key"), label.label("label"), *counts), filters)
        .group_by(key, label)
        .order_by(label, key)
    )
    offset = (filters.page - 1) * per_page
    rows = [_row(r) for r in db.session.execute(grouped.offset(offset).limit(per_page + 1))]
    total = db.session.execute(_pairs(latest, counts, filters)).one()
    totals = _row(total, key=None, label="") if total.pairs else None
    return Rollup(rows[:per_page], len(rows) > per_page, totals, filters)


def _row(r, **override) -> RollupRow:
    values = {
        "key": getattr(r, "key", None),
        "label": getattr(r, "label", "") or "",
        "pairs": int(r.pairs or 0),
        "blocked": int(r.blocked or 0),
        "not_started": int(r.not_started or 0),
        "stale": int(r.stale or 0),
        "implemented": int(r.implemented or 0),
        "workers": int(r.workers or 0),
    } | override
    return RollupRow(**values)


def filter_names(filters: RollupFilters) -> dict:
    """The institution and RM named by the filters, for the page's heading."""
    return {
        "account": db.session.get(Account, filters.account_id) if filters.account_id else None,
        "rm": db.session.get(User, filters.rm_id) if filters.rm_id else None,
    }
