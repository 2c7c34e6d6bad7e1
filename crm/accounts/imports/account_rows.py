"""Account rows: checked with the account rules of crm.accounts.services against what the
database holds (loaded once per file, never once per row), then written in bulk."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, and_, column, func, select, values

from crm.accounts import services
from crm.accounts.imports.columns import ACCOUNT_COLUMNS, choice, choice_codes
from crm.accounts.models import SECTORS, Account
from crm.auth.models import User
from crm.extensions import db
from crm.imports.checks import PROGRESS_EVERY, Check, Issue, Progress, bulk_audit, chunked
from crm.imports.tabular import Table
from crm.offices import BranchOffice
from crm.services import ServiceError

IDENTIFIERS = ("npp", "npwp", "nib")
HEADERS = {c.key: c.header for c in ACCOUNT_COLUMNS} | {
    "branch_office_id": "kode_cabang",
    "rm_id": "email_rm",
    "parent_id": "npp_induk",
}
CHOICE_FIELDS = ("kind", "segment", "status", "ownership")
THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.200 is how Indonesians write 1200


@dataclass
class AccountRow:
    """A row that passed: the values for Account(...), and its in-file parent if any."""

    line: int
    values: dict[str, Any]
    parent_line: int | None = None


@dataclass
class _Row:
    line: int
    data: dict[str, str]
    ids: dict[str, str | None] = field(default_factory=dict)
    parent_npp: str | None = None
    issues: list[Issue] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.issues.append(Issue(self.line, HEADERS.get(key, key), message))


def _normalized(row: _Row, key: str, raw: str, column: str) -> str | None:
    try:
        return services.clean_identifiers({key: raw})[key]
    except ServiceError as exc:
        row.error(column, str(exc))
        return None


def _prepare(line: int, data: dict[str, str]) -> _Row:
    row = _Row(line, data)
    for key in IDENTIFIERS:
        row.ids[key] = _normalized(row, key, data.get(key, ""), key)
    row.parent_npp = _normalized(row, "npp", data.get("parent_npp", ""), "parent_npp")
    return row


class Known:
    """What the database already holds for the file's values: a handful of queries in all."""

    def __init__(self, rows: list[_Row]) -> None:
        wanted = {key: {r.ids[key] for r in rows if r.ids[key]} for key in IDENTIFIERS}
        wanted["npp"] |= {r.parent_npp for r in rows if r.parent_npp}
        # Whole accounts by NPP: they are the parents too, and validate_account's
        # db.session.get() then finds them in the identity map without a query.
        self.by_npp: dict[str, Account] = {}
        for batch in chunked(wanted["npp"]):
            for account in db.session.scalars(select(Account).where(Account.npp.in_(batch))):
                self.by_npp[account.npp] = account
        self.owners: dict[str, dict[str, str]] = {
            "npp": {npp: a.name for npp, a in self.by_npp.items()}
        }
        for key in ("npwp", "nib"):
            column = getattr(Account, key)
            self.owners[key] = {}
            for batch in chunked(wanted[key]):
                rows_ = db.session.execute(select(column, Account.name).where(column.in_(batch)))
                self.owners[key].update(dict(rows_.all()))
        emails = {r.data.get("rm_email", "").strip().lower() for r in rows} - {""}
        self.users: dict[str, User] = {}
        for batch in chunked(emails):
            for user in db.session.scalars(select(User).where(func.lower(User.email).in_(batch))):
                self.users[user.email.lower()] = user
        codes = {r.data.get("branch_code", "").strip().upper() for r in rows} - {""}
        self.branches: dict[str, BranchOffice] = {}
        for batch in chunked(codes):
            stmt = select(BranchOffice).where(func.upper(BranchOffice.code).in_(batch))
            for branch in db.session.scalars(stmt):
                self.branches[branch.code.upper()] = branch
        self._names = self._similar_names(
            {services.search_name(r.data.get("name", "")) for r in rows}
        )

    @staticmethod
    def _similar_names(keys: set[str]) -> list[tuple[str, str]]:
        """(search_name, name) of accounts that services.similar_accounts would warn about:
        the same normalized name, or one that starts with it. Each prefix is a range on
        the search_name index, so this costs one index seek per row, 200 rows per query."""
        keys = {k for k in keys if len(k) >= 3}
        found: set[tuple[str, str]] = set()
        for batch in chunked(sorted(keys), 200):
            bounds = (
                values(column("lo", String), column("hi", String), name="prefix")
                .data([(k, k[:-1] + chr(ord(k[-1]) + 1)) for k in batch])
                .cte("prefix")
            )
            stmt = select(Account.search_name, Account.name).join(
                bounds,
                and_(Account.search_name >= bounds.c.lo, Account.search_name < bounds.c.hi),
            )
            found.update(tuple(row) for row in db.session.execute(stmt))
        return sorted(found)

    def similar(self, key: str, limit: int = 3) -> list[str]:
        if len(key) < 3:
            return []
        out = []
        i = bisect.bisect_left(self._names, (key, ""))
        while i < len(self._names) and len(out) < limit and self._names[i][0].startswith(key):
            out.append(self._names[i][1])
            i += 1
        return out


def check_accounts(table: Table, actor: User, progress: Progress | None = None) -> Check:
    """The dry run of an accounts file: every bad row with its reasons; nothing written."""
    rows = [_prepare(line, data) for line, data in table.rows]
    known = Known(rows)
    file_npps = {r.ids["npp"]: r.line for r in rows if r.ids["npp"]}
    seen: dict[tuple[str, str], int] = {}
    names: dict[str, int] = {}
    check = Check("accounts", total=len(rows), notes=list(table.notes))
    for i, row in enumerate(rows, start=1):
        planned = _check_row(row, known, file_npps, seen, actor)
        check.errors.extend(row.issues)
        if planned is not None and not row.issues:
            check.rows.append(planned)
            check.warnings.extend(_name_warnings(row.line, planned, known, names))
        if progress and i % PROGRESS_EVERY == 0 and i < len(rows):
            progress(i, len(rows))
    return check


def _name_warnings(line: int, planned: AccountRow, known: Known, names: dict) -> list[Issue]:
    key = services.search_name(planned.values["name"])
    out = []
    similar = known.similar(key)
    if similar:
        out.append(
            Issue(
                line,
                "nama",
                _("Nama mirip dengan akun yang sudah ada: %(names)s.", names="; ".join(similar)),
            )
        )
    if key in names:
        out.append(Issue(line, "nama", _("Nama sama dengan baris %(line)d.", line=names[key])))
    names.setdefault(key, line)
    return out


def _check_row(
    row: _Row, known: Known, file_npps: dict, seen: dict, actor: User
) -> AccountRow | None:
    for key in IDENTIFIERS:
        value = row.ids[key]
        if not value:
            continue
        if value in known.owners[key]:
            owner = known.owners[key][value]
            row.error(key, _("%(id)s ini sudah dipakai oleh %(name)s.", id=key.upper(), name=owner))
        elif (key, value) in seen:
            row.error(
                key,
                _(
                    "%(id)s sama dengan baris %(line)d di file ini.",
                    id=key.upper(),
                    line=seen[(key, value)],
                ),
            )
        else:
            seen[(key, value)] = row.line
    rm_id = _rm_id(row, known, actor)
    branch_id = _branch_id(row, known)
    parent_id, parent_line = _parent(row, known, file_npps)
    payload = _payload(row, branch_id, rm_id, parent_id)
    try:
        clean = services.validate_account(payload)
    except ServiceError as exc:
        message = str(exc)
        if exc.field in CHOICE_FIELDS:
            message += " " + _("Pilihan: %(codes)s.", codes=choice_codes(exc.field))
        row.error(exc.field or "", message)
        return None
    for key in ("name", "city", "sector"):
        limit = Account.__table__.c[key].type.length
        if clean[key] and len(clean[key]) > limit:
            row.error(key, _("Terlalu panjang (maksimal %(n)d karakter).", n=limit))
    clean.update(row.ids)
    return AccountRow(row.line, clean, parent_line)


def _payload(row: _Row, branch_id, rm_id, parent_id) -> dict[str, Any]:
    """The row as validate_account takes it. Identifiers are left out: their format and
    uniqueness were checked against the preloaded values (no query per row)."""
    data = row.data
    kind = choice("kind", data.get("kind", ""))
    segment = choice("segment", data.get("segment", ""))
    if segment is None:
        segment = "corporate" if kind == "company" else "institutional"
    sector = (data.get("sector") or "").strip().lower() or None
    if sector and sector not in SECTORS:
        row.error(
            "sector", _("Sektor tidak dikenal. Pilihan: %(codes)s.", codes=", ".join(SECTORS))
        )
        sector = None
    headcount = (data.get("headcount") or "").strip()
    if THOUSANDS.match(headcount):
        headcount = headcount.replace(".", "")
    return {
        "name": data.get("name", ""),
        "kind": kind,
        "segment": segment,
        "status": choice("status", data.get("status", "")) or "active",
        "ownership": choice("ownership", data.get("ownership", "")),
        "sector": sector,
        "headcount": headcount,
        "address": data.get("address", ""),
        "city": data.get("city", ""),
        "npp": None,
        "npwp": None,
        "nib": None,
        "branch_office_id": branch_id,
        "rm_id": rm_id,
        "parent_id": parent_id,
        "character_notes": "",
    }


def _rm_id(row: _Row, known: Known, actor: User) -> int | None:
    """The row's RM; an RM's own rows join their portfolio (as in services.save_account)."""
    email = (row.data.get("rm_email") or "").strip().lower()
    if not email:
        return None if services.can_reassign(actor) else actor.id
    user = known.users.get(email)
    if user is None:
        row.error("rm_email", _("Email RM tidak dikenal: %(email)s.", email=email))
        return None
    if user.id != actor.id and not services.can_reassign(actor):
        row.error("rm_email", _("Hanya supervisor atau admin yang dapat menugaskan RM lain."))
        return None
    return user.id


def _branch_id(row: _Row, known: Known) -> int | None:
    code = (row.data.get("branch_code") or "").strip()
    if not code:
        return None
    branch = known.branches.get(code.upper())
    if branch is None:
        row.error("branch_code", _("Kode kantor cabang tidak dikenal: %(code)s.", code=code))
        return None
    return branch.id


def _parent(row: _Row, known: Known, file_npps: dict) -> tuple[int | None, int | None]:
    """(existing parent id, in-file parent line); the parent must exist or come earlier."""
    npp = row.parent_npp
    if not npp:
        return None, None
    if npp == row.ids["npp"]:
        row.error("parent_npp", _("Akun tidak bisa menjadi induknya sendiri."))
    elif npp in known.by_npp:
        return known.by_npp[npp].id, None
    elif npp in file_npps and file_npps[npp] < row.line:
        return None, file_npps[npp]
    elif npp in file_npps:
        row.error("parent_npp", _("Akun induk harus berada di baris sebelumnya dalam file."))
    else:
        row.error("parent_npp", _("Tidak ada akun dengan NPP ini."))
    return None, None


def write_accounts(rows: list[AccountRow], actor: User) -> list[Account]:
    """Insert the checked rows (few statements, whatever the count), link in-file parents
    and write each account's usual `account.create` audit row. Caller commits."""
    accounts = [
        Account(**row.values, search_name=services.search_name(row.values["name"])) for row in rows
    ]
    db.session.add_all(accounts)
    db.session.flush()
    by_line = {row.line: account for row, account in zip(rows, accounts, strict=True)}
    linked = False
    for row, account in zip(rows, accounts, strict=True):
        if row.parent_line:
            account.parent_id = by_line[row.parent_line].id
            linked = True
    if linked:
        db.session.flush()
    bulk_audit("account.create", accounts, services.ACCOUNT_FIELDS, lambda a: a.name, actor)
    return accounts
