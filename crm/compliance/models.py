"""Monthly contribution figures per account, their imports, the arrears rules and the
national-holiday calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.extensions import db
from crm.rules import EffectiveDated

HOLIDAY_KINDS = ("national", "collective_leave")  # libur nasional, cuti bersama


class ComplianceImport(db.Model):
    """One confirmed import of the core system's monthly export: who, when, which file and
    months, how many rows were new or updated. Rows written by it point back here, so a
    later event (a case closed because arrears were paid) can cite the import."""

    __tablename__ = "compliance_import"
    __table_args__ = (Index("ix_compliance_import_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The ticket's id: a retried confirm or a re-dispatched job finds it and writes nothing.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), default="system")
    filename: Mapped[str] = mapped_column(String(200), default="")
    file_key: Mapped[str] = mapped_column(String(100), default="")
    period_first: Mapped[date] = mapped_column(Date)
    period_last: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CompliancePeriod(TimestampMixin, db.Model):
    """An account's contribution month as the core membership system reports it. Amounts
    are whole rupiah. `unpaid` is contribution_due - amount_paid when positive (kept by a
    check constraint) so "months with arrears" is an indexed lookup."""

    __tablename__ = "compliance_period"
    __table_args__ = (
        # The unique key also serves the account's 24-month grid (account_id, period range).
        Index("uq_compliance_period_account_period", "account_id", "period", unique=True),
        # Months with something unpaid, per account: the "2 or more unpaid months" query
        # reads only these rows (a small partial index; most months are paid).
        Index(
            "ix_compliance_period_unpaid",
            "account_id",
            "period",
            sqlite_where=text("unpaid > 0"),
            postgresql_where=text("unpaid > 0"),
        ),
        # Months with a PDS finding, per account (the other reason for a suggested case).
        Index(
            "ix_compliance_period_pds",
            "account_id",
            "period",
            sqlite_where=text("pds_tk OR pds_upah OR pds_program"),
            postgresql_where=text("pds_tk OR pds_upah OR pds_program"),
        ),
        # Everything of one month (the import's preload, a month's report).
        Index("ix_compliance_period_period", "period", "account_id"),
        CheckConstraint(
            "workers_registered >= 0 AND workers_reported >= 0 AND wages_reported >= 0 "
            "AND contribution_due >= 0 AND amount_paid >= 0 AND fine_paid >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint(
            "unpaid = CASE WHEN contribution_due > amount_paid "
            "THEN contribution_due - amount_paid ELSE 0 END",
            name="unpaid_consistent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)  # the first day of the month
    workers_registered: Mapped[int] = mapped_column(Integer, default=0)
    workers_reported: Mapped[int] = mapped_column(Integer, default=0)
    wages_reported: Mapped[int] = mapped_column(BigInteger, default=0)
    contribution_due: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    unpaid: Mapped[int] = mapped_column(BigInteger, default=0)
    # The date of the (last) payment for the month; fines paid with it, if the export says.
    paid_on: Mapped[date | None] = mapped_column(Date)
    fine_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    pds_tk: Mapped[bool] = mapped_column(default=False)
    pds_upah: Mapped[bool] = mapped_column(default=False)
    pds_program: Mapped[bool] = mapped_column(default=False)
    pds_notes: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("compliance_import.id", ondelete="SET NULL"), index=True
    )

    import_run: Mapped[ComplianceImport | None] = relationship()

    @property
    def has_pds(self) -> bool:
        return self.pds_tk or self.pds_upah or self.pds_program


def unpaid_of(contribution_due: int, amount_paid: int) -> int:
    """What the unpaid_consistent constraint requires the `unpaid` column to hold."""
    return max(contribution_due - amount_paid, 0)


class ArrearsRule(EffectiveDated, db.Model):
    """Deadline and fine rule for contribution months from `effective_from` on (the rule in
    force for a month is the latest one starting on or before it). Seeded by the migration
    with DOMAIN.md's values; a future change is a new row, so past months keep their rule."""

    __tablename__ = "arrears_rule"
    __rule_fields__ = (
        "effective_from",
        "due_day",
        "due_months_after",
        "fine_bp_per_month",
        "legal_basis",
    )
    __table_args__ = (
        CheckConstraint("due_day BETWEEN 1 AND 28", name="due_day_range"),
        CheckConstraint("due_months_after BETWEEN 0 AND 3", name="due_months_range"),
        CheckConstraint("fine_bp_per_month BETWEEN 0 AND 10000", name="fine_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)  # a month's first day
    # Month M is due on `due_day` of month M + due_months_after (the next working day when
    # that is a weekend or holiday).
    due_day: Mapped[int] = mapped_column(Integer, default=15)
    due_months_after: Mapped[int] = mapped_column(Integer, default=1)
    # Fine per month late on the unpaid contribution, in basis points (200 = 2 %).
    fine_bp_per_month: Mapped[int] = mapped_column(Integer, default=200)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Holiday(TimestampMixin, db.Model):
    """A national holiday or collective leave day (cuti bersama): not a working day."""

    __tablename__ = "holiday"
    __table_args__ = (
        CheckConstraint("kind IN ('national','collective_leave')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(20), default="national")


HOLIDAY_KINDS = ("national", "collective_leave")
# What working days are counted for: payment due dates (banks are open on cuti bersama) and
# letter and case deadlines (government offices are closed on both kinds).
HOLIDAY_PURPOSES = ("payment", "letter")


class HolidayUse(db.Model):
    """Whether a kind of holiday is a non-working day for a purpose (one row per pair, all
    four seeded by the migration: payment skips national holidays only, letters skip both).
    Changed at /admin/holidays, audited."""

    __tablename__ = "holiday_use"
    __table_args__ = (
        CheckConstraint("purpose IN ('payment','letter')", name="purpose_known"),
        CheckConstraint("kind IN ('national','collective_leave')", name="kind_known"),
    )

    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    skipped: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
