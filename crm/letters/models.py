"""Formal letters: the letter and its history, the per-code yearly number sequence, the
type codes and letterhead the admin sets, and bulk batches."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
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
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.db import in_values as _in
from crm.extensions import db

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.cases.models import EscalationCase
    from crm.meetings.models import Interaction

# The letter types (crm.letters.template_context.LETTER_TYPES holds their Indonesian titles).
TYPES = (
    "pemberitahuan",
    "teguran_1",
    "teguran_2",
    "undangan",
    "pengantar_mou",
    "rekomendasi_tmp2t",
    "piagam_sertakan",
    "ajakan_kepesertaan",
)
# draft -> submitted -> approved -> issued -> dispatched -> received; cancelled before issue.
# "returned" is a draft sent back by the supervisor with a comment (editable again).
STATUSES = (
    "draft",
    "returned",
    "submitted",
    "approved",
    "issued",
    "dispatched",
    "received",
    "cancelled",
)
# The PDF render of an approved letter (the job's own status is in background_job).
RENDER_STATUSES = ("none", "queued", "rendering", "done", "failed")
CHANNELS = ("hand", "courier", "registered_post", "email")
EVENT_KINDS = (
    "drafted",
    "edited",
    "submitted",
    "returned",
    "approved",
    "rendered",
    "render_failed",
    "issued",
    "dispatched",
    "received",
    "cancelled",
    "reprinted",
)


class Letter(TimestampMixin, db.Model):
    """One formal letter. Numbered at approval (CODE/sequence/MMYYYY, gapless per code and
    year); its PDF is rendered once by a job and frozen (storage key + SHA-256) when issued.
    `verify_code` (at least 128 bits, URL-safe) is the public /verify/<code> handle."""

    __tablename__ = "letter"
    __table_args__ = (
        CheckConstraint(_in("letter_type", TYPES), name="type_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("render_status", RENDER_STATUSES), name="render_status_known"),
        CheckConstraint(
            "dispatch_channel IS NULL OR " + _in("dispatch_channel", CHANNELS),
            name="channel_known",
        ),
        CheckConstraint(
            "received_on IS NULL OR dispatched_on IS NULL OR received_on >= dispatched_on",
            name="received_after_dispatch",
        ),
        UniqueConstraint("number", name="uq_letter_number"),
        UniqueConstraint("number_code", "number_year", "number_seq", name="uq_letter_sequence"),
        UniqueConstraint("verify_code", name="uq_letter_verify_code"),
        Index("ix_letter_status", "status", "id"),
        Index("ix_letter_account", "account_id", "id"),
        Index("ix_letter_case", "case_id"),
        Index("ix_letter_author_status", "created_by_id", "status", "id"),
        Index("ix_letter_batch", "batch_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_case.id", ondelete="SET NULL")
    )
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interaction.id", ondelete="SET NULL")
    )
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("letter_batch.id", ondelete="SET NULL"))
    # The letter's text fields (prefilled when drafted, edited by the RM until submitted).
    perihal: Mapped[str] = mapped_column(String(300), default="")
    lampiran: Mapped[str] = mapped_column(String(120), default="-")
    addressee_name: Mapped[str] = mapped_column(String(200), default="")
    addressee_title: Mapped[str] = mapped_column(String(200), default="")
    addressee_company: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(80), default="Jakarta")
    # Structured facts captured at drafting (arrears table, PDS findings, meeting,
    # agreement, sponsorship): the render context's plain-data parts, JSON-safe.
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    # Numbering (set once, at approval).
    number: Mapped[str | None] = mapped_column(String(60))
    number_code: Mapped[str | None] = mapped_column(String(20))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    letter_date: Mapped[date | None] = mapped_column(Date)  # the date printed on the letter
    verify_code: Mapped[str] = mapped_column(String(64))
    # People and moments of each step (the history is in letter_event too).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # Rendering and the frozen PDF.
    render_status: Mapped[str] = mapped_column(String(20), default="none")
    render_error: Mapped[str] = mapped_column(Text, default="")
    render_job_id: Mapped[str | None] = mapped_column(String(32))
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_pages: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Dispatch and receipt; the addressee's deadline runs from the receipt date.
    dispatch_channel: Mapped[str | None] = mapped_column(String(20))
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    dispatched_on: Mapped[date | None] = mapped_column(Date)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    received_on: Mapped[date | None] = mapped_column(Date)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    deadline_on: Mapped[date | None] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship()
    case: Mapped[EscalationCase | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()
    batch: Mapped[LetterBatch | None] = relationship(back_populates="letters")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    dispatched_by: Mapped[User | None] = relationship(foreign_keys=[dispatched_by_id])
    events: Mapped[list[LetterEvent]] = relationship(
        back_populates="letter", order_by="LetterEvent.id", passive_deletes=True
    )

    @property
    def is_editable(self) -> bool:
        return self.status in ("draft", "returned")

    @property
    def is_frozen(self) -> bool:
        return self.status in ("issued", "dispatched", "received")

    def __repr__(self) -> str:
        return f"<Letter {self.id} {self.letter_type} {self.status} {self.number or '-'}>"

    def pdf_filename(self, suffix: str = "") -> str:
        """`B-91-022025.pdf` from the number `B/91/022025` (only safe characters)."""
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", self.number or f"surat-{self.id}").strip("-.")
        return f"{base or 'surat'}{suffix}.pdf"


class LetterEvent(db.Model):
    """One step of a letter's life: who, when, what, and a note (a return's comment)."""

    __tablename__ = "letter_event"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
        Index("ix_letter_event_letter", "letter_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    letter: Mapped[Letter] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class LetterSequence(db.Model):
    """The last number given per code and year. Approval locks this row (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite has one writer) and increments it in the approving
    transaction, so numbers are unique and gapless and a rolled-back approval gives its
    number back."""

    __tablename__ = "letter_sequence"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class LetterTypeSetting(db.Model):
    """The admin's number code per letter type (e.g. teguran_1 -> "B"); seeded by the
    migration."""

    __tablename__ = "letter_type_setting"
    __table_args__ = (CheckConstraint(_in("letter_type", TYPES), name="type_known"),)

    letter_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    deadline_days: Mapped[int | None] = mapped_column(Integer)  # working days, if any
    # Four eyes relaxed for this type: its author may approve it (an admin's audited choice).
    self_approval: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class LetterheadSetting(db.Model):
    """The letterhead, signatory and tembusan: admin settings, one row (id 1), seeded by
    the migration with a neutral fictional office."""

    __tablename__ = "letterhead_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_name: Mapped[str] = mapped_column(String(200), default="")
    office_address: Mapped[str] = mapped_column(Text, default="")
    # A storage key of an uploaded logo, or empty for the placeholder in static/img.
    logo_key: Mapped[str] = mapped_column(String(200), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    tembusan: Mapped[str] = mapped_column(Text, default="")  # one recipient per line
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class LetterBatch(TimestampMixin, db.Model):
    """Letters of one type made at once for many accounts (from an account list or the
    case board); approved and rendered together, downloaded as a ZIP or one merged PDF."""

    __tablename__ = "letter_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_type: Mapped[str] = mapped_column(String(30))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(300), default="")  # the filter it came from
    size: Mapped[int] = mapped_column(Integer, default=0)
    render_job_id: Mapped[str | None] = mapped_column(String(32))

    letters: Mapped[list[Letter]] = relationship(back_populates="batch")
    created_by: Mapped[User | None] = relationship()


# A partial index keeps "letters waiting for approval" cheap for the queue page.
Index(
    "ix_letter_submitted",
    Letter.submitted_at,
    Letter.id,
    sqlite_where=text("status = 'submitted'"),
    postgresql_where=text("status = 'submitted'"),
)
