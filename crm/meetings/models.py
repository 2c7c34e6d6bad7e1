"""Tasks: next steps with an assignee and a due date (interactions come with meetings)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account, KeyPerson
    from crm.auth.models import User

TASK_STATUSES = ("open", "done", "cancelled")
TASK_KINDS = ("next_step", "reengagement", "renewal", "expiry")


class Task(TimestampMixin, db.Model):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("status IN ('open','done','cancelled')", name="status_known"),
        Index("ix_task_assignee_open", "assignee_id", "status", "due_date"),
        Index("ix_task_account", "account_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(20), default="next_step")
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("key_person.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    person: Mapped[KeyPerson | None] = relationship()
