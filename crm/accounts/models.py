"""Accounts (every counterpart), key persons and the positions they hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime
from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.offices import BranchOffice

KINDS = ("company", "ministry", "agency", "local_government")
SEGMENTS = ("corporate", "institutional")
STATUSES = ("prospect", "active", "inactive")
OWNERSHIPS = ("bumn", "bumd", "private", "foreign")
SECTORS = (
    "energi",
    "pertambangan",
    "konstruksi",
    "manufaktur",
    "perbankan",
    "telekomunikasi",
    "transportasi",
    "perkebunan",
    "perdagangan",
    "kesehatan",
    "pendidikan",
    "properti",
    "jasa",
    "pemerintahan",
    "lainnya",
)
LEVELS = ("bod", "bod1", "bod2", "operational")
STANCES = ("champion", "supporter", "neutral", "skeptic", "blocker")
CHANNELS = ("email", "phone", "whatsapp", "letter", "in_person")


class Account(TimestampMixin, db.Model):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('company','ministry','agency','local_government')", name="kind_known"
        ),
        CheckConstraint("segment IN ('corporate','institutional')", name="segment_known"),
        CheckConstraint("status IN ('prospect','active','inactive')", name="status_known"),
        CheckConstraint(
            "ownership IS NULL OR ownership IN ('bumn','bumd','private','foreign')",
            name="ownership_known",
        ),
        # Every list filter and sort is served by an index ending in the unique id. The name
        # index also carries search_name: a name-fragment search (LIKE '%x%') walks it in
        # name order and tests each entry without reading the table row (SQLite defers the
        # row lookup), so a rare or absent fragment costs one index scan, not 100k lookups.
        Index("ix_account_name_search", "name", "id", "search_name"),
        Index("ix_account_rm_name", "rm_id", "name", "id"),
        Index("ix_account_branch_name", "branch_office_id", "name", "id"),
        Index("ix_account_status_name", "status", "name", "id"),
        Index("ix_account_kind_name", "kind", "name", "id"),
        Index("ix_account_ownership_name", "ownership", "name", "id"),
        Index("ix_account_updated", "updated_at", "id"),
        Index("ix_account_search_name", "search_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case name without legal forms (PT, Tbk, Persero): duplicate warnings and search.
    search_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="company")
    segment: Mapped[str] = mapped_column(String(20), default="corporate")
    status: Mapped[str] = mapped_column(String(20), default="active")
    ownership: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(40))
    headcount: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    npp: Mapped[str | None] = mapped_column(String(8), unique=True)
    npwp: Mapped[str | None] = mapped_column(String(16), unique=True)
    nib: Mapped[str | None] = mapped_column(String(13), unique=True)
    branch_office_id: Mapped[int | None] = mapped_column(ForeignKey("branch_office.id"))
    rm_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Group parent, e.g. a BUMN holding above its subsidiaries.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    character_notes: Mapped[str] = mapped_column(Text, default="")
    # Set when a key person leaves and nobody has replaced them yet.
    key_person_gap_since: Mapped[date | None] = mapped_column(Date, index=True)

    branch_office: Mapped[BranchOffice | None] = relationship()
    rm: Mapped[User | None] = relationship(foreign_keys=[rm_id])
    parent: Mapped[Account | None] = relationship(remote_side=[id])

    @property
    def is_corporate(self) -> bool:
        return self.segment == "corporate"

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}>"


class KeyPerson(TimestampMixin, db.Model):
    """A person whose influence moves decisions; keeps their history across accounts."""

    __tablename__ = "key_person"
    __table_args__ = (
        CheckConstraint("influence BETWEEN 1 AND 5", name="influence_range"),
        CheckConstraint(
            "stance IN ('champion','supporter','neutral','skeptic','blocker')", name="stance_known"
        ),
        Index("ix_key_person_name", "name", "id"),
        Index("ix_key_person_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    preferred_channel: Mapped[str] = mapped_column(String(20), default="email")
    notes: Mapped[str] = mapped_column(Text, default="")
    influence: Mapped[int] = mapped_column(Integer, default=3)
    stance: Mapped[str] = mapped_column(String(20), default="neutral")
    assessed_on: Mapped[date | None] = mapped_column(Date)

    positions: Mapped[list[Position]] = relationship(
        back_populates="person",
        foreign_keys="Position.person_id",
        order_by="Position.start_date.desc()",
    )


class Position(TimestampMixin, db.Model):
    """A title held by a person at an account, from start to end (open while current)."""

    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint("level IN ('bod','bod1','bod2','operational')", name="level_known"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_position_account_current", "account_id", "end_date", "id"),
        Index("ix_position_person", "person_id", "start_date"),
        Index("ix_position_reports_to", "reports_to_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("key_person.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(150))
    level: Mapped[str] = mapped_column(String(20), default="operational")
    decision_maker: Mapped[bool] = mapped_column(default=False)
    reports_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("position.id", ondelete="SET NULL")
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    left_note: Mapped[str] = mapped_column(String(500), default="")
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("key_person.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[KeyPerson] = relationship(back_populates="positions", foreign_keys=[person_id])
    account: Mapped[Account] = relationship()
    reports_to: Mapped[Position | None] = relationship(remote_side=[id])
    successor: Mapped[KeyPerson | None] = relationship(foreign_keys=[successor_id])

    @property
    def is_current(self) -> bool:
        return self.end_date is None
