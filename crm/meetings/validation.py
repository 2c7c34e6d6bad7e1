"""What a planned or logged interaction holds, and the checks it passes before it is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from crm.accounts.models import Account, KeyPerson, Position
from crm.auth.models import STAFF_ROLES, User
from crm.extensions import db
from crm.meetings.models import (
    INTERACTION_TYPES,
    SENTIMENTS,
    TOPICS,
)
from crm.services import ServiceError

BOD1_LEVELS = ("bod", "bod1")


@dataclass
class NextStep:
    title: str
    assignee_id: int | None
    due_date: date | None


@dataclass
class InteractionData:
    type: str = "formal_meeting"
    status: str = "planned"
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    online_link: str = ""
    agenda: str = ""
    topics: list[str] = field(default_factory=list)
    minutes: str = ""
    outcome: str = ""
    sentiment: str | None = None
    confidential: bool = False
    person_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)


# -- validation -------------------------------------------------------------------------


def _clean_text(value: str | None, limit: int, name: str) -> str:
    text = (value or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if len(text) > limit:
        raise ServiceError(_("Terlalu panjang (maksimal %(n)d karakter).", n=limit), name)
    return text


def validate(data: InteractionData, account: Account, now: datetime) -> InteractionData:
    """Checked values, or ServiceError for the first bad field."""
    if data.type not in INTERACTION_TYPES:
        raise ServiceError(_("Pilihan tidak dikenal."), "type")
    if data.status not in ("planned", "held"):
        raise ServiceError(_("Pilihan tidak dikenal."), "status")
    if data.starts_at is None or data.starts_at.tzinfo is None:
        raise ServiceError(_("Isi tanggal dan jam mulai."), "starts_at")
    if data.ends_at is not None and data.ends_at <= data.starts_at:
        raise ServiceError(_("Jam selesai harus setelah jam mulai."), "ends_at")
    if data.status == "held" and data.starts_at > now:
        raise ServiceError(
            _("Pertemuan yang sudah terlaksana tidak boleh di masa depan."), "starts_at"
        )
    unknown = [t for t in data.topics if t not in TOPICS]
    if unknown:
        raise ServiceError(_("Pilihan tidak dikenal."), "topics")
    if data.sentiment not in (None, "", *SENTIMENTS):
        raise ServiceError(_("Pilihan tidak dikenal."), "sentiment")
    data.sentiment = data.sentiment or None
    data.place = _clean_text(data.place, 300, "place")
    data.online_link = _clean_text(data.online_link, 500, "online_link")
    if data.online_link and not data.online_link.startswith(("https://", "http://")):
        raise ServiceError(_("Tautan harus diawali https://."), "online_link")
    data.agenda = _clean_text(data.agenda, 500, "agenda")
    data.minutes = _clean_text(data.minutes, 20000, "minutes")
    data.outcome = _clean_text(data.outcome, 5000, "outcome")
    data.person_ids = list(dict.fromkeys(int(i) for i in data.person_ids))
    data.user_ids = list(dict.fromkeys(int(i) for i in data.user_ids))
    _check_attendees(data, account)
    return data


def positions_on(account_id: int, person_ids: list[int], day: date) -> list[Position]:
    """Positions at the account held by these people on that day."""
    if not person_ids:
        return []
    return list(
        db.session.scalars(
            select(Position).where(
                Position.account_id == account_id,
                Position.person_id.in_(person_ids),
                or_(Position.start_date.is_(None), Position.start_date <= day),
                or_(Position.end_date.is_(None), Position.end_date >= day),
            )
        )
    )


def _check_attendees(data: InteractionData, account: Account) -> None:
    """Key persons must have (or have had) a position at this account; staff must be
    active staff users."""
    known = set(
        db.session.scalars(
            select(Position.person_id).where(
                Position.account_id == account.id, Position.person_id.in_(data.person_ids)
            )
        )
    )
    strangers = [i for i in data.person_ids if i not in known]
    if strangers:
        names = db.session.scalars(select(KeyPerson.name).where(KeyPerson.id.in_(strangers)))
        raise ServiceError(
            _(
                "Bukan key person %(account)s: %(names)s.",
                account=account.name,
                names=", ".join(names) or "?",
            ),
            "person_ids",
        )
    if data.user_ids:
        staff = set(
            db.session.scalars(
                select(User.id).where(
                    User.id.in_(data.user_ids), User.role.in_(STAFF_ROLES), User.active.is_(True)
                )
            )
        )
        if set(data.user_ids) - staff:
            raise ServiceError(_("Peserta internal harus staf aktif."), "user_ids")


def is_bod1_meeting(account_id: int, person_ids: list[int], day: date) -> bool:
    """A BOD or BOD-1 key person attended: from their positions valid on that day."""
    return any(p.level in BOD1_LEVELS for p in positions_on(account_id, person_ids, day))


# -- next steps ----------------------------------------------------------------------------


def validate_next_steps(steps: list[NextStep], now: datetime) -> list[NextStep]:
    """Rows with a title need an assignee (active staff) and a due date; blank rows drop."""
    clean = []
    for step in steps:
        title = (step.title or "").replace("\x00", "").strip()
        if not title:
            continue
        if len(title) > 300:
            raise ServiceError(_("Langkah lanjut terlalu panjang."), "next_steps")
        if step.due_date is None:
            raise ServiceError(
                _("Isi tanggal jatuh tempo untuk “%(title)s”.", title=title), "next_steps"
            )
        assignee = db.session.get(User, step.assignee_id) if step.assignee_id else None
        if assignee is None or assignee.role not in STAFF_ROLES or not assignee.active:
            raise ServiceError(
                _("Pilih penanggung jawab untuk “%(title)s”.", title=title), "next_steps"
            )
        clean.append(NextStep(title, assignee.id, step.due_date))
    return clean
