"""Files in and out of an import: the bounded read of an upload and the downloadable template."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import gettext as _

from crm.exports import XLSX_MIMETYPE, csv_bytes, xlsx_bytes
from crm.imports.registry import ImportKind
from crm.imports.tabular import UploadError

FORMATS = ("csv", "xlsx")
MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE}


def read_upload(kind: ImportKind, upload: Any) -> bytes:
    """The uploaded bytes, or UploadError when the file is above the kind's size limit (read
    one byte past it, never the whole of a huge upload)."""
    limit = kind.limit("bytes")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            _("File lebih besar dari %(mb)d MB; bagi menjadi beberapa file.", mb=limit // 2**20)
        )
    return data


def template_file(kind: ImportKind, fmt: str, user: Any) -> tuple[bytes, str]:
    """The header row and one example row; the XLSX also explains every column."""
    values = {c.key: c.example for c in kind.columns}
    if kind.example is not None:
        values.update(kind.example(user))
    headers = [c.header for c in kind.columns]
    rows = [[values[c.key] for c in kind.columns]]
    if fmt == "csv":
        data = csv_bytes(headers, rows)
    else:
        guide = [(c.header, _("ya") if c.required else "", str(c.help)) for c in kind.columns]
        data = xlsx_bytes(headers, rows, kind.sheet or kind.name, notes=guide)
    return data, f"{kind.file_stem or 'templat-impor-' + kind.name}.{fmt}"


def download(data: bytes, filename: str, fmt: str) -> Response:
    """A file as an attachment."""
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
