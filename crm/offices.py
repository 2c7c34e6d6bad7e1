"""Branch offices (kantor cabang) and their regions: core reference data every feature reads
and the admin maintains."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import TimestampMixin
from crm.extensions import db


class BranchOffice(TimestampMixin, db.Model):
    __tablename__ = "branch_office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Kantor Wilayah (regional office) the branch reports to.
    region: Mapped[str] = mapped_column(String(120), index=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<BranchOffice {self.code}>"
