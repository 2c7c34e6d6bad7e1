"""Supply-chain models: vendor links of a parent account and coverage snapshots.

A SupplyChainLink is one vendor of one parent (typically a BUMN): either an existing account
with an NPP (`vendor_account_id` set: registered) or a vendor prospect known only by the
fields typed or imported (name, NPWP, contact, estimated workers, contract or category).
Registering a prospect fills `vendor_account_id` on the same row, so the link keeps its id,
its events (SupplyChainEvent) and its campaign letter: the history survives conversion.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, in_values, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.letters.models import Letter

# not_contacted -> invited (its letter issued) -> in_progress -> registered; or refused.
CAMPAIGN_STATUSES = ("not_contacted", "invited", "in_progress", "registered", "refused")
EVENT_KINDS = (
    "created",
    "imported",
    "updated",
    "status_changed",
    "letter_drafted",
    "invited",
    "registered",
)
MAX_WORKERS = 10_000_000  # estimated workers of one vendor: beyond any real company


class SupplyChainLink(TimestampMixin, db.Model):
    """A vendor (registered account or prospect) in a parent account's ecosystem."""

    __tablename__ = "supply_chain_link"
    __table_args__ = (
        CheckConstraint(in_values("campaign_status", CAMPAIGN_STATUSES), name="status_known"),
        CheckConstraint(
            "estimated_workers IS NULL OR estimated_workers >= 0", name="workers_not_negative"
        ),
        CheckConstraint(
            "vendor_account_id IS NULL OR vendor_account_id <> parent_id", name="not_self"
        ),
        # A vendor appears once per parent, by account and by NPWP (NULLs never collide).
        Index("uq_supply_chain_link_parent_vendor", "parent_id", "vendor_account_id", unique=True),
        Index("uq_supply_chain_link_parent_npwp", "parent_id", "npwp", unique=True),
        # The parent's vendor list in name order, whole or by campaign status (keyset pages).
        Index("ix_supply_chain_link_parent_name", "parent_id", "search_name", "id"),
        Index(
            "ix_supply_chain_link_parent_status",
            "parent_id",
            "campaign_status",
            "search_name",
            "id",
        ),
        # "Vendor of ..." on an account page; the issued-letter hook finds its vendor.
        Index("ix_supply_chain_link_vendor", "vendor_account_id"),
        Index("ix_supply_chain_link_letter", "letter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    # NULL for a prospect; set when it registers (an NPP entered, or matched on import).
    vendor_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), default="")
    npwp: Mapped[str | None] = mapped_column(String(16))  # digits only, 16 (old: leading 0)
    contact_name: Mapped[str] = mapped_column(String(150), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    estimated_workers: Mapped[int | None] = mapped_column(Integer)
    contract: Mapped[str] = mapped_column(String(200), default="")  # contract or category
    campaign_status: Mapped[str] = mapped_column(String(20), default="not_contacted")
    # The campaign's invitation letter (belongs to the parent account, addressed here).
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped[Account] = relationship(foreign_keys=[parent_id])
    vendor: Mapped[Account | None] = relationship(foreign_keys=[vendor_account_id])
    letter: Mapped[Letter | None] = relationship()

    @property
    def is_registered(self) -> bool:
        return self.vendor_account_id is not None

    def __repr__(self) -> str:
        return (
            f"<SupplyChainLink {self.id} {self.parent_id}->{self.vendor_account_id or self.name}>"
        )


class SupplyChainEvent(db.Model):
    """One step in a vendor link's life (created, imported, invited, registered...)."""

    __tablename__ = "supply_chain_event"
    __table_args__ = (
        CheckConstraint(in_values("kind", EVENT_KINDS), name="kind_known"),
        Index("ix_supply_chain_event_link", "link_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("supply_chain_link.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()


class SupplyChainSnapshot(db.Model):
    """A parent's coverage in one month (the month's last figures): the trend's points.
    Written by the daily snapshot task, one row per parent and month (upserted)."""

    __tablename__ = "supply_chain_snapshot"
    __table_args__ = (
        Index("uq_supply_chain_snapshot_parent_month", "parent_id", "month", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    vendors_total: Mapped[int] = mapped_column(Integer, default=0)
    vendors_registered: Mapped[int] = mapped_column(Integer, default=0)
    workers_estimated: Mapped[int] = mapped_column(BigInteger, default=0)
    workers_registered: Mapped[int] = mapped_column(BigInteger, default=0)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
