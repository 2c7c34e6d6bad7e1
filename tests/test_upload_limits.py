"""Uploaded files are bounded before they are parsed: an XLSX whose parts or cells are
huge unpacked is refused with a message, without the worker's memory growing."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from crm.accounts.imports.columns import ACCOUNT_COLUMNS
from crm.imports.tabular import UploadError, read_table
from tests.conftest import post_form
from tests.factories import UserFactory

TOO_BIG = "File XLSX terlalu besar untuk dibaca"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS_NS}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{REL}"><sheets><sheet name="akun" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS_NS}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def xlsx_with_one_huge_cell(cell_mb: int, padding_mb: int = 5) -> bytes:
    """A valid XLSX whose one shared string is cell_mb MB, padded with incompressible bytes
    so the compression ratio looks like a normal spreadsheet's (as the review's file did)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", SHEET)
        z.writestr("xl/media/image1.png", os.urandom(padding_mb * 2**20), zipfile.ZIP_STORED)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxml'
                b'formats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            )
            block = b"A" * 2**20
            for _ in range(cell_mb):
                part.write(block)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def _peak_rss_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak RSS
        return True
    except OSError:
        return False


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


@pytest.mark.parametrize("cell_mb", [1, 40])
def test_read_table_refuses_a_cell_beyond_excels_limit(cell_mb):
    with pytest.raises(UploadError, match=TOO_BIG):
        list(read_table(xlsx_with_one_huge_cell(cell_mb, 1), "akun.xlsx", ACCOUNT_COLUMNS, 10).rows)


def test_an_xlsx_with_a_150_mb_cell_is_refused_without_the_memory(client, login_as):
    data = xlsx_with_one_huge_cell(150)
    assert len(data) < 6 * 2**20  # small on the wire, like the review's 5.4 MB file
    login_as(UserFactory(role="admin"))
    exact_peak = _peak_rss_reset()
    before = _rss_kb("VmHWM" if exact_peak else "VmRSS")
    resp = post_form(
        client,
        "/accounts/import",
        {"kind": "accounts", "file": (io.BytesIO(data), "akun.xlsx")},
        content_type="multipart/form-data",
    )
    grown_mb = (_rss_kb("VmHWM" if exact_peak else "VmRSS") - before) / 1024
    assert resp.status_code in (200, 400)
    assert TOO_BIG in resp.get_data(as_text=True)
    assert grown_mb < 100, f"the worker grew by {grown_mb:.0f} MB"
    print(f"150 MB cell refused; peak RSS grew by {grown_mb:.1f} MB")
