"""Interaction rules: who may log, edit and read what; validation; plan, hold, cancel, quick
log; next steps as tasks. Every write refreshes the account's summaries and is audited in
the same transaction. Callers commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from crm import audit
from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.services import can_edit
from crm.auth.models import STAFF_ROLES, User
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date
from crm.meetings import summary
from crm.meetings.models import (
    INTERACTION_TYPES,
    SENTIMENTS,
    TOPICS,
    Interaction,
    InteractionAttendee,
    Task,
)
from crm.meetings.months import month_of
from crm.services import ServiceError

AUDIT_FIELDS = (
    "account_id",
    "type",
    "status",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "agenda",
    "topics",
    "minutes",
    "outcome",
    "sentiment",
    "confidential",
    "is_bod1",
)
PRIVATE_FIELDS = ("minutes", "outcome", "sentiment")  # hidden when confidential
BOD1_LEVELS = ("bod", "bod1")
HIDDEN = "[rahasia]"


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


# -- permissions ---------------------------------------------------------------------------


def can_log(user: User, account: Account) -> bool:
    """RMs log for their own portfolio; supervisors and admins for any account."""
    return user.role in STAFF_ROLES and can_edit(user, account)


def can_see_minutes(user: User, interaction: Interaction) -> bool:
    """Confidential minutes: only the author, the account's RM and supervisors. Admins are
    IT staff and do not read them."""
    if not interaction.confidential:
        return user.role in STAFF_ROLES
    if user.role == "supervisor" or interaction.author_id == user.id:
        return True
    return user.role == "rm" and interaction.account.rm_id == user.id


def can_change(user: User, interaction: Interaction) -> bool:
    """Edit, hold or cancel: whoever may log for the account, or the author; and only
    someone who may read what they would be editing."""
    allowed = can_log(user, interaction.account) or (
        user.role in STAFF_ROLES and interaction.author_id == user.id
    )
    return allowed and can_see_minutes(user, interaction)


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


# -- writes -----------------------------------------------------------------------------


def snapshot(interaction: Interaction) -> dict[str, Any]:
    """Audit before/after; confidential minutes never reach the audit log."""
    data = audit.snapshot(interaction, AUDIT_FIELDS)
    if interaction.confidential:
        data.update(dict.fromkeys(PRIVATE_FIELDS, HIDDEN))
    data["person_ids"] = sorted(a.person_id for a in interaction.attendees if a.person_id)
    data["user_ids"] = sorted(a.user_id for a in interaction.attendees if a.user_id)
    return data


def _lock(account: Account) -> None:
    """Serialize writes per account on PostgreSQL (SQLite already has one writer)."""
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())


def _apply(interaction: Interaction, data: InteractionData) -> None:
    for key in (
        "type",
        "status",
        "starts_at",
        "ends_at",
        "place",
        "online_link",
        "agenda",
        "minutes",
        "outcome",
        "sentiment",
        "confidential",
    ):
        setattr(interaction, key, getattr(data, key))
    interaction.topics = ",".join(t for t in TOPICS if t in data.topics)
    wanted = {("p", i) for i in data.person_ids} | {("u", i) for i in data.user_ids}
    for attendee in list(interaction.attendees):
        key = ("p", attendee.person_id) if attendee.person_id else ("u", attendee.user_id)
        if key not in wanted:
            interaction.attendees.remove(attendee)
        wanted.discard(key)
    for kind, ident in sorted(wanted):
        interaction.attendees.append(
            InteractionAttendee(**({"person_id": ident} if kind == "p" else {"user_id": ident}))
        )
    interaction.is_bod1 = is_bod1_meeting(
        interaction.account_id, data.person_ids, local_date(data.starts_at)
    )


def save_interaction(
    interaction: Interaction | None,
    account: Account,
    data: InteractionData,
    actor: User,
    next_steps: list[NextStep] | None = None,
    now: datetime | None = None,
) -> Interaction:
    """Create (interaction None) or update an interaction, with optional next steps."""
    now = now or utcnow()
    if interaction is None and not can_log(actor, account):
        raise ServiceError(_("Anda hanya dapat mencatat interaksi untuk akun portofolio Anda."))
    if interaction is not None and not can_change(actor, interaction):
        raise ServiceError(_("Anda tidak dapat mengubah interaksi ini."))
    if interaction is not None and interaction.status == "cancelled":
        raise ServiceError(_("Interaksi yang dibatalkan tidak dapat diubah."))
    data = validate(data, account, now)
    steps = validate_next_steps(next_steps or [], now)
    _lock(account)
    before = snapshot(interaction) if interaction is not None else None
    months = set()
    if interaction is None:
        interaction = Interaction(account_id=account.id, author_id=actor.id, account=account)
        db.session.add(interaction)
    else:
        months.add(month_of(interaction.starts_at))
        interaction.sequence = (interaction.sequence or 0) + 1
    _apply(interaction, data)
    months.add(month_of(interaction.starts_at))
    db.session.flush()
    _add_tasks(interaction, steps, actor)
    summary.refresh_account(account.id, months)
    after = snapshot(interaction)
    audit.record(
        "interaction.update" if before else "interaction.create",
        interaction,
        summary=_audit_summary(interaction, account),
        before=before,
        after=after,
        actor=actor,
    )
    return interaction


def _audit_summary(interaction: Interaction, account: Account) -> str:
    """Type, status, date and account: never the minutes."""
    day = local_date(interaction.starts_at).isoformat()
    return f"{interaction.type} {interaction.status} {day} @ {account.name}"


def mark_held(
    interaction: Interaction,
    *,
    minutes: str,
    outcome: str = "",
    sentiment: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    person_ids: list[int] | None = None,
    next_steps: list[NextStep] | None = None,
    actor: User,
    now: datetime | None = None,
) -> Interaction:
    """A planned interaction took place: minutes, outcome and next steps."""
    if interaction.status != "planned":
        raise ServiceError(_("Hanya interaksi yang direncanakan yang dapat ditandai terlaksana."))
    data = data_from(interaction)
    data.status = "held"
    data.minutes, data.outcome, data.sentiment = minutes, outcome, sentiment
    if starts_at is not None:
        data.starts_at, data.ends_at = starts_at, ends_at
    if person_ids is not None:
        data.person_ids = person_ids
    if not (minutes or "").strip():
        raise ServiceError(_("Tulis notulen singkat."), "minutes")
    return save_interaction(
        interaction, interaction.account, data, actor, next_steps=next_steps, now=now
    )


def cancel_interaction(interaction: Interaction, actor: User) -> Interaction:
    """Cancel a planned interaction (it stays in the history, struck through)."""
    if not can_change(actor, interaction):
        raise ServiceError(_("Anda tidak dapat mengubah interaksi ini."))
    if interaction.status != "planned":
        raise ServiceError(_("Hanya interaksi yang direncanakan yang dapat dibatalkan."))
    _lock(interaction.account)
    before = snapshot(interaction)
    interaction.status = "cancelled"
    interaction.sequence = (interaction.sequence or 0) + 1
    summary.refresh_account(interaction.account_id, {month_of(interaction.starts_at)})
    audit.record(
        "interaction.cancel",
        interaction,
        summary=_audit_summary(interaction, interaction.account),
        before=before,
        after=snapshot(interaction),
        actor=actor,
    )
    return interaction


def quick_log(
    account: Account,
    person_id: int,
    minutes: str,
    actor: User,
    *,
    kind: str = "formal_meeting",
    now: datetime | None = None,
) -> Interaction:
    """The common case in three fields: this account, this key person, one line: held now."""
    now = now or utcnow()
    if not (minutes or "").strip():
        raise ServiceError(_("Tulis satu baris notulen."), "minutes")
    data = InteractionData(
        type=kind,
        status="held",
        starts_at=now.replace(second=0, microsecond=0),
        minutes=minutes,
        person_ids=[person_id],
    )
    return save_interaction(None, account, data, actor, now=now)


def data_from(interaction: Interaction) -> InteractionData:
    """The interaction's current values, to change some and save again."""
    return InteractionData(
        type=interaction.type,
        status=interaction.status,
        starts_at=interaction.starts_at,
        ends_at=interaction.ends_at,
        place=interaction.place,
        online_link=interaction.online_link,
        agenda=interaction.agenda,
        topics=interaction.topic_list,
        minutes=interaction.minutes,
        outcome=interaction.outcome,
        sentiment=interaction.sentiment,
        confidential=interaction.confidential,
        person_ids=[a.person_id for a in interaction.attendees if a.person_id],
        user_ids=[a.user_id for a in interaction.attendees if a.user_id],
    )


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


def _add_tasks(interaction: Interaction, steps: list[NextStep], actor: User) -> None:
    for step in steps:
        task = Task(
            account_id=interaction.account_id,
            interaction_id=interaction.id,
            assignee_id=step.assignee_id,
            created_by_id=actor.id,
            kind="next_step",
            title=step.title,
            due_date=step.due_date,
        )
        db.session.add(task)
        audit.record(
            "task.create",
            task,
            summary=f"{step.title[:200]} (#{interaction.id})",
            after={"assignee_id": step.assignee_id, "due_date": step.due_date},
            actor=actor,
        )
