"""Institutional partnership models: agreements, their documents and implementation.

An MoU is signed with a ministry or agency (an Account of kind ministry, agency or
local_government); PKS/TKS agreements implement it (parent_id). Branch offices carry the
implementation, reported per branch and per period. Documents are versioned: each upload
of the same (agreement, kind, title) is the next version, and the newest is the current one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.db import in_values as _in
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.offices import BranchOffice

KINDS = ("mou", "pks")  # "pks" covers PKS and TKS: the technical agreement under an MoU
STATUSES = (
    "draft",
    "negotiation",
    "signed",
    "active",
    "expiring",
    "expired",
    "terminated",
    "renewed",
)
DOCUMENT_KINDS = ("signed", "annex", "guideline", "cover_letter", "evidence")
REPORT_STATUSES = ("not_started", "socialized", "in_progress", "implemented", "blocked")
PERIOD_KINDS = ("month", "quarter")


class Agreement(TimestampMixin, db.Model):
    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("valid_to > valid_from", name="valid_range"),
        Index("ix_agreement_account_valid_to", "account_id", "valid_to", "id"),
        Index("ix_agreement_rm_valid_to", "rm_id", "valid_to", "id"),
        Index("ix_agreement_status_valid_to", "status", "valid_to", "id"),
        Index("ix_agreement_valid_to", "valid_to", "id"),
        Index("ix_agreement_parent", "parent_id"),
        Index("ix_agreement_renewed_from", "renewed_from_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    # The counterpart institution.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(Text, default="")
    # Each party numbers the same agreement in its own register.
    our_number: Mapped[str] = mapped_column(String(120), default="")
    partner_number: Mapped[str] = mapped_column(String(120), default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    rm_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Internal only: never shown in the partner portal.
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    terminated_reason: Mapped[str] = mapped_column(String(500), default="")
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    account: Mapped[Account] = relationship()
    rm: Mapped[User | None] = relationship(foreign_keys=[rm_id])
    parent: Mapped[Agreement | None] = relationship(
        remote_side="Agreement.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Agreement]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Agreement.valid_from"
    )
    renewed_from: Mapped[Agreement | None] = relationship(
        remote_side="Agreement.id", foreign_keys=[renewed_from_id]
    )
    branches: Mapped[list[AgreementBranch]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan"
    )


class AgreementBranch(db.Model):
    """A branch office that implements the agreement in its region."""

    __tablename__ = "agreement_branch"
    __table_args__ = (Index("ix_agreement_branch_branch", "branch_office_id", "agreement_id"),)

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True
    )
    branch_office_id: Mapped[int] = mapped_column(ForeignKey("branch_office.id"), primary_key=True)

    agreement: Mapped[Agreement] = relationship(back_populates="branches")
    branch_office: Mapped[BranchOffice] = relationship()


class AgreementDocument(db.Model):
    """One version of one document of an agreement. The file lives in crm.storage under a
    random key; the original file name is kept for the download's Content-Disposition."""

    __tablename__ = "agreement_document"
    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind_known"),
        UniqueConstraint("agreement_id", "kind", "title", "version", name="version_once"),
        Index("ix_agreement_document_agreement", "agreement_id", "kind", "title", "version"),
        Index("ix_agreement_document_report", "report_id"),
        Index("ix_agreement_document_letter", "letter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    storage_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Evidence of one implementation report (internal; not shown in the portal).
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("implementation_report.id", ondelete="CASCADE")
    )
    # A generated cover letter (Surat Pengantar) attached when it is issued.
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agreement: Mapped[Agreement] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class ImplementationReport(db.Model):
    """How one covered branch office stands on one agreement in one period."""

    __tablename__ = "implementation_report"
    __table_args__ = (
        CheckConstraint(_in("status", REPORT_STATUSES), name="status_known"),
        CheckConstraint(_in("period_kind", PERIOD_KINDS), name="period_kind_known"),
        CheckConstraint("workers_covered >= 0", name="workers_not_negative"),
        UniqueConstraint(
            "agreement_id", "branch_office_id", "period_kind", "period_start", name="one_per_period"
        ),
        Index("ix_implementation_report_branch", "branch_office_id", "period_start"),
        Index("ix_implementation_report_status", "status", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    branch_office_id: Mapped[int] = mapped_column(ForeignKey("branch_office.id"))
    period_kind: Mapped[str] = mapped_column(String(10), default="month")
    # First day of the month or of the quarter.
    period_start: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    blocked_reason: Mapped[str] = mapped_column(String(500), default="")
    workers_covered: Mapped[int] = mapped_column(Integer, default=0)
    # Internal notes: never shown in the partner portal.
    notes: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    agreement: Mapped[Agreement] = relationship()
    branch_office: Mapped[BranchOffice] = relationship()
    reported_by: Mapped[User | None] = relationship()


class AgreementAlert(db.Model):
    """An expiry alert given once per agreement and offset (90, 60 or 30 days before
    valid_to): the daily check is idempotent, and the home page lists the open ones."""

    __tablename__ = "agreement_alert"
    __table_args__ = (
        UniqueConstraint("agreement_id", "days_before", name="once_per_offset"),
        Index("ix_agreement_alert_open", "dismissed_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    days_before: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agreement: Mapped[Agreement] = relationship()
