"""Escalation cases, their event history, the letter each letter stage requests, the
stage deadlines in force and the daily list of suggested cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.db import in_values as _in
from crm.extensions import db
from crm.letters.types import CASE_LETTER_TYPES
from crm.rules import EffectiveDated

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.compliance.models import ComplianceImport

# The ladder of DOMAIN.md, in order. "Selesai" is not a stage: it is status = closed.
STAGES = ("persuasi", "pemberitahuan", "teguran_1", "teguran_2", "denda", "tmp2t", "skk")
# Stages that send a letter, and the letter type each requests: the letters feature's
# registry (a case never has more than these two Teguran, as PP 86/2013 says).
LETTER_TYPES = {stage: letter_type for letter_type, stage in CASE_LETTER_TYPES.items()}
SUPERVISOR_STAGES = ("denda", "tmp2t", "skk")
REASONS = ("arrears", "pds_tk", "pds_upah", "pds_program", "late_registration")
CLOSE_REASONS = ("paid", "registered", "written_off")
EVENT_KINDS = ("opened", "advanced", "letter_issued", "letter_received", "closed", "note")
LETTER_STATUSES = ("draft_requested", "issued", "received")


class EscalationCase(TimestampMixin, db.Model):
    """One account's escalation for one reason. At most one open case per account and
    reason (a partial unique index). The stage clock: stage_started_on and stage_due_on are
    empty while a letter stage waits for its letter to be issued ("menunggu surat")."""

    __tablename__ = "escalation_case"
    __table_args__ = (
        CheckConstraint(_in("stage", STAGES), name="stage_known"),
        CheckConstraint(_in("reason", REASONS), name="reason_known"),
        CheckConstraint("status IN ('open','closed')", name="status_known"),
        CheckConstraint(
            "closed_reason IS NULL OR " + _in("closed_reason", CLOSE_REASONS),
            name="closed_reason_known",
        ),
        CheckConstraint("(status = 'open') = (closed_reason IS NULL)", name="closed_has_reason"),
        Index(
            "uq_escalation_case_open_account_reason",
            "account_id",
            "reason",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The list and the coming board: newest first within a filter, or by due date.
        Index("ix_escalation_case_status_stage", "status", "stage", "id"),
        Index("ix_escalation_case_status_reason", "status", "reason", "id"),
        Index("ix_escalation_case_owner_status", "owner_id", "status", "id"),
        Index("ix_escalation_case_branch_status", "branch_office_id", "status", "id"),
        Index("ix_escalation_case_status_due", "status", "stage_due_on", "id"),
        Index("ix_escalation_case_account", "account_id", "status"),
        # The board: amount bands and totals by stage over the stored arrears figure.
        Index("ix_escalation_case_status_arrears", "status", "arrears_total", "id"),
        # The case list of one status (open, or closed: a table that only grows), newest
        # first, without sorting every row of that status.
        Index("ix_escalation_case_status_id", "status", "id"),
        # The board (crm.cases.board) reads only this index: each column's cards seek
        # (status, stage, stage_due_on, id) in order, and the per-stage counts and totals
        # read the same range; the trailing columns let every board filter and figure be
        # checked inside the index, without a lookup of the case row.
        Index(
            "ix_escalation_case_board",
            "status",
            "stage",
            "stage_due_on",
            "id",
            "arrears_total",
            "stage_started_on",
            "owner_id",
            "branch_office_id",
            "reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20), default="persuasi")
    status: Mapped[str] = mapped_column(String(10), default="open")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The account's branch when the case was opened: the board filters by it without a join.
    branch_office_id: Mapped[int | None] = mapped_column(ForeignKey("branch_office.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stage_started_on: Mapped[date | None] = mapped_column(Date)
    stage_due_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_reason: Mapped[str | None] = mapped_column(String(20))
    closed_note: Mapped[str] = mapped_column(Text, default="")
    closing_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("compliance_import.id", ondelete="SET NULL")
    )
    # The account's arrears (crm.compliance.arrears) as of arrears_as_of, whole rupiah:
    # stored so the board filters by amount band and totals by stage without reading
    # compliance rows. Refreshed when the case opens, after each compliance import for the
    # accounts it touched, and by the daily job (the fine grows with time).
    arrears_unpaid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    arrears_fine: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    arrears_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    arrears_as_of: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    closing_import: Mapped[ComplianceImport | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", passive_deletes=True
    )
    letter_requests: Mapped[list[CaseLetterRequest]] = relationship(
        back_populates="case", order_by="CaseLetterRequest.id", passive_deletes=True
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def next_stage(self) -> str | None:
        i = STAGES.index(self.stage)
        return STAGES[i + 1] if i + 1 < len(STAGES) else None

    @property
    def current_letter(self) -> CaseLetterRequest | None:
        return next((r for r in self.letter_requests if r.stage == self.stage), None)

    @property
    def waiting_for_letter(self) -> bool:
        letter = self.current_letter
        return letter is not None and letter.status == "draft_requested"

    def __repr__(self) -> str:
        return f"<EscalationCase {self.id} {self.stage} {self.status}>"


class CaseEvent(db.Model):
    """One step of a case's history: who (empty for the system), when, what, and why."""

    __tablename__ = "case_event"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
        Index("ix_case_event_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("escalation_case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("compliance_import.id", ondelete="SET NULL"), index=True
    )
    letter_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_letter_request.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[EscalationCase] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    import_run: Mapped[ComplianceImport | None] = relationship()


class CaseLetterRequest(TimestampMixin, db.Model):
    """The letter a letter stage asks for. A stand-in until the letters feature exists: it
    will point this row at its Letter (or replace it); see crm.cases.letters."""

    __tablename__ = "case_letter_request"
    __table_args__ = (
        CheckConstraint(_in("status", LETTER_STATUSES), name="status_known"),
        CheckConstraint(_in("letter_type", tuple(LETTER_TYPES.values())), name="type_known"),
        CheckConstraint(
            "received_on IS NULL OR issued_on IS NULL OR received_on >= issued_on",
            name="received_after_issued",
        ),
        UniqueConstraint("case_id", "stage", name="uq_case_letter_request_case_stage"),
        Index("ix_case_letter_request_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("escalation_case.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    letter_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="draft_requested")
    # The addressee block when the draft was requested ("Yth. Pimpinan PT ...", address).
    addressee: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    issued_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    # The draft Letter this request made (crm.letters); its issue and receipt drive the dates.
    letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("letter.id", ondelete="SET NULL"), index=True
    )
    # A letter sent outside this system (recorded by a supervisor): its number and a scan.
    external_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    scan_key: Mapped[str] = mapped_column(String(64), default="", server_default="")

    case: Mapped[EscalationCase] = relationship(back_populates="letter_requests")


class CaseStageRule(EffectiveDated, db.Model):
    """How long a stage lasts, from `effective_from` on (the latest rule starting on or
    before the stage's start applies). days NULL: set by hand (Persuasi by the RM, TMP2T and
    SKK by the supervisor). Seeded by the migration with DOMAIN.md's defaults."""

    __tablename__ = "case_stage_rule"
    __rule_scope__ = ("stage",)
    __rule_fields__ = ("stage", "effective_from", "days", "calendar_days")
    __table_args__ = (
        CheckConstraint(_in("stage", STAGES), name="stage_known"),
        CheckConstraint("days IS NULL OR days BETWEEN 1 AND 365", name="days_range"),
        UniqueConstraint("stage", "effective_from", name="uq_case_stage_rule_stage_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date] = mapped_column(Date)
    days: Mapped[int | None] = mapped_column(Integer)
    # Denda runs "up to 30 days after Teguran II": calendar days, not working days.
    calendar_days: Mapped[bool] = mapped_column(default=False)


class CaseSuggestion(db.Model):
    """An account the daily job found with 2 or more overdue unpaid months or a PDS flag in
    its latest month. Rebuilt whole by refresh_suggestions (daily, and after each import)."""

    __tablename__ = "case_suggestion"
    __table_args__ = (CheckConstraint(_in("reason", REASONS), name="reason_known"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(20))  # the reason a one-click case gets
    unpaid_months: Mapped[int] = mapped_column(Integer, default=0)
    pds_tk: Mapped[bool] = mapped_column(default=False)
    pds_upah: Mapped[bool] = mapped_column(default=False)
    pds_program: Mapped[bool] = mapped_column(default=False)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    account: Mapped[Account] = relationship()


class DendaRule(EffectiveDated, db.Model):
    """The Denda sanction (PP 86/2013 Pasal 5-8) from `effective_from` on: a fine of
    rate_bp_per_month basis points a month (10 = 0.1 %) of the unpaid contributions, fines
    excluded, for at most window_days calendar days after Teguran II's period ends. Seeded
    by the migration; a change is a new row (crm.rules)."""

    __tablename__ = "denda_rule"
    __table_args__ = (
        CheckConstraint("rate_bp_per_month BETWEEN 1 AND 1000", name="rate_range"),
        CheckConstraint("window_days BETWEEN 1 AND 90", name="window_range"),
    )
    __rule_fields__ = ("effective_from", "rate_bp_per_month", "window_days", "legal_basis")

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    rate_bp_per_month: Mapped[int] = mapped_column(Integer, default=10)
    window_days: Mapped[int] = mapped_column(Integer, default=30)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
