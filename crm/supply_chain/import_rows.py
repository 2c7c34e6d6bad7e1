"""A parent's vendor list file: its columns, the dry run of its rows and their bulk write.

Each row is matched to an existing account by NPP (which must exist) or by NPWP (an
account with an NPP registers the vendor; one without stays a prospect, with a warning),
and to the parent's existing vendor by account, NPWP or, for rows with neither, by name.
A matched vendor is updated (non-empty cells replace the stored values) and a prospect
matched to an account is converted on the same link row. Accounts and links are loaded
per chunk or once per parent, never once per row: 20,000 rows cost a few dozen queries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from crm.accounts.identifiers import normalize_npp
from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.db import utcnow
from crm.extensions import db
from crm.imports import PROGRESS_EVERY, Change, Check, Column, Issue, Progress, Table, chunked
from crm.services import ServiceError
from crm.supply_chain.models import SupplyChainEvent, SupplyChainLink
from crm.supply_chain.services import VENDOR_FIELDS, vendor_values

COLUMNS = (
    Column("name", "nama", ("name", "nama_vendor"), True, "PT Mitra Contoh", _l("Wajib.")),
    Column("npwp", "npwp", (), False, "01.234.567.8-901.234", _l("15 atau 16 digit.")),
    Column("npp", "npp", (), False, "", _l("8 digit, bila vendor sudah terdaftar.")),
    Column("contact_name", "kontak", ("contact_name", "narahubung"), False, "Rina Contoh"),
    Column("phone", "telepon", ("phone", "hp"), False, "0812-3456-7890"),
    Column("email", "email", ("surel",), False, "hrd@mitra.test"),
    Column("address", "alamat", ("address",), False, "Jl. Industri No. 5, Cilegon"),
    Column(
        "estimated_workers",
        "perkiraan_pekerja",
        ("estimated_workers", "jumlah_pekerja"),
        False,
        "120",
        _l("Perkiraan jumlah pekerja vendor."),
    ),
    Column(
        "contract",
        "kontrak",
        ("contract", "kategori", "kontrak_kategori"),
        False,
        "Jasa kebersihan",
        _l("Kontrak atau kategori vendor dengan induk."),
    ),
)
HEADERS = {c.key: c.header for c in COLUMNS}


def name_key(name: str) -> str:
    """A vendor known by its name only: case, accents and punctuation aside, legal form
    kept (`PT. Maju Jaya` is `PT Maju Jaya`, but `CV Maju Jaya` is another company; the
    search key without legal forms merged them, or refused the second as a duplicate)."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass
class VendorRow:
    """A row that passed: its values, the account it matched and the link it updates."""

    line: int
    values: dict[str, Any]
    account_id: int | None = None
    account_headcount: int | None = None
    link_id: int | None = None
    converts: bool = False  # an existing prospect that registers with this row


@dataclass
class VendorCheck(Check):
    new: int = 0
    updated: int = 0
    registered: int = 0  # rows matched to an account with an NPP
    converted: int = 0  # existing prospects that register with this file


@dataclass
class _Row:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    npp: str | None = None
    issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.issues.append(Issue(self.line, HEADERS.get(key, key), message))


def _parse(line: int, data: dict[str, str]) -> _Row:
    row = _Row(line)
    row.values, problems = vendor_values(data)
    for problem in problems:
        row.error(problem.field or "name", str(problem))
    try:
        row.npp = normalize_npp(data.get("npp", ""))
    except ServiceError as exc:
        row.error("npp", str(exc))
    return row


@dataclass
class Known:
    """What the database holds for the file: accounts by NPP and NPWP, the parent's links."""

    by_npp: dict[str, tuple[int, str | None, int | None, str | None, str]]
    by_npwp: dict[str, tuple[int, str | None, int | None, str]]
    link_by_account: dict[int, tuple[int, str | None]]
    link_by_npwp: dict[str, tuple[int, int | None]]
    link_by_name: dict[str, int]  # prospects without NPWP, by name_key


def _load(parent_id: int, rows: list[_Row]) -> Known:
    npps = sorted({r.npp for r in rows if r.npp})
    npwps = sorted({r.values["npwp"] for r in rows if r.values.get("npwp")})
    acct = (Account.id, Account.npp, Account.headcount)
    by_npp = {}
    for batch in chunked(npps):
        stmt = select(*acct, Account.npwp, Account.name).where(Account.npp.in_(batch))
        for a_id, npp, heads, npwp, name in db.session.execute(stmt):
            by_npp[npp] = (a_id, npp, heads, npwp, name)
    by_npwp = {}
    for batch in chunked(npwps):
        stmt = select(*acct, Account.npwp, Account.name).where(Account.npwp.in_(batch))
        for a_id, npp, heads, npwp, name in db.session.execute(stmt):
            by_npwp[npwp] = (a_id, npp, heads, name)
    known = Known(by_npp, by_npwp, {}, {}, {})
    links = select(
        SupplyChainLink.id,
        SupplyChainLink.vendor_account_id,
        SupplyChainLink.npwp,
        SupplyChainLink.name,
    ).where(SupplyChainLink.parent_id == parent_id)
    for link_id, account_id, npwp, name in db.session.execute(links):
        if account_id:
            known.link_by_account[account_id] = (link_id, npwp)
        if npwp:
            known.link_by_npwp[npwp] = (link_id, account_id)
        elif not account_id:
            known.link_by_name.setdefault(name_key(name), link_id)
    return known


def _match_account(row: _Row, known: Known, parent_id: int) -> tuple[int, int | None] | None:
    """(account id, headcount) the row registers with, or None for a prospect."""
    npwp = row.values.get("npwp")
    found = known.by_npp.get(row.npp) if row.npp else None
    if row.npp and found is None:
        row.error("npp", _("NPP %(npp)s tidak terdaftar di aplikasi.", npp=row.npp))
        return None
    other = known.by_npwp.get(npwp) if npwp else None
    if found and other and other[0] != found[0]:
        row.error("npwp", _("NPWP ini milik akun lain (%(name)s) daripada NPP-nya.", name=other[3]))
        return None
    if found and npwp and found[3] and found[3] != npwp:
        # The NPP is of a company with another NPWP: a typo would register the wrong one.
        row.error(
            "npp", _("NPP %(npp)s milik %(name)s dengan NPWP lain.", npp=row.npp, name=found[4])
        )
        return None
    if (found or other) and (found or other)[0] == parent_id:
        row.error("npp" if found else "npwp", _("Akun induk tidak bisa menjadi vendornya sendiri."))
        return None
    if found is None and other is not None:
        if not other[1]:
            row.warnings.append(
                Issue(
                    row.line,
                    "npwp",
                    _("%(name)s belum ber-NPP: dicatat sebagai prospek.", name=other[3]),
                )
            )
            return None
        found = other[:3]
    return (found[0], found[2]) if found else None


def _match_link(row: _Row, known: Known, account_id: int | None) -> tuple[int | None, bool]:
    """(existing link id or None, whether that prospect converts now)."""
    npwp = row.values.get("npwp")
    by_account = known.link_by_account.get(account_id) if account_id else None
    by_npwp = known.link_by_npwp.get(npwp) if npwp else None
    if by_account and by_npwp and by_account[0] != by_npwp[0]:
        row.error("npwp", _("NPWP ini sudah dipakai vendor lain di induk ini."))
        return None, False
    if by_npwp and account_id and by_npwp[1] and by_npwp[1] != account_id:
        row.error("npwp", _("Vendor dengan NPWP ini terdaftar dengan akun lain."))
        return None, False
    if by_account:
        return by_account[0], False
    if by_npwp:
        return by_npwp[0], bool(account_id) and not by_npwp[1]
    if not npwp and not account_id:
        link_id = known.link_by_name.get(name_key(row.values["name"]))
        return link_id, False
    return None, False


def _check_duplicates(row: _Row, seen: dict[tuple[str, Any], int], keys: list) -> None:
    for key in keys:
        if key in seen:
            row.error(key[0], _("Vendor ini sudah ada di baris %(line)d.", line=seen[key]))
            return
    for key in keys:
        seen[key] = row.line


def check_vendors(table: Table, parent_id: int, progress: Progress | None = None) -> VendorCheck:
    """The dry run: every row checked, every problem listed, nothing written."""
    total = len(table.rows)
    check = VendorCheck("supply_chain", total, notes=list(table.notes))
    rows = []
    for i, (line, data) in enumerate(table.rows, start=1):
        rows.append(_parse(line, data))
        if progress and i % PROGRESS_EVERY == 0:
            progress(i, total)
    good = [r for r in rows if not r.issues]
    known = _load(parent_id, good)
    seen: dict[tuple[str, Any], int] = {}
    for row in good:
        match = _match_account(row, known, parent_id)
        account_id, heads = match if match else (None, None)
        link_id, converts = (None, False) if row.issues else _match_link(row, known, account_id)
        keys = [("npwp", row.values["npwp"])] if row.values["npwp"] else []
        keys += [("npp", account_id)] if account_id else []
        keys += [("link", link_id)] if link_id else []
        if not keys:
            keys = [("name", name_key(row.values["name"]))]
        if not row.issues:
            _check_duplicates(row, seen, keys)
        if not row.issues:
            check.rows.append(VendorRow(row.line, row.values, account_id, heads, link_id, converts))
    for row in rows:
        check.errors.extend(row.issues)
        check.warnings.extend(row.warnings)
    check.errors.sort(key=lambda issue: issue.line)
    check.updated = sum(1 for r in check.rows if r.link_id)
    check.new = len(check.rows) - check.updated
    check.registered = sum(1 for r in check.rows if r.account_id)
    check.converted = sum(1 for r in check.rows if r.converts)
    _changes(check)
    return check


def _changes(check: VendorCheck) -> None:
    """Old -> new for every stored vendor value a row replaces (a filled cell that differs;
    an empty cell keeps what is stored), loaded per chunk of links."""
    updated = [r for r in check.rows if r.link_id]
    fields = [f for f in VENDOR_FIELDS if f in HEADERS]
    cols = [getattr(SupplyChainLink, f) for f in fields]
    stored: dict[int, tuple] = {}
    for batch in chunked(sorted({r.link_id for r in updated})):
        stmt = select(SupplyChainLink.id, *cols).where(SupplyChainLink.id.in_(batch))
        stored.update((link_id, values) for link_id, *values in db.session.execute(stmt))
    for row in updated:
        old_values = dict(zip(fields, stored[row.link_id], strict=True))
        for key in fields:
            new, old = row.values.get(key), old_values[key]
            if new not in ("", None) and new != old:
                shown = "-" if old in ("", None) else str(old)
                record = old_values["name"]
                check.changes.append(Change(row.line, record, HEADERS[key], shown, str(new)))


# -- the write ------------------------------------------------------------------------------------


def _new_link(row: VendorRow, parent_id: int, now) -> dict[str, Any]:
    values = dict(row.values)
    if values["estimated_workers"] is None:
        values["estimated_workers"] = row.account_headcount
    return {
        **values,
        "parent_id": parent_id,
        "vendor_account_id": row.account_id,
        "search_name": search_name(values["name"]) or values["name"].lower(),
        "campaign_status": "registered" if row.account_id else "not_contacted",
        "registered_at": now if row.account_id else None,
        "created_at": now,
        "updated_at": now,
    }


def _changed_link(row: VendorRow, now) -> dict[str, Any]:
    """Non-empty cells replace the stored values; an empty cell keeps what is stored."""
    values = {k: v for k, v in row.values.items() if k in VENDOR_FIELDS and v not in ("", None)}
    if "name" in values:
        values["search_name"] = search_name(values["name"]) or values["name"].lower()
    values.update({"id": row.link_id, "updated_at": now})
    if row.converts:
        values.update(
            vendor_account_id=row.account_id, campaign_status="registered", registered_at=now
        )
    return values


def write_vendors(rows: list[VendorRow], parent_id: int, actor, note: str) -> tuple[int, int]:
    """Insert the new vendors and update the matched ones, in bulk, each with its import
    event (and a registered event for a conversion); (created, updated)."""
    now = utcnow()
    new = [r for r in rows if not r.link_id]
    changed = [r for r in rows if r.link_id]
    events: list[dict[str, Any]] = []

    def event(link_id: int, kind: str, text: str) -> None:
        events.append(
            {
                "link_id": link_id,
                "kind": kind,
                "actor_id": actor.id,
                "note": text,
                "created_at": now,
            }
        )

    # Core inserts: the ORM's bulk insert groups rows by which values are NULL and, with
    # RETURNING, falls back to one statement per group (thousands for a mixed file).
    links, logs = SupplyChainLink.__table__, SupplyChainEvent.__table__
    for batch in chunked(new, 2000):
        stmt = insert(links).returning(links.c.id, sort_by_parameter_order=True)
        ids = db.session.scalars(stmt, [_new_link(r, parent_id, now) for r in batch]).all()
        for link_id, row in zip(ids, batch, strict=True):
            event(link_id, "imported", note)
            if row.account_id:
                event(link_id, "registered", _("Cocok dengan akun saat impor"))
    for batch in chunked(changed, 2000):
        db.session.execute(update(SupplyChainLink), [_changed_link(r, now) for r in batch])
        for row in batch:
            event(row.link_id, "imported", note)
            if row.converts:
                event(row.link_id, "registered", _("Cocok dengan akun saat impor"))
    for batch in chunked(events, 5000):
        db.session.execute(insert(logs), batch)
    return len(new), len(changed)
