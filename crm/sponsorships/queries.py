"""Read side: the register's filters and query, totals by sponsor, scheme, branch and
month with their bar chart, and the account page's panel.

Totals count every sponsorship that is not cancelled, by the year of its start month; the
month grouping is the coverage start month (what was pledged for that month's start), with
the payments received against those sponsorships. They read the figures kept on each
sponsorship row, never the beneficiary or payment tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.extensions import db
from crm.inputs import contains_text, parse_date, parse_int
from crm.offices import BranchOffice
from crm.sponsorships.labels import scheme_label
from crm.sponsorships.models import SCHEMES, Sponsorship
from crm.sponsorships.status import SHOWN_STATUSES, status_condition

GROUPS = ("month", "sponsor", "scheme", "branch")
TOP_SPONSORS = 20
PANEL_ITEMS = 5


@dataclass
class RegisterFilters:
    q: str = ""
    scheme: str = ""
    status: str = ""
    branch: int | None = None
    rm: int | None = None
    account: int | None = None
    end_from: date | None = None
    end_to: date | None = None

    @classmethod
    def from_args(cls, args) -> RegisterFilters:
        return cls(
            q=(args.get("q") or "").strip()[:100],
            scheme=args.get("scheme") if args.get("scheme") in SCHEMES else "",
            status=args.get("status") if args.get("status") in SHOWN_STATUSES else "",
            branch=parse_int(args.get("branch")),
            rm=parse_int(args.get("rm")),
            account=parse_int(args.get("account")),
            end_from=parse_date(args.get("end_from")),
            end_to=parse_date(args.get("end_to")),
        )

    def as_args(self) -> dict:
        """The query-string form (only what is set), for the pager and 'clear filters'."""
        return {
            k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v
        }


def register_query(f: RegisterFilters, today: date) -> Select:
    """Sponsorships under the filters with their sponsor account (one query per page)."""
    stmt = (
        select(Sponsorship).join(Sponsorship.account).options(contains_eager(Sponsorship.account))
    )
    if f.scheme:
        stmt = stmt.where(Sponsorship.scheme == f.scheme)
    if f.status:
        stmt = stmt.where(status_condition(f.status, today))
    if f.end_from:
        stmt = stmt.where(Sponsorship.end_on >= f.end_from)
    if f.end_to:
        stmt = stmt.where(Sponsorship.end_on <= f.end_to)
    if f.branch is not None:
        stmt = stmt.where(Account.branch_office_id == f.branch)
    if f.rm is not None:
        stmt = stmt.where(Account.rm_id == f.rm)
    if f.account is not None:
        stmt = stmt.where(Sponsorship.account_id == f.account)
    if f.q:
        needle = search_name(f.q)
        stmt = stmt.where(contains_text(Account.search_name, needle))
    return stmt


@dataclass
class TotalRow:
    key: str
    label: str
    count: int = 0
    workers: int = 0
    commitment: int = 0
    paid: int = 0

    @property
    def outstanding(self) -> int:
        return max(self.commitment - self.paid, 0)


def _figures():
    s = Sponsorship
    return (
        func.count(s.id),
        func.coalesce(func.sum(s.beneficiary_count), 0),
        func.coalesce(func.sum(s.commitment), 0),
        func.coalesce(func.sum(s.paid_total), 0),
    )


def totals(by: str, year: int) -> list[TotalRow]:
    """One row per group for sponsorships starting in `year` (cancelled ones left out)."""
    s = Sponsorship
    base = [
        s.status != "cancelled",
        s.start_month >= date(year, 1, 1),
        s.start_month <= date(year, 12, 31),
    ]
    if by == "month":
        rows = db.session.execute(
            select(s.start_month, *_figures()).where(*base).group_by(s.start_month)
        )
        found = {r[0].month: r for r in rows}
        out = []
        for month in range(1, 13):
            day = date(year, month, 1)
            r = found.get(month)
            label = format_date(day, "MMM")
            out.append(TotalRow(day.isoformat()[:7], label, *(r[1:] if r else ())))
        return out
    if by == "scheme":
        rows = db.session.execute(select(s.scheme, *_figures()).where(*base).group_by(s.scheme))
        return [TotalRow(r[0], scheme_label(r[0]), *r[1:]) for r in rows]
    if by == "branch":
        stmt = (
            select(BranchOffice.id, BranchOffice.name, *_figures())
            .select_from(s)
            .join(Account, Account.id == s.account_id)
            .outerjoin(BranchOffice, BranchOffice.id == Account.branch_office_id)
            .where(*base)
            .group_by(BranchOffice.id, BranchOffice.name)
            .order_by(func.sum(s.commitment).desc())
        )
        return [
            TotalRow(str(r[0] or ""), r[1] or _("Tanpa kantor cabang"), *r[2:])
            for r in db.session.execute(stmt)
        ]
    stmt = (
        select(Account.id, Account.name, *_figures())
        .select_from(s)
        .join(Account, Account.id == s.account_id)
        .where(*base)
        .group_by(Account.id, Account.name)
        .order_by(func.sum(s.commitment).desc(), Account.id)
        .limit(TOP_SPONSORS)
    )
    return [TotalRow(str(r[0]), r[1], *r[2:]) for r in db.session.execute(stmt)]


@dataclass
class Bar:
    label: str
    title: str
    x: float
    width: float
    commit_h: float
    paid_h: float


CHART_HEIGHT = 150


def bar_chart(rows: list[TotalRow], slot: int = 48) -> list[Bar]:
    """Bar geometry (SVG units) for commitment with the paid part drawn over it."""
    top = max((r.commitment for r in rows), default=0) or 1
    bars = []
    for i, r in enumerate(rows):
        bars.append(
            Bar(
                label=r.label[:14],
                title=r.label,
                x=8 + i * slot,
                width=slot - 12,
                commit_h=round(r.commitment / top * CHART_HEIGHT, 1),
                paid_h=round(min(r.paid, r.commitment) / top * CHART_HEIGHT, 1),
            )
        )
    return bars


def start_years() -> list[int]:
    """The years that have sponsorships (for the totals' year choice), newest first."""
    first, last = db.session.execute(
        select(func.min(Sponsorship.start_month), func.max(Sponsorship.start_month))
    ).one()
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


def account_panel(account_id: int) -> dict:
    """The account page's panel: the latest sponsorships and the account's totals."""
    s = Sponsorship
    items = list(
        db.session.scalars(
            select(s).where(s.account_id == account_id).order_by(s.id.desc()).limit(PANEL_ITEMS)
        )
    )
    count, workers, commitment, paid = db.session.execute(
        select(*_figures()).where(s.account_id == account_id, s.status != "cancelled")
    ).one()
    return {
        "latest": items,
        "count": count,
        "workers": workers,
        "commitment": commitment,
        "paid": paid,
        "outstanding": max(commitment - paid, 0),
    }
