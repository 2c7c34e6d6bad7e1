"""Agreement documents: PDF checks by content, versioned storage under random keys, the
cover letter attached when it is issued, and the internal download.

A document is identified by (agreement, kind, title): uploading the same kind and title again
is the next version, and the highest version is the current one. Files go to crm.storage
under a random key (never under static/), with the original name kept for the download.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata

from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from crm import audit, pdf_safety, storage
from crm.extensions import db
from crm.partners.access import can_edit
from crm.partners.downloads import log_download
from crm.partners.models import Agreement, AgreementDocument
from crm.services import ServiceError

log = logging.getLogger(__name__)
UPLOAD_KINDS = ("signed", "annex", "guideline")


def max_upload_bytes() -> int:
    return int(current_app.config["AGREEMENT_MAX_UPLOAD_BYTES"])


def too_large_message() -> str:
    return _(
        "Berkas terlalu besar: paling besar %(n)d MB. Berkas tidak disimpan.",
        n=max_upload_bytes() // 2**20,
    )


def check_pdf(data: bytes) -> None:
    """Refuse anything but a readable, passive PDF of at most the configured size."""
    pdf_safety.check_pdf(data, max_upload_bytes(), too_large_message())


def clean_filename(name: str | None) -> str:
    """The original file name without folders or control characters, ending in .pdf."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable()).strip()
    base = re.sub(r"\s+", " ", base).strip(" .") or "dokumen"
    if not base.lower().endswith(".pdf"):
        base = f"{base}.pdf"
    return base[-200:] if len(base) > 200 else base


def next_version(agreement_id: int, kind: str, title: str) -> int:
    latest = db.session.scalar(
        select(func.max(AgreementDocument.version)).where(
            AgreementDocument.agreement_id == agreement_id,
            AgreementDocument.kind == kind,
            AgreementDocument.title == title,
        )
    )
    return (latest or 0) + 1


def add_document(
    agreement: Agreement,
    kind: str,
    title: str,
    data: bytes,
    filename: str | None,
    actor,
    *,
    report_id: int | None = None,
    check: bool = True,
) -> AgreementDocument:
    """Check and store one PDF as the next version of (kind, title). Nothing is stored
    when the file is refused."""
    if check and not can_edit(actor, agreement):
        raise PermissionError(_("Anda tidak bertanggung jawab atas kerja sama ini."))
    if kind not in (*UPLOAD_KINDS, "evidence"):
        raise ServiceError(_("Pilih jenis dokumen."), "kind")
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Isi judul dokumen."), "title")
    check_pdf(data)
    key = storage.put_private(data)
    try:
        doc = AgreementDocument(
            agreement_id=agreement.id,
            kind=kind,
            title=title[:200],
            version=next_version(agreement.id, kind, title[:200]),
            storage_key=key,
            filename=clean_filename(filename),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            report_id=report_id,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(doc)
        db.session.flush()
    except IntegrityError as exc:  # the same version written at the same moment by another
        storage.discard(key)
        raise ServiceError(
            _("Dokumen ini baru saja diunggah bersamaan oleh orang lain. Coba unggah lagi."),
            "file",
        ) from exc
    except Exception:
        storage.discard(key)  # no row, no file: a failed write leaves nothing behind
        raise
    audit.record(
        "agreement.document",
        doc,
        summary=f"{kind} '{doc.title}' v{doc.version} pada kerja sama #{agreement.id}",
        after={"filename": doc.filename, "size": doc.size, "sha256": doc.sha256},
        actor=actor,
    )
    return doc


def document_groups(agreement_id: int) -> list[dict]:
    """The agreement's documents (not report evidence), one group per (kind, title): the
    current version first and the older ones after it."""
    docs = db.session.scalars(
        select(AgreementDocument)
        .options(joinedload(AgreementDocument.uploaded_by))
        .where(
            AgreementDocument.agreement_id == agreement_id, AgreementDocument.report_id.is_(None)
        )
        .order_by(AgreementDocument.kind, AgreementDocument.title, AgreementDocument.version.desc())
    ).all()
    groups: dict[tuple[str, str], list[AgreementDocument]] = {}
    for doc in docs:
        groups.setdefault((doc.kind, doc.title), []).append(doc)
    order = {k: i for i, k in enumerate((*UPLOAD_KINDS, "cover_letter", "evidence"))}
    return [
        {"kind": kind, "title": title, "current": versions[0], "older": versions[1:]}
        for (kind, title), versions in sorted(groups.items(), key=lambda kv: order[kv[0][0]])
    ]


def attach_cover_letter(letter) -> AgreementDocument | None:
    """An issued Surat Pengantar MoU joins its agreement's documents (once)."""
    if letter.letter_type != "pengantar_mou" or not letter.pdf_key:
        return None
    agreement_id = ((letter.facts or {}).get("agreement") or {}).get("agreement_id")
    agreement = db.session.get(Agreement, agreement_id) if isinstance(agreement_id, int) else None
    if agreement is None:
        return None
    existing = db.session.scalar(
        select(AgreementDocument).where(AgreementDocument.letter_id == letter.id)
    )
    if existing is not None:
        return existing
    title = str(_("Surat pengantar"))
    size = storage.size(letter.pdf_key)
    doc = AgreementDocument(
        agreement_id=agreement.id,
        kind="cover_letter",
        title=title,
        version=next_version(agreement.id, "cover_letter", title),
        storage_key=letter.pdf_key,
        filename=clean_filename(re.sub(r"[^A-Za-z0-9._-]+", "-", letter.number or "surat")),
        size=size,
        sha256=letter.pdf_sha256 or "",
        letter_id=letter.id,
        uploaded_by_id=None,
    )
    db.session.add(doc)
    db.session.flush()
    audit.record(
        "agreement.document",
        doc,
        summary=f"Surat pengantar {letter.number} dilampirkan pada kerja sama #{agreement.id}",
        actor=None,
    )
    return doc


def download_response(doc: AgreementDocument) -> Response:
    """The file as an attachment under its original name (werkzeug writes the RFC 5987
    filename* form for names that are not ASCII)."""
    response = storage.send(doc.storage_key, "application/pdf", doc.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def record_download(doc: AgreementDocument, user, ip: str | None) -> None:
    """Internal downloads go to the same log as the portal's (crm.partners.downloads)."""
    log_download(doc, user, ip)
