"""The monthly export's columns, the dry run of its rows and their bulk upsert.

Keyed by NPP and period (YYYY-MM). A file is the core system's truth for the months it
holds: a row for an (account, month) already stored replaces every figure of it, and the
preview lists each figure it changes (old -> new), warning when a paid month would turn
unpaid. Accounts
and stored months are loaded per chunk of values, never once per row, so 100k rows cost a
few hundred indexed queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from crm.accounts.identifiers import normalize_npp
from crm.accounts.models import Account
from crm.compliance.import_changes import compare, stored_months
from crm.compliance.models import CompliancePeriod, unpaid_of
from crm.db import utcnow
from crm.extensions import db
from crm.imports import (
    PROGRESS_EVERY,
    Check,
    Column,
    Issue,
    Progress,
    Table,
    chunked,
    parse_date,
    yes_no,
)
from crm.services import ServiceError

COLUMNS = (
    Column("npp", "npp", (), True, "12345678", _l("8 digit; NPP akun di aplikasi. Wajib.")),
    Column(
        "period",
        "periode",
        ("period", "bulan", "bulan_iuran"),
        True,
        "2026-10",
        _l("Bulan iuran: YYYY-MM (atau MM/YYYY). Wajib."),
    ),
    Column(
        "workers_registered",
        "tk_terdaftar",
        ("workers_registered",),
        False,
        "250",
        _l("Jumlah tenaga kerja terdaftar."),
    ),
    Column(
        "workers_reported",
        "tk_dilaporkan",
        ("workers_reported",),
        False,
        "240",
        _l("Jumlah tenaga kerja yang dilaporkan pemberi kerja."),
    ),
    Column(
        "wages_reported",
        "upah_dilaporkan",
        ("wages_reported", "total_upah"),
        False,
        "1250000000",
        _l("Total upah yang dilaporkan, rupiah utuh."),
    ),
    Column(
        "contribution_due",
        "iuran_wajib",
        ("contribution_due",),
        True,
        "125000000",
        _l("Iuran bulan itu, rupiah utuh. Wajib."),
    ),
    Column(
        "amount_paid",
        "iuran_dibayar",
        ("amount_paid",),
        True,
        "125000000",
        _l("Iuran yang sudah dibayar, rupiah utuh; 0 bila belum. Wajib."),
    ),
    Column(
        "paid_on",
        "tanggal_bayar",
        ("paid_on",),
        False,
        "2026-11-12",
        _l("Tanggal pembayaran (terakhir): YYYY-MM-DD atau DD/MM/YYYY; wajib bila ada pembayaran."),
    ),
    Column(
        "fine_paid",
        "denda_dibayar",
        ("fine_paid",),
        False,
        "0",
        _l("Denda keterlambatan yang sudah dibayar; kosong: 0."),
    ),
    Column(
        "pds_tk", "pds_tk", (), False, "tidak", _l("ya/tidak: sebagian pekerja belum didaftarkan.")
    ),
    Column(
        "pds_upah", "pds_upah", (), False, "tidak", _l("ya/tidak: upah dilaporkan lebih rendah.")
    ),
    Column(
        "pds_program",
        "pds_program",
        (),
        False,
        "tidak",
        _l("ya/tidak: hanya sebagian program wajib diikuti."),
    ),
    Column("pds_notes", "catatan_pds", ("pds_notes",), False, "", _l("Temuan PDS, bebas.")),
)
HEADERS = {c.key: c.header for c in COLUMNS}
AMOUNTS = ("wages_reported", "contribution_due", "amount_paid", "fine_paid")
COUNTS = ("workers_registered", "workers_reported")
FLAGS = ("pds_tk", "pds_upah", "pds_program")
VALUE_FIELDS = (*COUNTS, *AMOUNTS, "paid_on", *FLAGS, "pds_notes")
MAX_AMOUNT = 10**15  # a quadrillion rupiah: beyond any real month, within BIGINT

_PLAIN = re.compile(r"^\d+(?:[.,]0{1,2})?$")
_DOTS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,0{1,2})?$")  # 1.250.000 or 1.250.000,00
_COMMAS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.0{1,2})?$")  # 1,250,000 or 1,250,000.00
_PERIOD_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), (1, 2)),
    (re.compile(r"^(\d{1,2})[/-](\d{4})$"), (2, 1)),
    (re.compile(r"^(\d{4})(\d{2})$"), (1, 2)),
    (re.compile(r"^(\d{4})-(\d{1,2})-0?1$"), (1, 2)),  # an XLSX date cell: the 1st
)


@dataclass
class PeriodRow:
    """A row that passed: the account, the month, the values, and the stored row if any."""

    line: int
    account_id: int
    period: date
    values: dict[str, Any]
    existing_id: int | None = None


@dataclass
class ComplianceCheck(Check):
    """The dry run, with what the preview shows beyond the shared counts."""

    periods: list[date] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    with_unpaid: int = 0


def parse_amount(text: str) -> int:
    """Whole rupiah: `1250000`, `1.250.000`, `1,250,000`, `Rp 1.250.000`, `1250000,00`;
    ValueError otherwise (negative numbers and real fractions of a rupiah too)."""
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if raw[:2].lower() == "rp":
        raw = raw[2:]
    if raw.startswith("-"):
        raise ValueError("negative")
    if _PLAIN.match(raw):
        return int(re.split(r"[.,]", raw)[0])
    if _DOTS.match(raw):
        return int(raw.split(",")[0].replace(".", ""))
    if _COMMAS.match(raw):
        return int(raw.split(".")[0].replace(",", ""))
    raise ValueError(raw)


def parse_period(text: str) -> date:
    """The first day of the month written as YYYY-MM, MM/YYYY, YYYYMM or YYYY-MM-01."""
    raw = (text or "").strip()
    for pattern, (yi, mi) in _PERIOD_FORMATS:
        match = pattern.match(raw)
        if match:
            year, month = int(match.group(yi)), int(match.group(mi))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return date(year, month, 1)
    raise ValueError(raw)


class _Row:
    def __init__(self, line: int, data: dict[str, str]) -> None:
        self.line = line
        self.data = data
        self.issues: list[Issue] = []
        self.warnings: list[Issue] = []
        self.values: dict[str, Any] = {}
        self.npp: str | None = None
        self.period: date | None = None

    def error(self, key: str, message: str) -> None:
        self.issues.append(Issue(self.line, HEADERS.get(key, key), message))


def _number(row: _Row, key: str, amount: bool) -> int:
    text = row.data.get(key, "").strip()
    if not text:
        return 0
    try:
        value = parse_amount(text) if amount else int(text.replace(".", ""))
    except ValueError:
        if text.lstrip().startswith("-"):
            row.error(key, _("Tidak boleh negatif."))
        elif amount:
            row.error(key, _("Isi angka rupiah utuh, mis. 1250000 atau 1.250.000."))
        else:
            row.error(key, _("Isi bilangan bulat."))
        return 0
    if value < 0:
        row.error(key, _("Tidak boleh negatif."))
    elif value >= MAX_AMOUNT:
        row.error(key, _("Angka terlalu besar."))
    return value


def _parse(line: int, data: dict[str, str], today: date) -> _Row:
    """Every cell of one row on its own; what needs the database comes later."""
    row = _Row(line, data)
    raw_npp = data.get("npp", "").strip()
    try:
        row.npp = normalize_npp(raw_npp)
        if row.npp is None:
            row.error("npp", _("Wajib diisi."))
    except ServiceError as exc:
        row.error("npp", str(exc))
    try:
        row.period = parse_period(data.get("period", ""))
        if row.period > today:
            row.error("period", _("Periode ini belum berjalan."))
    except ValueError:
        row.error("period", _("Tulis periode sebagai YYYY-MM, mis. 2026-10."))
    values = row.values
    for key in COUNTS:
        values[key] = _number(row, key, amount=False)
    for key in AMOUNTS:
        values[key] = _number(row, key, amount=True)
    for key in FLAGS:
        try:
            values[key] = yes_no(data.get(key, ""))
        except ValueError:
            row.error(key, _("Isi ya atau tidak."))
    values["pds_notes"] = data.get("pds_notes", "").strip()[:2000]
    values["paid_on"] = _paid_on(row, today)
    values["unpaid"] = unpaid_of(values["contribution_due"], values["amount_paid"])
    _warn(row)
    return row


def _paid_on(row: _Row, today: date) -> date | None:
    try:
        paid_on = parse_date(row.data.get("paid_on", ""))
    except ValueError:
        row.error("paid_on", _("Tanggal tidak dikenali; tulis YYYY-MM-DD atau DD/MM/YYYY."))
        return None
    paid_something = row.values["amount_paid"] > 0 or row.values["fine_paid"] > 0
    if paid_on is None:
        if paid_something:
            row.error("paid_on", _("Isi tanggal bayar untuk iuran atau denda yang dibayar."))
        return None
    if not paid_something:
        row.error("paid_on", _("Tanggal bayar diisi, tetapi iuran_dibayar dan denda_dibayar 0."))
    if row.period and paid_on < row.period:
        row.error("paid_on", _("Tanggal bayar sebelum awal periode."))
    if paid_on > today:
        row.error("paid_on", _("Tanggal bayar di masa depan."))
    return paid_on


def _warn(row: _Row) -> None:
    v = row.values
    if v["amount_paid"] > v["contribution_due"]:
        row.warnings.append(
            Issue(row.line, "iuran_dibayar", _("Dibayar lebih dari iuran wajib (lebih bayar)."))
        )
    if v["workers_reported"] > v["workers_registered"] > 0:
        row.warnings.append(
            Issue(
                row.line, "tk_dilaporkan", _("Tenaga kerja dilaporkan lebih dari yang terdaftar.")
            )
        )


def _accounts_by_npp(npps: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in chunked(sorted(npps)):
        found.update(
            db.session.execute(select(Account.npp, Account.id).where(Account.npp.in_(batch))).all()
        )
    return found


def check_periods(table: Table, today: date, progress: Progress | None = None) -> ComplianceCheck:
    """The dry run: every row checked, every problem listed, nothing written."""
    total = len(table.rows)
    check = ComplianceCheck("compliance", total, notes=list(table.notes))
    rows: list[_Row] = []
    first_line: dict[tuple[str, date], int] = {}
    for i, (line, data) in enumerate(table.rows, start=1):
        row = _parse(line, data, today)
        if row.npp and row.period:
            key = (row.npp, row.period)
            if key in first_line:
                row.error(
                    "npp",
                    _("NPP dan periode ini sudah ada di baris %(line)d.", line=first_line[key]),
                )
            else:
                first_line[key] = line
        rows.append(row)
        if progress and i % PROGRESS_EVERY == 0:
            progress(i, total)
    accounts = _accounts_by_npp({r.npp for r in rows if r.npp})
    for row in rows:
        if row.npp and row.npp not in accounts:
            row.error("npp", _("NPP %(npp)s tidak terdaftar di aplikasi.", npp=row.npp))
    good = [r for r in rows if not r.issues]
    stored = stored_months({(accounts[r.npp], r.period) for r in good}, VALUE_FIELDS)
    for row in rows:
        check.errors.extend(row.issues)
        check.warnings.extend(row.warnings)
    for row in good:
        account_id = accounts[row.npp]
        existing = stored.get((account_id, row.period))
        planned = PeriodRow(row.line, account_id, row.period, row.values)
        if existing is not None:
            planned.existing_id = existing["id"]
            compare(check, planned, row.npp, existing, HEADERS)
        check.rows.append(planned)
    _count(check)
    return check


def _count(check: ComplianceCheck) -> None:
    check.warnings.sort(key=lambda issue: issue.line)
    check.periods = sorted({r.period for r in check.rows})
    check.updated = sum(1 for r in check.rows if r.existing_id)
    check.new = len(check.rows) - check.updated
    check.with_unpaid = sum(1 for r in check.rows if r.values["unpaid"] > 0)


def write_periods(rows: list[PeriodRow], import_id: int) -> tuple[int, int]:
    """Insert the new months and replace the stored ones, in bulk; (created, updated)."""
    now = utcnow()
    new, changed = [], []
    for row in rows:
        values = {**row.values, "import_id": import_id, "updated_at": now}
        if row.existing_id:
            changed.append({"id": row.existing_id, **values})
        else:
            new.append(
                {"account_id": row.account_id, "period": row.period, "created_at": now, **values}
            )
    for batch in chunked(new, 5000):
        db.session.execute(insert(CompliancePeriod), batch)
    for batch in chunked(changed, 5000):
        db.session.execute(update(CompliancePeriod), batch)
    return len(new), len(changed)
