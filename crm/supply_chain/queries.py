"""Read side of a parent's vendor list: filters, keyset pages and the account panel.

Every filter is served by an index that starts with parent_id (see SupplyChainLink), so a
page of a parent with 20,000 vendors reads about one page of index entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from crm.accounts import identifiers as ids
from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.extensions import db
from crm.inputs import contains_text
from crm.pagination import Page, keyset_page
from crm.supply_chain.coverage import latest_workers, parent_coverage
from crm.supply_chain.models import CAMPAIGN_STATUSES, SupplyChainLink

STATUS_FILTERS = (*CAMPAIGN_STATUSES, "unregistered")
PANEL_LIMIT = 5


@dataclass
class VendorFilters:
    q: str = ""
    status: str = ""  # a campaign status, or "unregistered" (every prospect)

    @classmethod
    def from_args(cls, args) -> VendorFilters:
        status = args.get("status", "")
        q = "".join(ch for ch in str(args.get("q", ""))[:100] if ch.isprintable()).strip()
        return cls(q=q, status=status if status in STATUS_FILTERS else "")

    def as_args(self) -> dict:
        return {k: v for k, v in (("q", self.q), ("status", self.status)) if v}


def vendor_query(parent_id: int, f: VendorFilters):
    stmt = select(SupplyChainLink).where(SupplyChainLink.parent_id == parent_id)
    if f.status == "unregistered":
        stmt = stmt.where(SupplyChainLink.vendor_account_id.is_(None))
    elif f.status:
        stmt = stmt.where(SupplyChainLink.campaign_status == f.status)
    digits = ids.looks_like_identifier(f.q)
    if digits:
        npwp = "0" + digits if len(digits) == 15 else digits
        by_npp = select(Account.id).where(Account.npp == digits).scalar_subquery()
        stmt = stmt.where(
            or_(SupplyChainLink.npwp == npwp, SupplyChainLink.vendor_account_id == by_npp)
        )
    elif f.q:
        key = search_name(f.q)
        if key:
            stmt = stmt.where(contains_text(SupplyChainLink.search_name, key))
    return stmt


def vendor_page(parent_id: int, f: VendorFilters, cursor: str | None, per_page: int) -> Page:
    """A page of the parent's vendors in name order, with their accounts loaded."""
    stmt = vendor_query(parent_id, f).options(joinedload(SupplyChainLink.vendor))
    return keyset_page(stmt, [SupplyChainLink.search_name, SupplyChainLink.id], cursor, per_page)


def workers_of(links: list[SupplyChainLink], today: date) -> dict[int, int | None]:
    """Registered workers (latest month) of the registered vendors among these links."""
    wanted = [link.id for link in links if link.vendor_account_id]
    if not wanted:
        return {}
    rows = db.session.execute(
        select(SupplyChainLink.id, latest_workers(today)).where(SupplyChainLink.id.in_(wanted))
    ).all()
    return dict(rows)


def contracts_of(parent_id: int, limit: int = 200) -> list[str]:
    """The parent's distinct contracts or categories, for the campaign's choice."""
    return list(
        db.session.scalars(
            select(SupplyChainLink.contract)
            .where(SupplyChainLink.parent_id == parent_id, SupplyChainLink.contract != "")
            .distinct()
            .order_by(SupplyChainLink.contract)
            .limit(limit)
        )
    )


@dataclass
class Panel:
    """The account page's supply-chain card: as a parent and as a vendor."""

    coverage: object | None
    vendor_of: list[SupplyChainLink]
    more_parents: bool
    can_open: bool = False  # the user may open this account's vendor page


def account_panel(account_id: int, today: date) -> Panel:
    """Bounded: the coverage (one statement) and at most PANEL_LIMIT parents."""
    has_vendors = db.session.scalar(
        select(SupplyChainLink.id).where(SupplyChainLink.parent_id == account_id).limit(1)
    )
    coverage = parent_coverage(account_id, today) if has_vendors else None
    links = db.session.scalars(
        select(SupplyChainLink)
        .where(SupplyChainLink.vendor_account_id == account_id)
        .options(joinedload(SupplyChainLink.parent))
        .order_by(SupplyChainLink.id)
        .limit(PANEL_LIMIT + 1)
    ).all()
    return Panel(coverage, list(links[:PANEL_LIMIT]), len(links) > PANEL_LIMIT)
