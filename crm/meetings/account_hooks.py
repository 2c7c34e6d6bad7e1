"""What meetings add to accounts: the meeting panel of the 360° page, the cadence filter of
the account list, and the RM's re-engagement task when a key person leaves."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from crm.accounts import hooks
from crm.accounts.models import Account
from crm.extensions import db
from crm.meetings import cadence, queries
from crm.meetings.models import AccountCadence, Task
from crm.meetings.months import month_start
from crm.meetings.services import can_log, can_see_minutes

# The account list's cadence filter: "no_bod1" (no held BOD-1 meeting this calendar month)
# or a cadence state (crm.meetings.cadence).
CADENCE_FILTERS = ("no_bod1", "on_track", "due", "overdue")
OPEN_TASKS_SHOWN = 20
REENGAGE_DAYS = 7


@hooks.overview.register
def meeting_panel(context: dict, account: Account, user, args) -> dict:
    """Open tasks, the BOD-1 cadence and the interaction timeline of the 360° page."""
    timeline, timeline_next = queries.timeline(account.id, args.get("tl_after"))
    tasks = db.session.scalars(
        select(Task)
        .options(joinedload(Task.assignee))
        .where(Task.account_id == account.id, Task.status == "open")
        .order_by(Task.due_date)
        .limit(OPEN_TASKS_SHOWN)
    )
    return context | {
        "tasks": list(tasks),
        "cadence": cadence.account_status(account),
        "timeline": timeline,
        "timeline_next": timeline_next,
        "can_log": can_log(user, account),
        "can_see_minutes": can_see_minutes,
    }


@hooks.list_filter.register
def cadence_filter(stmt: Select, filters) -> Select:
    """Filter on the per-account meeting summary (kept in the same transaction as each
    interaction), never on the interactions themselves."""
    state = getattr(filters, "cadence", "")
    if state not in CADENCE_FILTERS:
        return stmt
    today = cadence.today_local()
    stmt = stmt.outerjoin(AccountCadence, AccountCadence.account_id == Account.id)
    if state == "no_bod1":
        last = AccountCadence.last_bod1_on
        return stmt.where(or_(last.is_(None), last < month_start(today)))
    return stmt.where(cadence.state_filter(state, today))


@hooks.key_person_left.register
def reengagement_task(position, successor, actor) -> Task:
    """The account's RM (or whoever recorded it) re-engages within a week."""
    account, person = position.account, position.person
    title = _(
        "Bangun kembali hubungan dengan %(account)s: %(name)s (%(title)s) keluar",
        account=account.name,
        name=person.name,
        title=position.title,
    )
    if successor is not None:
        title += " · " + _("pengganti: %(name)s", name=successor.name)
    task = Task(
        account_id=account.id,
        assignee_id=account.rm_id or actor.id,
        created_by_id=actor.id,
        kind="reengagement",
        title=title[:300],
        due_date=date.today() + timedelta(days=REENGAGE_DAYS),
        person_id=successor.id if successor else None,
    )
    db.session.add(task)
    return task
