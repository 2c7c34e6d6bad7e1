"""CSV and XLSX uploads as rows of text; any bad file is an UploadError for the user."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _

from crm.exports import FORMULA_START
from crm.imports.columns import Column, header_key

EXTENSIONS = (".csv", ".xlsx")
DELIMITERS = (",", ";", "\t", "|")
MAX_COLUMNS = 100
# An XLSX is a zip: every part is bounded unpacked before openpyxl opens it (it holds the
# shared strings in memory), and each cell once read. Excel itself stops a cell at 32,767.
MAX_XLSX_PART_BYTES = 64 * 2**20
MAX_XLSX_STRINGS_BYTES = 32 * 2**20
MAX_CELL_CHARS = 32_767


class UploadError(ValueError):
    """The file cannot be imported at all; the message says why."""


@dataclass
class Table:
    """A file's rows keyed by field (see Column.key), each with its spreadsheet row number."""

    rows: list[tuple[int, dict[str, str]]]
    notes: list[str] = field(default_factory=list)  # file-level remarks for the preview


def extension(filename: str) -> str:
    name = (filename or "").lower().strip()
    return name[name.rfind(".") :] if "." in name else ""


def read_table(data: bytes, filename: str, columns: tuple[Column, ...], max_rows: int) -> Table:
    """The upload's data rows, or UploadError (empty, unknown type, unreadable, too long,
    required columns missing)."""
    ext = extension(filename)
    if ext not in EXTENSIONS:
        raise UploadError(
            _("Gunakan file .csv atau .xlsx (file Excel lama .xls: simpan ulang sebagai .xlsx).")
        )
    if not data.strip():
        raise UploadError(_("File kosong."))
    notes: list[str] = []
    raw_rows = _xlsx_rows(data) if ext == ".xlsx" else _csv_rows(data, notes)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in raw_rows:
        if not any(cells):
            continue
        if header is None:
            header = cells
            mapping = _map_header(header, columns, notes)
            continue
        if len(rows) >= max_rows:
            raise UploadError(
                _(
                    "File berisi lebih dari %(n)s baris data; bagi menjadi beberapa file.",
                    n=f"{max_rows:,}".replace(",", "."),
                )
            )
        rows.append((number, {key: _unquote(cells[i]) for i, key in mapping if i < len(cells)}))
    if header is None or not rows:
        raise UploadError(_("File tidak berisi baris data di bawah baris judul kolom."))
    return Table(rows, notes)


def _map_header(
    header: list[str], columns: tuple[Column, ...], notes: list[str]
) -> list[tuple[int, str]]:
    known = {}
    for col in columns:
        for name in (col.header, col.key, *col.aliases):
            known[header_key(name)] = col
    mapping, seen, unknown = [], {}, []
    for i, text in enumerate(header[:MAX_COLUMNS]):
        key = header_key(text)
        if not key:
            continue
        col = known.get(key)
        if col is None:
            unknown.append(text)
            continue
        if col.key in seen:
            raise UploadError(_("Kolom %(name)s muncul dua kali.", name=col.header))
        seen[col.key] = i
        mapping.append((i, col.key))
    missing = [c.header for c in columns if c.required and c.key not in seen]
    if missing:
        raise UploadError(
            _(
                "Kolom wajib tidak ada: %(names)s. Unduh templat untuk melihat judul kolom.",
                names=", ".join(missing),
            )
        )
    if unknown:
        notes.append(_("Kolom tidak dikenal diabaikan: %(names)s.", names=", ".join(unknown)))
    return mapping


def _unquote(text: str) -> str:
    """Undo the quote our exports put before formula-like text."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text


def _decode(data: bytes, notes: list[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096] or data.startswith(b"PK\x03\x04"):
        raise UploadError(_("File ini bukan CSV teks. Untuk file Excel gunakan ekstensi .xlsx."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UploadError(
            _("File CSV tidak dapat dibaca. Simpan ulang sebagai \u201cCSV UTF-8\u201d.")
        ) from exc
    notes.append(_("File bukan UTF-8; dibaca sebagai Windows-1252 (ANSI)."))
    return text


def _csv_rows(data: bytes, notes: list[str]):
    text = _decode(data, notes)
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Excel with Indonesian regional settings writes ';' between cells: take the most frequent.
    delimiter = max(DELIMITERS, key=first.count)
    if delimiter != ",":
        notes.append(
            _("Pemisah kolom terdeteksi: \u201c%(d)s\u201d.", d=delimiter.strip() or "tab")
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [c.strip() for c in cells]
    except csv.Error as exc:
        raise UploadError(_("File CSV rusak di sekitar baris %(n)d.", n=reader.line_num)) from exc


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        _check_xlsx_parts(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except UploadError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise UploadError(_("File XLSX tidak dapat dibaca.")) from exc
    try:
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            texts = [_cell_text(v) for v in cells[:MAX_COLUMNS]]
            if any(len(t) > MAX_CELL_CHARS for t in texts):
                raise UploadError(_too_big_message())
            yield number, texts
    finally:
        book.close()


def _too_big_message() -> str:
    return _(
        "File XLSX terlalu besar untuk dibaca: satu sel paling banyak %(n)s karakter dan "
        "isi file paling banyak %(mb)d MB setelah dibuka.",
        n="32.767",
        mb=MAX_XLSX_PART_BYTES // 2**20,
    )


def _check_xlsx_parts(data: bytes) -> None:
    """UploadError unless every part of the zip is small enough unpacked (the sizes the zip
    declares; zipfile refuses to unpack more than a part declares)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        unpacked = sum(info.file_size for info in parts)
        if unpacked > 40 * len(data) + 10_000_000:  # a zip bomb, not a spreadsheet
            raise UploadError(_("File XLSX tidak dapat dibaca."))
        for info in parts:
            limit = MAX_XLSX_STRINGS_BYTES if "sharedstrings" in info.filename.lower() else None
            if info.file_size > (limit or MAX_XLSX_PART_BYTES):
                raise UploadError(_too_big_message())
            if info.filename.lower().endswith(".xml") and _longest_text(archive, info) > (
                6 * MAX_CELL_CHARS  # an escaped character (&amp;) takes up to 6 bytes
            ):
                raise UploadError(_too_big_message())


def _longest_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The longest run of bytes between two tags of an XML part, read 1 MB at a time: a
    cell's text, bounded before any XML parser builds it as one string."""
    longest, run = 0, 0
    with archive.open(info) as part:
        while chunk := part.read(2**20):
            pieces = chunk.split(b"<")
            if len(pieces) == 1:
                run += len(chunk)
            else:
                longest = max(longest, run + len(pieces[0]), *map(len, pieces[1:-1]))
                run = len(pieces[-1])
            if max(longest, run) > 6 * MAX_CELL_CHARS:
                return max(longest, run)
    return max(longest, run)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
