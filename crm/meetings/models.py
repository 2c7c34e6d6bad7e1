"""Interactions (meetings, calls, letters) with accounts, their next-step tasks and the
per-account cadence summaries kept in step with them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account, KeyPerson
    from crm.auth.models import User

TASK_STATUSES = ("open", "done", "cancelled")
TASK_KINDS = ("next_step", "reengagement", "renewal", "expiry")

INTERACTION_TYPES = (
    "formal_meeting",
    "coordination_meeting",
    "lunch_meeting",
    "power_lunch",
    "online_meeting",
    "phone_call",
    "correspondence",
    "site_visit",
    "socialization",
)
INTERACTION_STATUSES = ("planned", "held", "cancelled")
TOPICS = (
    "compliance",
    "supply_chain",
    "sertakan",
    "mou_pks",
    "regulation",
    "complaint",
    "other",
)
SENTIMENTS = ("positive", "neutral", "negative")
CADENCE_MODES = ("monthly_bod1", "days")


class Interaction(TimestampMixin, db.Model):
    """One contact with an account: planned, then held (with minutes) or cancelled."""

    __tablename__ = "interaction"
    __table_args__ = (
        CheckConstraint("status IN ('planned','held','cancelled')", name="status_known"),
        CheckConstraint(
            "sentiment IS NULL OR sentiment IN ('positive','neutral','negative')",
            name="sentiment_known",
        ),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        # Every list filter is an index ending in the sort key (starts_at, id).
        Index("ix_interaction_starts", "starts_at", "id"),
        Index("ix_interaction_account_starts", "account_id", "starts_at", "id"),
        Index("ix_interaction_author_starts", "author_id", "starts_at", "id"),
        Index("ix_interaction_status_starts", "status", "starts_at", "id"),
        Index("ix_interaction_type_starts", "type", "starts_at", "id"),
        # A word search in minutes walks only the meetings that have some (crm.fulltext).
        Index(
            "ix_interaction_starts_private",
            "starts_at",
            "id",
            sqlite_where=text("minutes <> '' OR outcome <> ''"),
            postgresql_where=text("minutes <> '' OR outcome <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    type: Mapped[str] = mapped_column(String(30), default="formal_meeting")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300), default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    # What the meeting is for; goes into the calendar invite, so never confidential.
    agenda: Mapped[str] = mapped_column(String(500), default="")
    # Comma-separated codes from TOPICS, e.g. "compliance,sertakan".
    topics: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    sentiment: Mapped[str | None] = mapped_column(String(10))
    confidential: Mapped[bool] = mapped_column(default=False)
    # Derived at save time: a BOD or BOD-1 key person attended (positions valid that day).
    is_bod1: Mapped[bool] = mapped_column(default=False)
    # RFC 5545 SEQUENCE: bumped on every change so calendars replace the old invite.
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[Account] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    attendees: Mapped[list[InteractionAttendee]] = relationship(
        back_populates="interaction",
        cascade="all, delete-orphan",
        order_by="InteractionAttendee.id",
    )

    @property
    def topic_list(self) -> list[str]:
        return [t for t in (self.topics or "").split(",") if t]

    def __repr__(self) -> str:
        return f"<Interaction {self.id} {self.type} {self.status}>"


class InteractionAttendee(db.Model):
    """Who attended: a key person of the account or one of our staff (exactly one is set)."""

    __tablename__ = "interaction_attendee"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (user_id IS NULL)", name="person_or_user"),
        Index("ix_interaction_attendee_interaction", "interaction_id"),
        Index("ix_interaction_attendee_person", "person_id", "interaction_id"),
        Index("ix_interaction_attendee_user", "user_id", "interaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interaction.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("key_person.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))

    interaction: Mapped[Interaction] = relationship(back_populates="attendees")
    person: Mapped[KeyPerson | None] = relationship()
    user: Mapped[User | None] = relationship()


class Task(TimestampMixin, db.Model):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("status IN ('open','done','cancelled')", name="status_known"),
        Index("ix_task_assignee_open", "assignee_id", "status", "due_date"),
        Index("ix_task_account", "account_id", "status", "due_date"),
        # The account timeline: newest first.
        Index("ix_task_account_created", "account_id", "created_at", "id"),
        Index("ix_task_status_due", "status", "due_date", "id"),
        Index("ix_task_interaction", "interaction_id"),
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
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    person: Mapped[KeyPerson | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()


class AccountCadence(db.Model):
    """Per-account summary, rewritten in the same transaction as every interaction change,
    so home pages and the cadence view never aggregate the interaction table.

    It also carries a copy of the account's cadence scope (scope_segment, rm_key,
    branch_key), kept in step by crm.meetings.summary's listeners on Account, so that the
    figures of every-N-days segments and the rare drill-down states are ranges of the two
    indexes below, with no account row read (bench/RESULTS.md)."""

    __tablename__ = "account_cadence"
    __table_args__ = (
        Index("ix_account_cadence_next_planned", "next_planned_at"),
        Index(
            "ix_account_cadence_held",
            "scope_segment",
            "last_held_on",
            "rm_key",
            "branch_key",
            "account_id",
        ),
        Index(
            "ix_account_cadence_bod1",
            "scope_segment",
            "last_bod1_on",
            "rm_key",
            "branch_key",
            "account_id",
        ),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    # Local (Asia/Jakarta by default) dates of the latest held interactions.
    last_bod1_on: Mapped[date | None] = mapped_column(Date)
    last_held_on: Mapped[date | None] = mapped_column(Date)
    # The earliest interaction still planned (in the past when nobody marked it held yet).
    next_planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_planned_id: Mapped[int | None] = mapped_column(Integer)
    held_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The account's segment while it is in scope (active or prospect), NULL when inactive;
    # its RM and branch office, 0 for none (copies of account columns).
    scope_segment: Mapped[str | None] = mapped_column(String(20))
    rm_key: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    branch_key: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AccountMonth(db.Model):
    """Held interactions per account and local calendar month: the trend and the quarter
    comparison read these instead of counting interactions."""

    __tablename__ = "account_month"
    __table_args__ = (Index("ix_account_month_month", "month", "account_id"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first day of the month
    bod1_held: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    last_held_on: Mapped[date | None] = mapped_column(Date)


class CadencePolicy(db.Model):
    """Cadence rule per segment: a held BOD-1 interaction every calendar month, or any held
    interaction every `days` days."""

    __tablename__ = "cadence_policy"
    __table_args__ = (
        CheckConstraint("mode IN ('monthly_bod1','days')", name="mode_known"),
        CheckConstraint("days BETWEEN 7 AND 366", name="days_range"),
    )

    segment: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20), default="monthly_bod1")
    days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CadenceMonth(db.Model):
    """Cache of a closed month's cadence figures per (segment, RM, branch): computed once
    from account_month, dropped when a late entry or a policy change touches that month.
    rm_key/branch_key are 0 for "none" so the key is never NULL."""

    __tablename__ = "cadence_month"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    segment: Mapped[str] = mapped_column(String(20), primary_key=True)
    rm_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    in_scope: Mapped[int] = mapped_column(Integer, default=0)
    met: Mapped[int] = mapped_column(Integer, default=0)


class CadenceTally(db.Model):
    """This month's figures per (segment, RM, branch) under the monthly BOD-1 rule: accounts
    in scope, met, overdue. Kept in step in the same transaction as every change that moves
    them (crm.meetings.summary: an interaction's summary, an account created, edited,
    reassigned or deleted); recomputed once, set-based, when the month turns over
    (crm.meetings.tally.ensure_tally). Every-N-days segments use only in_scope: their
    met/due figures move with the date alone and are counted from ix_account_cadence_held.
    rm_key/branch_key are 0 for "none"."""

    __tablename__ = "cadence_tally"

    segment: Mapped[str] = mapped_column(String(20), primary_key=True)
    rm_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    in_scope: Mapped[int] = mapped_column(Integer, default=0)
    met: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)


class CadenceTallyState(db.Model):
    """One row (id 1): the month cadence_tally counts, NULL when it must be recomputed.
    Writers read it FOR SHARE before a delta, the recount takes it FOR UPDATE, so a
    recount never misses a concurrent delta on PostgreSQL (SQLite has one writer)."""

    __tablename__ = "cadence_tally_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[date | None] = mapped_column(Date)


# The closed months of the trend read every in-scope account's segment, status, RM, branch
# and creation time: this index holds all of them, so they are counted without reading the
# (wide) account rows.
from crm.accounts.models import Account as _Account  # noqa: E402

Index(
    "ix_account_cadence_scope",
    _Account.segment,
    _Account.status,
    _Account.rm_id,
    _Account.branch_office_id,
    _Account.created_at,
)
# The drill-down's rare side for "due" under the monthly rule: accounts created this month.
Index("ix_account_created", _Account.created_at)
