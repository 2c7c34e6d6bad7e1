"""Every CSV and XLSX the app writes goes through here: no cell a user typed can run as a
formula when the file is opened in a spreadsheet (OWASP "CSV injection").

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
apostrophe; the import reads such an apostrophe back off, so an export imports unchanged.
Numbers and dates are left typed (a sheet can sum and sort them).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(value) -> str:
    """The text of one cell, neutralised when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_row(values) -> list[str]:
    return [cell(v) for v in values]


def csv_bytes(headers: list[str], rows) -> bytes:
    """UTF-8 with a BOM (so Excel shows accents right), comma-separated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(headers))
    for row in rows:
        writer.writerow(csv_row(row))
    return out.getvalue().encode("utf-8-sig")


def xlsx_cell(sheet, value, number_format: str | None = None):
    """A write-only cell: text is neutralised and stored as text (never a formula);
    numbers and dates keep their type, with number_format if given."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) or value is None:
        out = WriteOnlyCell(sheet, value=cell(value))
        out.data_type = "s"
        return out
    out = WriteOnlyCell(sheet, value=value)
    if number_format and isinstance(value, int | float | date):
        out.number_format = number_format
    return out


def xlsx_bytes(
    headers: list[str], rows, title: str, notes: list[tuple[str, str, str]] | None = None
) -> bytes:
    """One sheet of text cells, its columns formatted as text so numbers typed later keep
    their leading zeros too; an optional second sheet `petunjuk` explains the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for i in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(i)].number_format = "@"
        sheet.column_dimensions[get_column_letter(i)].width = 18
    bold = Font(bold=True)

    def header_cells(values):
        cells = []
        for v in values:
            c = xlsx_cell(sheet, str(v))
            c.font = bold
            cells.append(c)
        return cells

    sheet.append(header_cells(headers))
    for row in rows:
        cells = []
        for v in row:
            c = xlsx_cell(sheet, "" if v is None else str(v))
            c.number_format = "@"
            cells.append(c)
        sheet.append(cells)
    if notes:
        guide = book.create_sheet("petunjuk")
        guide.append(header_cells([_("kolom"), _("wajib"), _("keterangan")]))
        for note in notes:
            guide.append([xlsx_cell(guide, str(v)) for v in note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
