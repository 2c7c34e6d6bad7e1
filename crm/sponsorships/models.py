"""Sponsorship models: sponsorships, beneficiaries, payments and package prices.

Money is whole rupiah. A sponsorship keeps the price per worker it was created with (the
rate in force for its start month) and three figures maintained by the services in the
same transaction as every change: `beneficiary_count`, `commitment` (= beneficiaries x
price x months) and `paid_total`, so lists and totals never aggregate the child tables.

Stored status records events (pledged -> active when a payment is recorded, renewed,
cancelled); "expiring" and "expired" depend on today and are computed from `end_on`
(crm.sponsorships.status), whose indexes serve those filters.
"""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.db import in_values as _in
from crm.extensions import db
from crm.rules import EffectiveDated

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.auth.models import User

SCHEMES = ("sertakan", "gn_lingkaran")
PACKAGES = ("jkk_jkm", "jkk_jkm_jht")
# Months a sponsorship may cover, per scheme (DOMAIN.md: BPU contributions are paid for
# 1, 3, 6 or 12 months; GN Lingkaran donations run for 3, 6 or 12).
SCHEME_MONTHS = {"sertakan": (1, 3, 6, 12), "gn_lingkaran": (3, 6, 12)}
MONTHS = (1, 3, 6, 12)
# Stored states; "expiring" and "expired" are computed (crm.sponsorships.status).
STORED_STATUSES = ("pledged", "active", "renewed", "cancelled")
# Still running (neither renewed nor cancelled): these block a NIK elsewhere and expire.
OPEN_STATUSES = ("pledged", "active")


class SponsorshipRate(EffectiveDated, db.Model):
    """The price per worker per month of a package from `effective_from` (a month's first
    day) on; a sponsorship takes the latest one starting on or before its start month.
    Seeded by the migration with DOMAIN.md's Rp 16.800 and Rp 36.800 from September 2022."""

    __tablename__ = "sponsorship_rate"
    __rule_scope__ = ("package",)
    __rule_fields__ = ("package", "price", "effective_from")
    __table_args__ = (
        CheckConstraint(_in("package", PACKAGES), name="package_known"),
        CheckConstraint("price > 0", name="price_positive"),
        UniqueConstraint("package", "effective_from", name="uq_sponsorship_rate_package_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[str] = mapped_column(String(20))
    price: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Sponsorship(TimestampMixin, db.Model):
    """A sponsor account paying the BPU contributions of informal workers for 1-12 months."""

    __tablename__ = "sponsorship"
    __table_args__ = (
        CheckConstraint(_in("scheme", SCHEMES), name="scheme_known"),
        CheckConstraint(_in("package", PACKAGES), name="package_known"),
        CheckConstraint(_in("status", STORED_STATUSES), name="status_known"),
        CheckConstraint("months IN (1,3,6,12)", name="months_known"),
        CheckConstraint(
            "beneficiary_count >= 0 AND price_per_worker > 0 AND commitment >= 0 "
            "AND paid_total >= 0",
            name="figures_not_negative",
        ),
        CheckConstraint("end_on >= start_month", name="end_after_start"),
        # A sponsorship is renewed once: one successor per predecessor.
        UniqueConstraint("renewed_from_id", name="uq_sponsorship_renewed_from_id"),
        Index("ix_sponsorship_account", "account_id", "id"),
        Index("ix_sponsorship_end", "end_on", "id"),
        Index("ix_sponsorship_status_end", "status", "end_on", "id"),
        Index("ix_sponsorship_scheme", "scheme", "id"),
        Index("ix_sponsorship_start", "start_month", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(20), default="sertakan")
    package: Mapped[str] = mapped_column(String(20), default="jkk_jkm")
    months: Mapped[int] = mapped_column(Integer, default=12)
    start_month: Mapped[date] = mapped_column(Date)  # the first day of the first month
    end_on: Mapped[date] = mapped_column(Date)  # the last day of the last month covered
    price_per_worker: Mapped[int] = mapped_column(Integer)  # per worker per month, fixed
    status: Mapped[str] = mapped_column(String(20), default="pledged")
    beneficiary_count: Mapped[int] = mapped_column(Integer, default=0)
    commitment: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_total: Mapped[int] = mapped_column(BigInteger, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    renewed_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("sponsorship.id", ondelete="SET NULL")
    )
    # The RM's renewal task, made once by the daily check 30 days before the end.
    renewal_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    # The latest Piagam/Tanda Terima drafted for this sponsorship.
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    account: Mapped[Account] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def outstanding(self) -> int:
        return max(self.commitment - self.paid_total, 0)


class SponsorshipBeneficiary(TimestampMixin, db.Model):
    """An informal worker covered by a sponsorship. The NIK is personal data: pages show it
    masked (crm.sponsorships.nik.mask_nik); the full value only through the audited view."""

    __tablename__ = "sponsorship_beneficiary"
    __table_args__ = (
        UniqueConstraint("sponsorship_id", "nik", name="uq_sponsorship_beneficiary_nik"),
        # The overlap check: every sponsorship holding a NIK.
        Index("ix_sponsorship_beneficiary_nik", "nik", "sponsorship_id"),
        Index("ix_sponsorship_beneficiary_list", "sponsorship_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorship.id", ondelete="CASCADE"))
    nik: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(150))
    occupation: Mapped[str] = mapped_column(String(100), default="")
    kelurahan: Mapped[str] = mapped_column(String(100), default="")
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    kpj: Mapped[str | None] = mapped_column(String(11))

    sponsorship: Mapped[Sponsorship] = relationship()


class SponsorshipPayment(db.Model):
    """Money received against a sponsorship's commitment."""

    __tablename__ = "sponsorship_payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_sponsorship_payment_sponsorship", "sponsorship_id", "paid_on", "id"),
        Index("ix_sponsorship_payment_paid_on", "paid_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorship.id", ondelete="CASCADE"))
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()
