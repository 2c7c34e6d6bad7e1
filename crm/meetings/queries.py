"""Read side of meetings: the filtered list and its export, the account timeline, the RM's
home page. Every query is served by an index and loads related rows up front (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, false, literal_column, or_, select, true
from sqlalchemy.orm import joinedload, load_only, selectinload
from sqlalchemy.sql.elements import False_

from crm import fulltext
from crm.accounts.models import Account
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.fulltext import INTERACTION_TEXT
from crm.i18n import local_date, local_midnight
from crm.meetings import cadence
from crm.meetings.models import AccountCadence, Interaction, InteractionAttendee, Task
from crm.pagination import decode_cursor, encode_cursor


def visible_minutes_clause(user: User):
    """SQL twin of services.can_see_minutes, so search and exports respect confidentiality."""
    if user.role == "supervisor":
        return true()
    mine = Interaction.author_id == user.id
    if user.role == "rm":
        portfolio = select(Account.id).where(Account.rm_id == user.id)
        mine = or_(mine, Interaction.account_id.in_(portfolio))
    return or_(Interaction.confidential.is_(False), mine)


@dataclass
class InteractionFilters:
    account_id: int | None = None
    author_id: int | None = None
    type: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _filtered(f: InteractionFilters) -> Select:
    stmt = select(Interaction)
    if f.account_id:
        stmt = stmt.where(Interaction.account_id == f.account_id)
    if f.author_id:
        stmt = stmt.where(Interaction.author_id == f.author_id)
    if f.type:
        stmt = stmt.where(Interaction.type == f.type)
    if f.status:
        stmt = stmt.where(Interaction.status == f.status)
    if f.date_from:
        stmt = stmt.where(Interaction.starts_at >= local_midnight(f.date_from))
    if f.date_to:
        stmt = stmt.where(Interaction.starts_at < local_midnight(f.date_to + timedelta(days=1)))
    return stmt


# The partial index ix_interaction_starts_private's predicate, spelled as its DDL so both
# planners can match it: a word search in minutes walks only meetings that have some.
HAS_PRIVATE_TEXT = or_(
    Interaction.minutes != literal_column("''"), Interaction.outcome != literal_column("''")
)


def text_branches(q: str, viewer: User) -> list[Any]:
    """The words in the agenda, or in minutes and outcome the viewer may read."""
    public = fulltext.match_condition(INTERACTION_TEXT, "public", Interaction.id, q)
    private = fulltext.match_condition(INTERACTION_TEXT, "private", Interaction.id, q)
    branches = []
    if not isinstance(public, False_):
        branches.append(public)
    if not isinstance(private, False_):
        branches.append(and_(private, HAS_PRIVATE_TEXT, visible_minutes_clause(viewer)))
    return branches


def interaction_query(f: InteractionFilters, viewer: User) -> Select:
    """The filtered list; the text search never matches minutes the viewer may not read."""
    stmt = _filtered(f)
    q = (f.q or "").strip()
    if q:
        stmt = stmt.where(or_(false(), *text_branches(q, viewer)))
    return stmt


def list_statements(f: InteractionFilters, viewer: User) -> list[Select]:
    """The list as one statement per text branch, each served by its own ordered index."""
    q = (f.q or "").strip()
    if not q:
        return [_filtered(f)]
    return [_filtered(f).where(branch) for branch in text_branches(q, viewer)]


def load_for_list(ids: list[int]) -> list[Interaction]:
    return list(
        db.session.scalars(with_list_relations(select(Interaction)).where(Interaction.id.in_(ids)))
        .unique()
        .all()
    )


def with_list_relations(stmt: Select) -> Select:
    return stmt.options(
        joinedload(Interaction.account),
        joinedload(Interaction.author),
        selectinload(Interaction.attendees).joinedload(InteractionAttendee.person),
        selectinload(Interaction.attendees).joinedload(InteractionAttendee.user),
    )


def parse_time_cursor(values: list[Any]) -> list[Any] | None:
    """[iso datetime, id] from a cursor, or None when tampered with."""
    try:
        moment = datetime.fromisoformat(values[0])
        ident = values[1]
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None or type(ident) is not int or not 0 <= ident < 2**63:
        return None
    return [moment, ident]


# -- the account timeline -------------------------------------------------------------------


@dataclass
class TimelineItem:
    kind: str  # "interaction" | "task"; later: "letter", "case_event"
    at: datetime
    id: int
    obj: Any


RANK = {"interaction": 0, "task": 1}  # at equal times tasks come first (newest first)


def _before(col_at, col_id, kind: str, cursor: tuple[datetime, str, int] | None):
    """Rows of `kind` strictly after the cursor in (at desc, rank desc, id desc) order."""
    if cursor is None:
        return true()
    at, ckind, cid = cursor
    if RANK[kind] < RANK[ckind]:
        return col_at <= at
    if RANK[kind] > RANK[ckind]:
        return col_at < at
    return or_(col_at < at, and_(col_at == at, col_id < cid))


def timeline(account_id: int, cursor: str | None, per_page: int = 20):
    """Interactions (at their start) and tasks (at creation), newest first; returns
    (items, next cursor)."""
    parsed = _timeline_cursor(cursor)
    interactions = db.session.scalars(
        with_list_relations(select(Interaction))
        .where(
            Interaction.account_id == account_id,
            _before(Interaction.starts_at, Interaction.id, "interaction", parsed),
        )
        .order_by(Interaction.starts_at.desc(), Interaction.id.desc())
        .limit(per_page + 1)
    ).unique()
    tasks = db.session.scalars(
        select(Task)
        .options(joinedload(Task.assignee))
        .where(Task.account_id == account_id, _before(Task.created_at, Task.id, "task", parsed))
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(per_page + 1)
    )
    items = [TimelineItem("interaction", i.starts_at, i.id, i) for i in interactions]
    items += [TimelineItem("task", t.created_at, t.id, t) for t in tasks]
    items.sort(key=lambda it: (it.at, RANK[it.kind], it.id), reverse=True)
    more = len(items) > per_page
    items = items[:per_page]
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = encode_cursor([last.at.isoformat(), last.kind, last.id])
    return items, next_cursor


def _timeline_cursor(cursor: str | None) -> tuple[datetime, str, int] | None:
    values = decode_cursor(cursor, 3)
    if values is None or values[1] not in RANK:
        return None
    parsed = parse_time_cursor([values[0], values[2]])
    return (parsed[0], values[1], parsed[1]) if parsed else None


# -- the RM's home page -------------------------------------------------------------------


HOME_LIMIT = 10


def my_accounts(user: User) -> Select:
    """The RM's in-scope accounts with their cadence summary (ix_account_rm_name)."""
    return (
        select(Account, AccountCadence)
        .outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
        .where(Account.rm_id == user.id, cadence.in_scope())
    )


def accounts_in_state(user: User, state: str, today: date, limit: int = HOME_LIMIT):
    return db.session.execute(
        my_accounts(user)
        .where(cadence.state_filter(state, today))
        .order_by(Account.name, Account.id)
        .limit(limit)
    ).all()


def week_bounds(today: date) -> tuple[date, date]:
    """Monday and the Monday after, of today's week."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=7)


def related_interaction_ids(
    user: User, lo: datetime, hi: datetime, limit: int, *, attending: bool = False
) -> set[int]:
    """Ids of not-cancelled interactions between two UTC moments that the user logged, that
    are on the user's accounts (and, if asked, that the user attends as staff). Separate
    indexed queries instead of one OR, which would scan the whole time range."""
    in_range = and_(
        Interaction.starts_at >= lo, Interaction.starts_at < hi, Interaction.status != "cancelled"
    )
    queries = [
        select(Interaction.id).where(Interaction.author_id == user.id, in_range),
        select(Interaction.id)
        .join(Account, Account.id == Interaction.account_id)
        .where(Account.rm_id == user.id, in_range),
    ]
    if attending:
        queries.append(
            select(Interaction.id)
            .join(InteractionAttendee, InteractionAttendee.interaction_id == Interaction.id)
            .where(InteractionAttendee.user_id == user.id, in_range)
        )
    ids: set[int] = set()
    for stmt in queries:
        ids.update(db.session.scalars(stmt.order_by(Interaction.starts_at).limit(limit)))
    return ids


def home_list_columns(stmt: Select) -> Select:
    """What a line of the home page's meeting lists shows: no minutes, no attendees."""
    return stmt.options(
        load_only(
            Interaction.id,
            Interaction.account_id,
            Interaction.starts_at,
            Interaction.type,
            Interaction.status,
            Interaction.agenda,
            Interaction.is_bod1,
            Interaction.confidential,
        ),
        joinedload(Interaction.account).load_only(Account.id, Account.name),
    )


def load_interactions(ids: set[int], limit: int, *, light: bool = False) -> list[Interaction]:
    if not ids:
        return []
    loads = home_list_columns if light else with_list_relations
    return list(
        db.session.scalars(
            loads(select(Interaction))
            .where(Interaction.id.in_(ids))
            .order_by(Interaction.starts_at, Interaction.id)
            .limit(limit)
        ).unique()
    )


def my_meetings(user: User, start: date, end: date, limit: int = 50) -> list[Interaction]:
    """The user's interactions between two local dates (see related_interaction_ids)."""
    ids = related_interaction_ids(user, local_midnight(start), local_midnight(end), limit)
    return load_interactions(ids, limit, light=True)


def rm_home(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything on "Hari ini", each list bounded."""
    now = now or utcnow()
    today = local_date(now)
    monday, next_monday = week_bounds(today)
    week = my_meetings(user, monday, next_monday)
    unmarked = db.session.execute(
        my_accounts(user)
        .where(AccountCadence.next_planned_at < now)
        .order_by(AccountCadence.next_planned_at)
        .limit(HOME_LIMIT)
    ).all()
    tasks = list(
        db.session.scalars(
            select(Task)
            .options(joinedload(Task.account).load_only(Account.id, Account.name))
            .where(
                Task.assignee_id == user.id,
                Task.status == "open",
                Task.due_date <= today + timedelta(days=7),
            )
            .order_by(Task.due_date, Task.id)
            .limit(20)
        )
    )
    gaps = db.session.scalars(
        select(Account)
        .options(load_only(Account.id, Account.name, Account.key_person_gap_since))
        .where(Account.rm_id == user.id, Account.key_person_gap_since.is_not(None))
        .order_by(Account.key_person_gap_since)
        .limit(HOME_LIMIT)
    ).all()
    return {
        "today": today,
        "overdue": accounts_in_state(user, "overdue", today),
        "due": accounts_in_state(user, "due", today),
        "today_meetings": [m for m in week if local_date(m.starts_at) == today],
        "week_meetings": [m for m in week if local_date(m.starts_at) > today],
        "unmarked": unmarked,
        "tasks": tasks,
        "gaps": gaps,
    }
