"""The Account model; the foundation's minimal cut, grown by the accounts feature."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import TimestampMixin
from crm.extensions import db

KINDS = ("company", "ministry", "agency", "local_government")
SEGMENTS = ("corporate", "institutional")
STATUSES = ("prospect", "active", "inactive")


class Account(TimestampMixin, db.Model):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('company','ministry','agency','local_government')", name="kind_known"
        ),
        CheckConstraint("segment IN ('corporate','institutional')", name="segment_known"),
        CheckConstraint("status IN ('prospect','active','inactive')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="company")
    segment: Mapped[str] = mapped_column(String(20), default="corporate")
    status: Mapped[str] = mapped_column(String(20), default="active")

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}>"
