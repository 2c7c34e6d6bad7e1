"""The escalation board: open cases by stage, with their counts, overdue counts and
arrears totals, a bounded number of cards per stage, and the filters shared by the board,
the case list, the XLSX export and the RM's "Kasus saya".

Nothing here loads every case. The figures are one GROUP BY stage and the cards one
statement of per-stage LIMITed subqueries, both answered from ix_escalation_case_board
(status, stage, stage_due_on, id + the filtered columns) without reading case rows; only
the cards shown are then loaded, with their account and owner, in one more statement.

Access is part of every query: supervisors and admins see every case, an RM the cases
they own, anyone else nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, false, func, select, union_all
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases.models import LETTER_TYPES, REASONS, STAGES
from crm.cases.models import EscalationCase as Case
from crm.extensions import db
from crm.offices import BranchOffice

CARDS_PER_STAGE = 20
ARREARS_REASON = "arrears"  # the only reason whose cases add up to the arrears totals

HOME_CASES = 10
BOARD_ROLES = ("admin", "supervisor", "rm")
MAX_ID_DIGITS = 18  # a longer number is not an id (and would overflow the driver)


@dataclass(frozen=True)
class Band:
    """Arrears from `low` (inclusive) up to `high` (exclusive), whole rupiah."""

    label: object
    low: int | None
    high: int | None


# The amount bands of the board's filter, on the stored arrears_total of each case.
AMOUNT_BANDS: dict[str, Band] = {
    "lt10jt": Band(_l("Di bawah Rp 10 juta"), None, 10_000_000),
    "10jt-100jt": Band(_l("Rp 10 juta – 100 juta"), 10_000_000, 100_000_000),
    "100jt-1m": Band(_l("Rp 100 juta – 1 miliar"), 100_000_000, 1_000_000_000),
    "ge1m": Band(_l("Rp 1 miliar atau lebih"), 1_000_000_000, None),
}
STATUSES = ("open", "closed")
NO_OWNER = "none"  # the RM filter's "tanpa RM"


@dataclass(frozen=True)
class CaseFilters:
    """What the user asked for; values that are not valid were dropped when parsing."""

    owner_id: int | None = None
    unowned: bool = False  # "tanpa RM": cases whose account had no RM (owner empty)
    branch_id: int | None = None
    reason: str = ""
    band: str = ""
    overdue: bool = False
    stage: str = ""  # the list and the export; the board shows every stage
    status: str = "open"  # the list: open | closed | "" (all)

    def query_args(self, *, stage: bool = False, status: bool = False) -> dict:
        """The filters as query-string arguments (links keep the filters)."""
        args = {
            "owner": NO_OWNER if self.unowned else self.owner_id,
            "branch": self.branch_id,
            "reason": self.reason,
            "band": self.band,
            "overdue": 1 if self.overdue else None,
        }
        if stage:
            args["stage"] = self.stage
        if status and self.status != "open":
            args["status"] = self.status or "all"
        return {k: v for k, v in args.items() if v}

    def as_params(self) -> dict:
        """Plain JSON values for a background job."""
        return asdict(self)

    @classmethod
    def from_params(cls, params: Mapping) -> CaseFilters:
        """A job's parameters, checked again like a query string."""
        args = {
            "owner": NO_OWNER if params.get("unowned") else str(params.get("owner_id") or ""),
            "branch": str(params.get("branch_id") or ""),
            "reason": params.get("reason") or "",
            "band": params.get("band") or "",
            "overdue": "1" if params.get("overdue") else "",
            "stage": params.get("stage") or "",
            "status": params.get("status") or "all",
        }
        return filters_from_args(args)


def _id_arg(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) <= MAX_ID_DIGITS else None


def _choice(value, allowed) -> str:
    return value if isinstance(value, str) and value in allowed else ""


def filters_from_args(args: Mapping) -> CaseFilters:
    """Filters from a query string; an unknown or malformed value is ignored."""
    status = args.get("status", "open")
    return CaseFilters(
        owner_id=_id_arg(args.get("owner")),
        unowned=args.get("owner") == NO_OWNER,
        branch_id=_id_arg(args.get("branch")),
        reason=_choice(args.get("reason"), REASONS),
        band=_choice(args.get("band"), AMOUNT_BANDS),
        overdue=args.get("overdue") in ("1", "on", "true"),
        stage=_choice(args.get("stage"), STAGES),
        status=status if status in STATUSES else "",
    )


# -- conditions ------------------------------------------------------------------------------


def overdue_clause(today: date) -> ColumnElement:
    """Past the stage's due date, with the stage clock running (not waiting for a letter)."""
    return and_(Case.stage_due_on < today, Case.stage_started_on.is_not(None))


def access_clause(user: User) -> ColumnElement | None:
    """The cases the user may see on the board: None means all."""
    if user.role in ("supervisor", "admin"):
        return None
    if user.role == "rm":
        return Case.owner_id == user.id
    return false()


def conditions(f: CaseFilters, user: User, today: date, *, stage: bool = True) -> list:
    """WHERE terms for the user's access and the filters (status not included)."""
    terms = []
    access = access_clause(user)
    if access is not None:
        terms.append(access)
    elif f.unowned:
        terms.append(Case.owner_id.is_(None))
    elif f.owner_id:
        terms.append(Case.owner_id == f.owner_id)
    if f.branch_id:
        terms.append(Case.branch_office_id == f.branch_id)
    if f.reason:
        terms.append(Case.reason == f.reason)
    if f.band:
        band = AMOUNT_BANDS[f.band]
        if band.low is not None:
            terms.append(Case.arrears_total >= band.low)
        if band.high is not None:
            terms.append(Case.arrears_total < band.high)
    if f.overdue:
        terms.append(overdue_clause(today))
    if stage and f.stage:
        terms.append(Case.stage == f.stage)
    return terms


def case_query(f: CaseFilters, user: User, today: date) -> Select:
    """The cases of the list under the filters, status included."""
    stmt = select(Case).where(*conditions(f, user, today))
    if f.status:
        stmt = stmt.where(Case.status == f.status)
    return stmt


# -- what a card shows -----------------------------------------------------------------------


def awaiting_letter(c: Case) -> bool:
    """A letter stage whose letter is not issued yet: its clock has not started."""
    return c.is_open and c.stage in LETTER_TYPES and c.stage_started_on is None


def days_overdue(c: Case, today: date) -> int | None:
    """Calendar days past the stage's due date as of today; None when not overdue."""
    if not c.is_open or awaiting_letter(c) or c.stage_due_on is None:
        return None
    days = (today - c.stage_due_on).days
    return days if days > 0 else None


# -- the board -------------------------------------------------------------------------------


@dataclass
class StageColumn:
    stage: str
    count: int = 0
    overdue: int = 0
    arrears: int = 0
    cards: list[Case] = field(default_factory=list)


@dataclass
class Board:
    today: date
    columns: list[StageColumn]

    @property
    def count(self) -> int:
        return sum(c.count for c in self.columns)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.columns)

    @property
    def arrears(self) -> int:
        return sum(c.arrears for c in self.columns)


def stage_totals(f: CaseFilters, user: User, today: date) -> list[StageColumn]:
    """Count, overdue count and arrears total of the open cases of every stage. The stored
    figure is the account's whole arrears, the same on each of its cases: only arrears
    cases add it up (at most one open per account), so no account counts twice."""
    overdue = func.coalesce(func.sum(case((overdue_clause(today), 1), else_=0)), 0)
    arrears = func.coalesce(
        func.sum(case((Case.reason == ARREARS_REASON, Case.arrears_total), else_=0)), 0
    )
    rows = db.session.execute(
        select(Case.stage, func.count(), overdue, arrears)
        .where(Case.status == "open", *conditions(f, user, today, stage=False))
        .group_by(Case.stage)
    ).all()
    found = {r[0]: r for r in rows}
    columns = []
    for stage in STAGES:
        row = found.get(stage)
        columns.append(
            StageColumn(stage, *(int(v) for v in row[1:])) if row else StageColumn(stage)
        )
    return columns


def _card_ids(stages: list[str], terms: list, limit: int) -> list[tuple[int, str, date | None]]:
    """Per stage: the `limit` cases due first (most overdue first), then those without a due
    date; one statement of LIMITed subqueries, each an ordered seek in the board index."""
    parts = []
    for stage in stages:
        base = select(Case.id, Case.stage, Case.stage_due_on).where(
            Case.status == "open", Case.stage == stage, *terms
        )
        dated = base.where(Case.stage_due_on.is_not(None)).order_by(Case.stage_due_on, Case.id)
        undated = base.where(Case.stage_due_on.is_(None)).order_by(Case.id)
        for part in (dated.limit(limit).subquery(), undated.limit(limit).subquery()):
            parts.append(select(*part.c))
    return [tuple(r) for r in db.session.execute(union_all(*parts)).all()]


def card_loads() -> tuple:
    """A card shows its account's and its owner's names: load those columns only."""
    return (
        joinedload(Case.account).load_only(Account.id, Account.name, Account.npp),
        joinedload(Case.owner).load_only(User.id, User.name),
    )


def build_board(f: CaseFilters, user: User, today: date, per_stage: int = CARDS_PER_STAGE) -> Board:
    """The board under the filters: every stage's figures and its first cards."""
    columns = stage_totals(f, user, today)
    busy = [c.stage for c in columns if c.count]
    if busy:
        terms = conditions(f, user, today, stage=False)
        picked = _card_ids(busy, terms, per_stage)
        cases = db.session.scalars(
            select(Case).where(Case.id.in_([r[0] for r in picked])).options(*card_loads())
        ).all()
        by_id = {c.id: c for c in cases}
        by_stage = {c.stage: c for c in columns}
        picked.sort(key=lambda r: (r[2] is None, r[2] or today, r[0]))
        for case_id, stage, _due in picked:
            column = by_stage[stage]
            if len(column.cards) < per_stage and case_id in by_id:
                column.cards.append(by_id[case_id])
    return Board(today, columns)


# -- the RM's home page ----------------------------------------------------------------------


@dataclass
class MyCases:
    count: int
    overdue: int
    items: list[Case]


def my_open_cases(user: User, today: date, limit: int = HOME_CASES) -> MyCases:
    """The open cases the user owns, due first (overdue at the top), and their counts."""
    mine = (Case.owner_id == user.id, Case.status == "open")
    overdue = func.coalesce(func.sum(case((overdue_clause(today), 1), else_=0)), 0)
    count, late = db.session.execute(select(func.count(), overdue).where(*mine)).one()
    items = db.session.scalars(
        select(Case)
        .where(*mine)
        .options(joinedload(Case.account).load_only(Account.id, Account.name))
        .order_by(Case.stage_due_on.is_(None), Case.stage_due_on, Case.id)
        .limit(limit)
    ).all()
    return MyCases(int(count), int(late), list(items))


# -- filter choices --------------------------------------------------------------------------


def owner_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.role == "rm", User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return [(r[0], r[1]) for r in rows]


def branch_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(BranchOffice.id, BranchOffice.name).order_by(BranchOffice.name, BranchOffice.id)
    )
    return [(r[0], r[1]) for r in rows]
