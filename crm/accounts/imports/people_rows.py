"""Key-person rows: checked with crm.accounts.people's rules, then written in bulk. A row
whose email belongs to a known person adds a position to that person, so their history
follows them; `email_atasan` links to another row of the file or a current holder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts import people, services
from crm.accounts.imports.columns import PEOPLE_COLUMNS, choice, choice_codes
from crm.accounts.models import Account, KeyPerson, Position
from crm.auth.models import User
from crm.extensions import db
from crm.imports.checks import PROGRESS_EVERY, Check, Issue, Progress, bulk_audit, chunked
from crm.imports.columns import parse_date, yes_no
from crm.imports.tabular import Table
from crm.services import ServiceError

HEADERS = {c.key: c.header for c in PEOPLE_COLUMNS} | {"reports_to_id": "email_atasan"}
CHOICE_FIELDS = ("preferred_channel", "stance", "level")


@dataclass
class PersonRow:
    """A row that passed. The person is new (person_values), known (person_id) or made by an
    earlier row (person_line); the boss is a current holder (in position_values) or a row."""

    line: int
    account: Account
    name: str
    position_values: dict[str, Any]
    person_values: dict[str, Any] | None = None
    person_id: int | None = None
    person_line: int | None = None
    boss_line: int | None = None


@dataclass
class _Row:
    line: int
    data: dict[str, str]
    npp: str | None = None
    email: str = ""
    issues: list[Issue] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.issues.append(Issue(self.line, HEADERS.get(key, key), message))


def _prepare(line: int, data: dict[str, str]) -> _Row:
    row = _Row(line, data, email=(data.get("email") or "").strip().lower())
    try:
        row.npp = services.clean_identifiers({"npp": data.get("account_npp", "")})["npp"]
    except ServiceError as exc:
        row.error("account_npp", str(exc))
    if row.npp is None and not row.issues:
        row.error("account_npp", _("NPP akun wajib diisi."))
    return row


class Known:
    """Accounts by NPP, people by email and the current holders at those accounts."""

    def __init__(self, rows: list[_Row]) -> None:
        self.accounts: dict[str, Account] = {}
        for batch in chunked({r.npp for r in rows if r.npp}):
            for account in db.session.scalars(select(Account).where(Account.npp.in_(batch))):
                self.accounts[account.npp] = account
        # validate_person stores emails in lower case, so the plain index serves this.
        self.people: dict[str, KeyPerson] = {}
        for batch in chunked({r.email for r in rows if r.email}):
            stmt = select(KeyPerson).where(KeyPerson.email.in_(batch)).order_by(KeyPerson.id)
            for person in db.session.scalars(stmt):
                self.people.setdefault(person.email, person)
        self.holders: dict[tuple[int, str], Position] = {}
        self.holding: set[tuple[int, int]] = set()
        for batch in chunked(a.id for a in self.accounts.values()):
            stmt = (
                select(Position)
                .options(joinedload(Position.person))
                .where(Position.account_id.in_(batch), Position.end_date.is_(None))
            )
            for position in db.session.scalars(stmt):
                self.holding.add((position.account_id, position.person_id))
                if position.person.email:
                    key = (position.account_id, position.person.email.lower())
                    self.holders.setdefault(key, position)


def check_people(table: Table, actor: User, progress: Progress | None = None) -> Check:
    """The dry run of a key-persons file: every bad row with its reasons; nothing written."""
    rows = [_prepare(line, data) for line, data in table.rows]
    known = Known(rows)
    first_line: dict[str, int] = {}  # email -> first row with it
    at_account: dict[tuple[str, str], int] = {}  # (npp, email) -> row
    for row in rows:
        if row.email:
            first_line.setdefault(row.email, row.line)
            if row.npp:
                at_account.setdefault((row.npp, row.email), row.line)
    check = Check("people", total=len(rows), notes=list(table.notes))
    for i, row in enumerate(rows, start=1):
        planned = _check_row(row, known, first_line, at_account, actor)
        if planned is not None and not row.issues:
            check.rows.append(planned)
            person = known.people.get(row.email)
            if person is not None:
                check.warnings.append(
                    Issue(
                        row.line,
                        "email",
                        _(
                            "%(name)s sudah ada: jabatan ini ditambahkan ke riwayatnya "
                            "(data orangnya tidak diubah).",
                            name=person.name,
                        ),
                    )
                )
        check.errors.extend(row.issues)
        if progress and i % PROGRESS_EVERY == 0 and i < len(rows):
            progress(i, len(rows))
    _refuse_cycles(check)
    check.errors.sort(key=lambda issue: issue.line)  # stable: a row's own order is kept
    return check


def _check_row(
    row: _Row, known: Known, first_line: dict, at_account: dict, actor: User
) -> PersonRow | None:
    account = known.accounts.get(row.npp) if row.npp else None
    if row.npp and account is None:
        row.error("account_npp", _("Tidak ada akun dengan NPP ini."))
    elif account is not None and not services.can_edit(actor, account):
        row.error("account_npp", _("Anda hanya dapat mengubah akun di portofolio Anda."))
    person_values = _person(row)
    planned_person: dict[str, Any] = {"person_values": person_values}
    existing = known.people.get(row.email) if row.email else None
    if existing is not None:
        planned_person = {"person_id": existing.id}
        if account is not None and (account.id, existing.id) in known.holding:
            row.error("email", _("Orang ini sudah memegang jabatan aktif di akun ini."))
    elif row.email and first_line[row.email] != row.line:
        planned_person = {"person_line": first_line[row.email]}
    if row.email and row.npp and at_account[(row.npp, row.email)] != row.line:
        line = at_account[(row.npp, row.email)]
        row.error(
            "email", _("Orang yang sama di akun yang sama sudah ada di baris %(line)d.", line=line)
        )
    if account is None:
        return None
    reports_to_id, boss_line = _boss(row, known, account, at_account)
    position = _position(row, account, reports_to_id)
    if person_values is None or position is None:
        return None
    name = existing.name if existing is not None else person_values["name"]
    return PersonRow(row.line, account, name, position, boss_line=boss_line, **planned_person)


def _person(row: _Row) -> dict[str, Any] | None:
    data = row.data
    payload = {
        "name": data.get("name", ""),
        "email": data.get("email", ""),
        "phone": data.get("phone", ""),
        "preferred_channel": choice("preferred_channel", data.get("preferred_channel", "")),
        "notes": data.get("notes", ""),
        "influence": (data.get("influence") or "").strip() or None,
        "stance": choice("stance", data.get("stance", "")),
        "assessed_on": None,
    }
    try:
        clean = people.validate_person(payload)
    except ServiceError as exc:
        _refused(row, exc)
        return None
    for key in ("name", "email", "phone"):
        limit = KeyPerson.__table__.c[key].type.length
        if len(clean[key]) > limit:
            row.error(key, _("Terlalu panjang (maksimal %(n)d karakter).", n=limit))
    return clean


def _refused(row: _Row, exc: ServiceError) -> None:
    message = str(exc)
    if exc.field in CHOICE_FIELDS:
        message += " " + _("Pilihan: %(codes)s.", codes=choice_codes(exc.field))
    row.error(exc.field or "", message)


def _boss(
    row: _Row, known: Known, account: Account, at_account: dict
) -> tuple[int | None, int | None]:
    email = (row.data.get("reports_to_email") or "").strip().lower()
    if not email:
        return None, None
    if email == row.email:
        row.error("reports_to_email", _("Seseorang tidak dapat melapor kepada dirinya sendiri."))
    elif (row.npp, email) in at_account:
        return None, at_account[(row.npp, email)]
    elif (account.id, email) in known.holders:
        return known.holders[(account.id, email)].id, None
    else:
        row.error(
            "reports_to_email",
            _(
                "Atasan tidak ditemukan di akun ini (di file maupun di data): %(email)s.",
                email=email,
            ),
        )
    return None, None


def _position(row: _Row, account: Account, reports_to_id: int | None) -> dict[str, Any] | None:
    data = row.data
    try:
        decision_maker = yes_no(data.get("decision_maker", ""))
    except ValueError:
        row.error("decision_maker", _("Isi ya atau tidak."))
        decision_maker = False
    try:
        start_date = parse_date(data.get("start_date", ""))
    except ValueError:
        row.error("start_date", _("Tanggal tidak dikenal; gunakan YYYY-MM-DD atau DD/MM/YYYY."))
        start_date = None
    payload = {
        "title": data.get("title", ""),
        "level": choice("level", data.get("level", "")),
        "decision_maker": decision_maker,
        "reports_to_id": reports_to_id,
        "start_date": start_date,
        "end_date": None,
    }
    try:
        clean = people.validate_position(payload, account)
    except ServiceError as exc:
        _refused(row, exc)
        return None
    limit = Position.__table__.c["title"].type.length
    if len(clean["title"]) > limit:
        row.error("title", _("Terlalu panjang (maksimal %(n)d karakter).", n=limit))
    return clean


def _refuse_cycles(check: Check) -> None:
    """Reporting lines inside the file must not loop (A reports to B reports to A)."""
    boss_of = {r.line: r.boss_line for r in check.rows if r.boss_line}
    in_cycle = set()
    for start in boss_of:
        node, steps = boss_of.get(start), 0
        while node is not None and node != start and steps <= len(boss_of):
            node, steps = boss_of.get(node), steps + 1
        if node == start:
            in_cycle.add(start)
    for line in sorted(in_cycle):
        check.errors.append(
            Issue(line, "email_atasan", _("Garis pelaporan ini membuat lingkaran."))
        )


def write_people(rows: list[PersonRow], actor: User) -> list[Position]:
    """Insert the new people and every position, link in-file bosses, clear key-person gaps
    and audit each position as `position.create`. Caller commits."""
    made = {row.line: KeyPerson(**row.person_values) for row in rows if row.person_values}
    for person in made.values():
        person.assessed_on = person.assessed_on or date.today()
    db.session.add_all(made.values())
    db.session.flush()
    positions = []
    for row in rows:
        person_id = row.person_id or made[row.person_line or row.line].id
        positions.append(Position(person_id=person_id, **row.position_values))
    db.session.add_all(positions)
    db.session.flush()
    by_line = {row.line: p for row, p in zip(rows, positions, strict=True)}
    for row, position in zip(rows, positions, strict=True):
        if row.boss_line:
            position.reports_to_id = by_line[row.boss_line].id
        if position.decision_maker or position.level in ("bod", "bod1"):
            row.account.key_person_gap_since = None  # as people._new_position: someone decides
    db.session.flush()
    summary = {
        id(p): f"{row.name}: {p.title} @ {row.account.name}"
        for row, p in zip(rows, positions, strict=True)
    }
    bulk_audit(
        "position.create", positions, people.POSITION_FIELDS, lambda p: summary[id(p)], actor
    )
    return positions
