"""Tasks (next steps and other follow-ups): the list and marking them done or open again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload

from crm import audit
from crm.accounts.services import can_edit
from crm.auth.models import STAFF_ROLES, User
from crm.db import utcnow
from crm.extensions import db
from crm.meetings.models import Task
from crm.meetings.services import can_log
from crm.pagination import Page, decode_cursor, encode_cursor
from crm.services import ServiceError


def can_update_task(user: User, task: Task) -> bool:
    """The assignee, the creator, supervisors and admins, or whoever may edit the account."""
    if user.role not in STAFF_ROLES:
        return False
    if user.role in ("supervisor", "admin") or user.id in (task.assignee_id, task.created_by_id):
        return True
    return task.account is not None and can_edit(user, task.account)


def set_task_status(task: Task, status: str, actor: User) -> Task:
    """Mark a task done, or reopen it."""
    if status not in ("open", "done"):
        raise ServiceError(_("Pilihan tidak dikenal."))
    if not can_update_task(actor, task):
        raise ServiceError(_("Anda tidak dapat mengubah tugas ini."))
    before = audit.snapshot(task, ["status", "completed_at"])
    task.status = status
    task.completed_at = utcnow() if status == "done" else None
    audit.record(
        "task.done" if status == "done" else "task.reopen",
        task,
        summary=task.title[:200],
        before=before,
        after=audit.snapshot(task, ["status", "completed_at"]),
        actor=actor,
    )
    return task


@dataclass
class TaskFilters:
    assignee_id: int | None = None
    status: str = "open"
    due: str = ""  # "" | "late" | "week"
    account_id: int | None = None


def task_query(f: TaskFilters, today: date) -> Select:
    stmt = select(Task).options(joinedload(Task.account), joinedload(Task.assignee))
    if f.assignee_id:
        stmt = stmt.where(Task.assignee_id == f.assignee_id)
    if f.status in ("open", "done", "cancelled"):
        stmt = stmt.where(Task.status == f.status)
    if f.account_id:
        stmt = stmt.where(Task.account_id == f.account_id)
    if f.due == "late":
        stmt = stmt.where(Task.due_date < today)
    elif f.due == "week":
        stmt = stmt.where(Task.due_date >= today, Task.due_date < today + timedelta(days=7))
    return stmt


def task_page(stmt: Select, cursor: str | None, per_page: int) -> Page:
    """Keyset page ordered by due date (undated last), then id."""
    values = decode_cursor(cursor, 2)
    after = _task_after(values) if values is not None else None
    if after is not None:
        stmt = stmt.where(after)
    rows = list(
        db.session.scalars(
            stmt.order_by(Task.due_date.is_(None), Task.due_date, Task.id).limit(per_page + 1)
        )
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more:
        last = rows[-1]
        due = last.due_date.isoformat() if last.due_date else None
        next_cursor = encode_cursor([due, last.id])
    return Page(items=rows, next_cursor=next_cursor, has_prev=after is not None)


def _task_after(values: list):
    due, ident = values
    if type(ident) is not int or not 0 <= ident < 2**63:
        return None
    if due is None:
        return and_(Task.due_date.is_(None), Task.id > ident)
    try:
        day = date.fromisoformat(due)
    except (TypeError, ValueError):
        return None
    return or_(
        Task.due_date > day,
        and_(Task.due_date == day, Task.id > ident),
        Task.due_date.is_(None),
    )


REENGAGE_DUE_DAYS = 7


def create_reengagement_task(account, actor: User, today: date) -> Task | None:
    """A re-engagement task for the account's RM, unless one is open already (None then)."""
    if not can_log(actor, account):
        raise ServiceError(_("Anda hanya dapat mencatat interaksi untuk akun portofolio Anda."))
    open_one = db.session.scalar(
        select(Task.id).where(
            Task.account_id == account.id, Task.status == "open", Task.kind == "reengagement"
        )
    )
    if open_one is not None:
        return None
    task = Task(
        account_id=account.id,
        assignee_id=account.rm_id or actor.id,
        created_by_id=actor.id,
        kind="reengagement",
        title=_("Re-engagement %(name)s: jadwalkan pertemuan", name=account.name)[:300],
        due_date=today + timedelta(days=REENGAGE_DUE_DAYS),
    )
    db.session.add(task)
    audit.record(
        "task.create",
        task,
        summary=task.title[:200],
        after={"assignee_id": task.assignee_id, "due_date": task.due_date, "kind": task.kind},
        actor=actor,
    )
    return task
