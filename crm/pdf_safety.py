"""Uploaded PDFs checked before they are stored: a real, readable PDF within a size limit,
with nothing in it that can act on its own (JavaScript, launch or submit actions, embedded
files). Used by every feature that takes a PDF (agreements, scans of letters)."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from crm.services import ServiceError

PDF_MAGIC = b"%PDF-"


def check_pdf(data: bytes, max_bytes: int, too_large: str) -> None:
    """Refuse anything but a readable PDF of at most max_bytes: the first bytes must be the
    PDF signature and pypdf must read its pages (a renamed .exe or a damaged file fails
    either check, whatever its name), and nothing in it may act on its own."""
    if not data:
        raise ServiceError(_("Berkas kosong. Pilih berkas PDF."), "file")
    if len(data) > max_bytes:
        raise ServiceError(too_large, "file")
    if not data.startswith(PDF_MAGIC):
        raise ServiceError(
            _("Berkas ini bukan PDF (isinya bukan dokumen PDF). Unggah dokumen PDF."), "file"
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = len(reader.pages)
        found = active_content(reader) if pages else []
    except Exception:  # pypdf raises many kinds of errors on a bad file
        pages, found = 0, []
    if pages < 1:
        raise ServiceError(
            _("PDF ini rusak atau tidak dapat dibaca. Unggah ulang dari berkas aslinya."), "file"
        )
    if found:
        raise ServiceError(
            _(
                "PDF ini berisi konten aktif (%(what)s) yang dapat berjalan di komputer mitra. "
                "Cetak ulang dokumen ke PDF biasa lalu unggah lagi.",
                what=", ".join(found),
            ),
            "file",
        )


# Actions that run something, send data, or open another file, wherever they sit.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/Rendition"}
ACTIVE_KEYS = {"/JS": "JavaScript", "/AA": "AA", "/EmbeddedFiles": "EmbeddedFile"}
WALK_BUDGET = 200_000  # objects: a normal agreement has a few thousand


def active_content(reader) -> list[str]:
    """What in the PDF can act on its own: JavaScript, an action run on opening (a plain
    "open at this page" destination is fine), launch/submit actions, embedded files. The
    whole object graph is walked from the trailer; a graph past the budget counts too."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack, steps = [reader.trailer], 0
    while stack:
        steps += 1
        if steps > WALK_BUDGET:
            found.add(_("struktur terlalu besar"))
            break
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, DictionaryObject):
            found.update(_active_in(obj))
            stack.extend(obj.values())
    return sorted(found)


def _active_in(d) -> set[str]:
    found = {label for key, label in ACTIVE_KEYS.items() if key in d}
    action = d.get("/S")
    if action in ACTIVE_ACTIONS:
        found.add(action.lstrip("/"))
    if d.get("/Type") in ("/EmbeddedFile", "/Filespec") and "/EF" in d:
        found.add("EmbeddedFile")
    if d.get("/Subtype") in ("/FileAttachment", "/RichMedia", "/Screen"):
        found.add(d["/Subtype"].lstrip("/"))
    opening = d.get("/OpenAction")
    if opening is not None and not isinstance(opening.get_object(), list):
        found.add("OpenAction")
    return found


def read_limited(stream, limit: int) -> bytes | None:
    """The stream's bytes, or None as soon as it grows past `limit` (not read further)."""
    buffer = io.BytesIO()
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        buffer.write(chunk)
        if buffer.tell() > limit:
            return None
    return buffer.getvalue()
