"""Key persons and positions: add, edit, "key person left", org chart and stakeholder map."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.accounts import hooks
from crm.accounts.models import CHANNELS, LEVELS, STANCES, Account, KeyPerson, Position
from crm.accounts.services import can_edit
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.services import ServiceError

PERSON_FIELDS = (
    "name",
    "email",
    "phone",
    "preferred_channel",
    "notes",
    "influence",
    "stance",
    "assessed_on",
)
POSITION_FIELDS = (
    "account_id",
    "title",
    "level",
    "decision_maker",
    "reports_to_id",
    "start_date",
    "end_date",
)
REENGAGE_DAYS = 7


def _require_edit(actor: User, account: Account) -> None:
    if not can_edit(actor, account):
        raise ServiceError(_("Anda hanya dapat mengubah akun di portofolio Anda."))


def validate_person(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: data.get(k) for k in PERSON_FIELDS}
    clean["name"] = (clean["name"] or "").strip()
    if not clean["name"]:
        raise ServiceError(_("Nama wajib diisi."), "name")
    clean["email"] = (clean["email"] or "").strip().lower()
    if clean["email"] and ("@" not in clean["email"] or " " in clean["email"]):
        raise ServiceError(_("Alamat email tidak valid."), "email")
    clean["phone"] = (clean["phone"] or "").strip()
    clean["notes"] = (clean["notes"] or "").strip()
    clean["preferred_channel"] = clean["preferred_channel"] or "email"
    if clean["preferred_channel"] not in CHANNELS:
        raise ServiceError(_("Pilihan tidak dikenal."), "preferred_channel")
    try:
        clean["influence"] = int(clean["influence"] or 3)
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("Pengaruh harus 1 sampai 5."), "influence") from exc
    if not 1 <= clean["influence"] <= 5:
        raise ServiceError(_("Pengaruh harus 1 sampai 5."), "influence")
    clean["stance"] = clean["stance"] or "neutral"
    if clean["stance"] not in STANCES:
        raise ServiceError(_("Pilihan tidak dikenal."), "stance")
    return clean


def validate_position(
    data: dict[str, Any], account: Account, position: Position | None = None
) -> dict[str, Any]:
    clean = {k: data.get(k) for k in POSITION_FIELDS}
    clean["account_id"] = account.id
    clean["title"] = (clean["title"] or "").strip()
    if not clean["title"]:
        raise ServiceError(_("Jabatan wajib diisi."), "title")
    if clean["level"] not in LEVELS:
        raise ServiceError(_("Pilihan tidak dikenal."), "level")
    clean["decision_maker"] = bool(clean["decision_maker"])
    boss_id = clean["reports_to_id"] if clean["reports_to_id"] not in ("", 0, "0") else None
    clean["reports_to_id"] = int(boss_id) if boss_id else None
    if clean["reports_to_id"]:
        boss = db.session.get(Position, clean["reports_to_id"])
        if boss is None or boss.account_id != account.id:
            raise ServiceError(_("Atasan harus orang di akun yang sama."), "reports_to_id")
        if position is not None and _would_cycle(position.id, boss):
            raise ServiceError(_("Garis pelaporan ini membuat lingkaran."), "reports_to_id")
    if clean["end_date"] and clean["start_date"] and clean["end_date"] < clean["start_date"]:
        raise ServiceError(_("Tanggal selesai harus setelah tanggal mulai."), "end_date")
    return clean


def _would_cycle(position_id: int, boss: Position) -> bool:
    seen = set()
    node: Position | None = boss
    while node is not None and node.id not in seen:
        if node.id == position_id:
            return True
        seen.add(node.id)
        node = node.reports_to
    return False


def add_person(account: Account, person_data: dict, position_data: dict, actor: User) -> Position:
    """A new key person with their current position at this account."""
    _require_edit(actor, account)
    person = KeyPerson(**validate_person(person_data))
    if person.assessed_on is None:
        person.assessed_on = date.today()
    db.session.add(person)
    db.session.flush()
    return _new_position(person, account, position_data, actor)


def add_position(person: KeyPerson, account: Account, position_data: dict, actor: User) -> Position:
    """The same person takes a (new) position, e.g. after joining another account."""
    _require_edit(actor, account)
    return _new_position(person, account, position_data, actor)


def _new_position(person: KeyPerson, account: Account, data: dict, actor: User) -> Position:
    position = Position(person_id=person.id, **validate_position(data, account))
    db.session.add(position)
    db.session.flush()
    if position.is_current and (position.decision_maker or position.level in ("bod", "bod1")):
        account.key_person_gap_since = None  # someone who decides is in place again
    audit.record(
        "position.create",
        position,
        summary=f"{person.name}: {position.title} @ {account.name}",
        after=audit.snapshot(position, POSITION_FIELDS),
        actor=actor,
    )
    return position


def update_person(person: KeyPerson, data: dict, actor: User) -> KeyPerson:
    accounts = {p.account for p in person.positions if p.is_current} or {
        p.account for p in person.positions
    }
    if not any(can_edit(actor, a) for a in accounts):
        raise ServiceError(_("Anda hanya dapat mengubah akun di portofolio Anda."))
    clean = validate_person(data)
    before = audit.snapshot(person, PERSON_FIELDS)
    if (clean["influence"], clean["stance"]) != (person.influence, person.stance):
        clean["assessed_on"] = date.today()
    else:
        clean["assessed_on"] = person.assessed_on
    for key, value in clean.items():
        setattr(person, key, value)
    audit.record(
        "person.update",
        person,
        summary=person.name,
        before=before,
        after=audit.snapshot(person, PERSON_FIELDS),
        actor=actor,
    )
    return person


def update_position(position: Position, data: dict, actor: User) -> Position:
    _require_edit(actor, position.account)
    clean = validate_position(data, position.account, position)
    before = audit.snapshot(position, POSITION_FIELDS)
    for key, value in clean.items():
        setattr(position, key, value)
    audit.record(
        "position.update",
        position,
        summary=position.title,
        before=before,
        after=audit.snapshot(position, POSITION_FIELDS),
        actor=actor,
    )
    return position


def mark_left(
    position: Position, *, end_date: date, note: str, successor: KeyPerson | None, actor: User
):
    """End the position, keep the history and flag the account; returns the re-engagement
    task the meetings feature gives the RM (the `accounts.key_person_left` hook)."""
    account = position.account
    _require_edit(actor, account)
    if not position.is_current:
        raise ServiceError(_("Jabatan ini sudah berakhir."))
    if position.start_date and end_date < position.start_date:
        raise ServiceError(_("Tanggal keluar harus setelah tanggal mulai."), "end_date")
    if successor is not None and successor.id == position.person_id:
        raise ServiceError(_("Pengganti tidak boleh orang yang sama."), "successor_id")
    before = audit.snapshot(position, POSITION_FIELDS)
    position.end_date, position.left_note = end_date, (note or "").strip()[:500]
    position.successor_id = successor.id if successor else None
    position.ended_at = utcnow()
    for report in db.session.scalars(select(Position).where(Position.reports_to_id == position.id)):
        report.reports_to_id = position.reports_to_id  # the org chart closes the gap upward
    account.key_person_gap_since = account.key_person_gap_since or end_date
    person = position.person
    audit.record(
        "person.left",
        position,
        summary=f"{person.name} @ {account.name}",
        before=before,
        after=audit.snapshot(position, POSITION_FIELDS),
        actor=actor,
    )
    tasks = [t for t in hooks.key_person_left(position, successor, actor) if t is not None]
    return tasks[0] if tasks else None


def current_positions(account_id: int) -> list[Position]:
    """Current positions with their people, in one query (no N+1)."""
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Position)
            .options(joinedload(Position.person))
            .where(Position.account_id == account_id, Position.end_date.is_(None))
            .order_by(Position.level, Position.title, Position.id)
        ).unique()
    )


@dataclass
class OrgNode:
    position: Position
    children: list[OrgNode] = field(default_factory=list)


def org_chart(account_id: int) -> list[OrgNode]:
    """The reports-to tree of current positions; people whose boss left become roots."""
    positions = current_positions(account_id)
    nodes = {p.id: OrgNode(p) for p in positions}
    roots = []
    level_rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    for node in sorted(
        nodes.values(), key=lambda n: (level_rank[n.position.level], n.position.title)
    ):
        boss = nodes.get(node.position.reports_to_id)
        (boss.children if boss else roots).append(node)
    return roots


def stakeholder_grid(account_id: int) -> dict[tuple[int, str], list[Position]]:
    """(influence, stance) -> current positions, for the influence × stance map."""
    grid: dict[tuple[int, str], list[Position]] = {}
    for position in current_positions(account_id):
        key = (position.person.influence, position.person.stance)
        grid.setdefault(key, []).append(position)
    return grid
