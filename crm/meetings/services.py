"""Interaction rules: who may log, edit and read what; plan, hold, cancel, quick log; next
steps as tasks (the checks before a save are in crm.meetings.validation). Every write
refreshes the account's summaries and is audited in the same transaction. Callers commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.accounts.models import Account
from crm.accounts.services import can_edit
from crm.auth.models import STAFF_ROLES, User
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date
from crm.meetings import summary
from crm.meetings.models import (
    TOPICS,
    Interaction,
    InteractionAttendee,
    Task,
)
from crm.meetings.months import month_of
from crm.meetings.validation import (
    InteractionData,
    NextStep,
    is_bod1_meeting,
    validate,
    validate_next_steps,
)
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
HIDDEN = "[rahasia]"


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
