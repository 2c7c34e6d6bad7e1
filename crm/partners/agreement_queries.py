"""The register's filters and its page query (keyset on valid_to, id: every filter has an
index that starts with its column and ends with valid_to, id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload, selectinload

from crm.accounts.models import Account
from crm.auth.models import User
from crm.extensions import db
from crm.inputs import parse_int
from crm.offices import BranchOffice
from crm.pagination import Page, keyset_page
from crm.partners.models import KINDS, Agreement, AgreementBranch
from crm.partners.services import EXPIRING_DAYS, INSTITUTION_KINDS, RUNNING

STATUS_FILTERS = (
    "draft",
    "negotiation",
    "signed",
    "active",
    "expiring",
    "expired",
    "terminated",
    "renewed",
)
EXPIRING_WINDOWS = (30, 60, 90)


@dataclass
class RegisterFilters:
    account_id: int | None = None
    kind: str = ""
    status: str = ""
    days: int = EXPIRING_DAYS
    rm_id: int | None = None
    branch_id: int | None = None

    @classmethod
    def from_args(cls, args) -> RegisterFilters:
        kind = args.get("kind", "")
        status = args.get("status", "")
        days = parse_int(args.get("days")) or EXPIRING_DAYS
        return cls(
            account_id=parse_int(args.get("account")),
            kind=kind if kind in KINDS else "",
            status=status if status in STATUS_FILTERS else "",
            days=days if days in EXPIRING_WINDOWS else EXPIRING_DAYS,
            rm_id=parse_int(args.get("rm")),
            branch_id=parse_int(args.get("branch")),
        )

    def args(self) -> dict:
        values = {
            "account": self.account_id,
            "kind": self.kind,
            "status": self.status,
            "days": self.days if self.status == "expiring" and self.days != EXPIRING_DAYS else None,
            "rm": self.rm_id,
            "branch": self.branch_id,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.args())


def _status_clause(stmt: Select, status: str, days: int, today: date) -> Select:
    """Expiring and expired are computed from today (crm.partners.services.effective_status)
    so the filter agrees with the badge on every row."""
    soon = today + timedelta(days=days)
    horizon = today + timedelta(days=EXPIRING_DAYS)
    if status == "expiring":
        return stmt.where(Agreement.status.in_(RUNNING), Agreement.valid_to.between(today, soon))
    if status == "expired":
        return stmt.where(Agreement.status.in_(RUNNING), Agreement.valid_to < today)
    if status in RUNNING:
        return stmt.where(Agreement.status == status, Agreement.valid_to > horizon)
    return stmt.where(Agreement.status == status)


def register_page(filters: RegisterFilters, today: date, cursor: str | None, per_page: int) -> Page:
    stmt = select(Agreement).options(
        joinedload(Agreement.account),
        joinedload(Agreement.rm),
        joinedload(Agreement.parent),
        selectinload(Agreement.branches),
    )
    if filters.account_id:
        stmt = stmt.where(Agreement.account_id == filters.account_id)
    if filters.kind:
        stmt = stmt.where(Agreement.kind == filters.kind)
    if filters.rm_id:
        stmt = stmt.where(Agreement.rm_id == filters.rm_id)
    if filters.branch_id:
        stmt = stmt.where(
            exists().where(
                AgreementBranch.agreement_id == Agreement.id,
                AgreementBranch.branch_office_id == filters.branch_id,
            )
        )
    if filters.status:
        stmt = _status_clause(stmt, filters.status, filters.days, today)
    return keyset_page(
        stmt,
        [Agreement.valid_to, Agreement.id],
        cursor,
        per_page,
        key=lambda a: [a.valid_to.isoformat(), a.id],
        parse=_parse_cursor,
    )


def _parse_cursor(values):
    try:
        return [date.fromisoformat(values[0]), int(values[1])]
    except (TypeError, ValueError):
        return None


def filter_choices() -> dict:
    """The register's select boxes: institutions, RMs and branch offices."""
    return {
        "institutions": db.session.execute(
            select(Account.id, Account.name)
            .where(Account.kind.in_(INSTITUTION_KINDS))
            .order_by(Account.name)
        ).all(),
        "rms": db.session.execute(
            select(User.id, User.name).where(User.role == "rm").order_by(User.name)
        ).all(),
        "branches": db.session.execute(
            select(BranchOffice.id, BranchOffice.name).order_by(BranchOffice.name)
        ).all(),
    }


def account_agreements(account: Account, limit: int = 5) -> dict:
    """The account page's panel: its latest agreements (bounded) and how many there are."""
    from sqlalchemy import func

    items = db.session.scalars(
        select(Agreement)
        .where(Agreement.account_id == account.id)
        .order_by(Agreement.valid_to.desc(), Agreement.id.desc())
        .limit(limit)
    ).all()
    count = len(items)
    if count == limit:
        count = db.session.scalar(
            select(func.count()).select_from(Agreement).where(Agreement.account_id == account.id)
        )
    return {"items": items, "count": count}
