"""Users of the CRM."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.db import TimestampMixin, UTCDateTime
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.offices import BranchOffice

ROLES = ("admin", "supervisor", "rm", "partner")
STAFF_ROLES = ("admin", "supervisor", "rm")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('admin','supervisor','rm','partner')", name="role_known"),
        CheckConstraint("role <> 'partner' OR account_id IS NOT NULL", name="partner_has_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), index=True)
    branch_office_id: Mapped[int | None] = mapped_column(ForeignKey("branch_office.id"), index=True)
    # A partner user belongs to exactly one institution account.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", use_alter=True), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Bumped on sign-out, password or role change and deactivation: every older session
    # stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the private calendar-feed token (/calendar/<token>.ics); NULL = no feed.
    ics_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    branch_office: Mapped[BranchOffice | None] = relationship()
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])

    def set_password(self, password: str) -> None:
        """Hash with scrypt (Werkzeug's default) and invalidate older sessions."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
