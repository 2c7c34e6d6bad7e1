"""The board's open cases as an XLSX file (openpyxl write-only): one row per case with its
stage, RM and supervisor, stage start, deadline and its state ("menunggu surat",
overdue...), days overdue and stored arrears. Read in keyset batches by id, each batch
with its accounts and owners joined (no N+1); branch names are read once."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.cases import board
from crm.cases.labels import case_label
from crm.cases.models import EscalationCase as Case
from crm.exports import XLSX_MIMETYPE, xlsx_cell
from crm.extensions import db
from crm.i18n import local_date

BATCH = 1000
DATE_FORMAT = "dd/mm/yyyy"
MONEY_COLUMNS = (13, 14, 15)  # unpaid, fine, total (0-based)
COLUMN_WIDTHS = (9, 36, 11, 20, 20, 22, 22, 22, 13, 13, 13, 18, 13, 16, 14, 16, 13)
MONEY_FORMAT = "#,##0"
Progress = Callable[[int, int], None]


@dataclass
class ExportFile:
    data: bytes
    filename: str
    mimetype: str
    rows: int


def headers() -> list[str]:
    return [
        _("ID kasus"),
        _("Akun"),
        "NPP",
        _("Alasan"),
        _("Tahap"),
        _("RM"),
        _("Supervisor"),
        _("Kantor cabang"),
        _("Dibuka"),
        _("Tahap dimulai"),
        _("Tenggat tahap"),
        _("Status tenggat"),
        _("Hari terlambat"),
        _("Iuran belum dibayar"),
        _("Denda"),
        _("Total tunggakan"),
        _("Tunggakan per"),
    ]


def _open_cases(f: board.CaseFilters, user: User, today: date):
    return select(Case).where(Case.status == "open", *board.conditions(f, user, today))


def count_cases(f: board.CaseFilters, user: User, today: date) -> int:
    stmt = _open_cases(f, user, today).with_only_columns(func.count())
    return db.session.scalar(stmt)


def _cases(f: board.CaseFilters, user: User, today: date) -> Iterator[list[Case]]:
    """Batches of the filtered open cases in id order (keyset, no OFFSET)."""
    stmt = _open_cases(f, user, today).options(
        joinedload(Case.account), joinedload(Case.owner), joinedload(Case.supervisor)
    )
    last = 0
    while True:
        batch = db.session.scalars(stmt.where(Case.id > last).order_by(Case.id).limit(BATCH)).all()
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _values(c: Case, today: date, branches: dict[int, str]) -> list:
    return [
        c.id,
        c.account.name,
        c.account.npp or "",
        case_label("reason", c.reason),
        case_label("stage", c.stage),
        c.owner.name if c.owner else "",
        c.supervisor.name if c.supervisor else "",
        branches.get(c.branch_office_id, ""),
        local_date(c.opened_at),
        c.stage_started_on,
        c.stage_due_on,
        due_state(c, today),
        board.days_overdue(c, today),
        c.arrears_unpaid,
        c.arrears_fine,
        c.arrears_total,
        c.arrears_as_of,
    ]


def due_state(c: Case, today: date) -> str:
    """How the deadline stands, as the board's badge reads."""
    if board.awaiting_letter(c):
        return _("menunggu surat")
    if board.days_overdue(c, today):
        return _("terlambat")
    return _("berjalan") if c.stage_due_on else _("tanpa tenggat")


def _cell(sheet, value, money: bool = False):
    """Text stays text (a name starting with `=` is never a formula); numbers and dates
    keep their type so the sheet can sum and sort them."""
    if isinstance(value, date):
        return xlsx_cell(sheet, value, DATE_FORMAT)
    return xlsx_cell(sheet, value, MONEY_FORMAT if money else None)


def case_export(
    f: board.CaseFilters, user: User, today: date, progress: Progress | None = None
) -> ExportFile:
    """The filtered open cases the user may see, as an XLSX file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    total = count_cases(f, user, today)
    branches = dict(board.branch_choices())
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("kasus")[:31])
    for i, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    head = []
    for title in headers():
        cell = _cell(sheet, title)
        cell.font = Font(bold=True)
        head.append(cell)
    sheet.append(head)
    done = 0
    if progress:
        progress(0, total)
    for batch in _cases(f, user, today):
        for c in batch:
            values = _values(c, today, branches)
            sheet.append([_cell(sheet, v, i in MONEY_COLUMNS) for i, v in enumerate(values)])
        done += len(batch)
        if progress:
            progress(done, total)
    out = io.BytesIO()
    book.save(out)
    name = f"kasus-eskalasi-{today:%Y%m%d}.xlsx"
    return ExportFile(out.getvalue(), name, XLSX_MIMETYPE, done)
