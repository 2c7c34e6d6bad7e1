"""Partner portal models: invitations and the download log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import UTCDateTime, utcnow
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.partners.models import AgreementDocument


class PartnerInvitation(db.Model):
    """A single-use, expiring link to set a password. Only the token's SHA-256 is stored,
    so the table does not hold usable links."""

    __tablename__ = "partner_invitation"
    __table_args__ = (Index("ix_partner_invitation_account", "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    account: Mapped[Account] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class DownloadLog(db.Model):
    """Who downloaded which document version, when and from where."""

    __tablename__ = "download_log"
    __table_args__ = (
        Index("ix_download_log_agreement", "agreement_id", "at", "id"),
        Index("ix_download_log_user", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement_document.id", ondelete="SET NULL")
    )
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[AgreementDocument | None] = relationship()
    user: Mapped[User | None] = relationship()
