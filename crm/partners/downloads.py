"""Agreement document downloads: the response served through the app, and the download log."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from urllib.parse import quote

from flask import Response, abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm import storage
from crm.extensions import db
from crm.pagination import Page, keyset_page
from crm.partners.models import AgreementDocument
from crm.partners.portal_models import DownloadLog

DASHES = str.maketrans("\u2010\u2011\u2012\u2013\u2014\u2212", "------")
LATEST_DOWNLOADS = 10  # shown on the agreement page; the rest on the paginated log


def log_download(document: AgreementDocument, user, ip: str | None) -> DownloadLog:
    """Record who took which version of which file, when and from where (flushed, not
    committed). The log is the audit trail of downloads: no separate audit row."""
    entry = DownloadLog(
        document_id=document.id,
        agreement_id=document.agreement_id,
        user_id=getattr(user, "id", None),
        version=document.version,
        filename=document.filename[:255],
        ip=(ip or "")[:64],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def safe_filename(filename: str) -> str:
    """The stored name as a browser should save it: no folders, no control characters,
    always `.pdf` (the bytes are a PDF whatever an old row's name says)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    stem = stem.strip(" .")[:200] or "dokumen"
    return f"{stem}.pdf"


def ascii_filename(filename: str) -> str:
    """A plain-ASCII stand-in for old clients: accents dropped, anything odd made `_`."""
    stem = safe_filename(filename)[:-4].translate(DASHES)
    decomposed = unicodedata.normalize("NFKD", stem)
    plain = "".join(
        c if c.isascii() else "" if unicodedata.combining(c) else "_" for c in decomposed
    )
    plain = re.sub(r"[^A-Za-z0-9._ -]+", "_", plain)
    # Nothing readable left (a Cyrillic or Chinese name): a neutral word, not `___`.
    if not re.search(r"[A-Za-z0-9]", plain):
        plain = "dokumen"
    return f"{plain.strip(' ._') or 'dokumen'}.pdf"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` and the exact name as RFC 5987 `filename*`."""
    fallback = ascii_filename(filename)  # only [A-Za-z0-9._ -]: nothing to escape
    exact = quote(safe_filename(filename), safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


def ensure_stored(document: AgreementDocument) -> None:
    """404 when the store lost the file (nothing is logged then)."""
    if not storage.exists(document.storage_key):
        abort(404)


def download_response(document: AgreementDocument) -> Response:
    """The PDF streamed from the store as an attachment that no browser or proxy keeps or
    sniffs."""
    response = storage.send(
        document.storage_key, "application/pdf", safe_filename(document.filename)
    )
    response.headers["Content-Disposition"] = content_disposition(document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def latest_downloads(agreement_id: int, limit: int = LATEST_DOWNLOADS) -> list[DownloadLog]:
    """The newest entries of one agreement's log, with their users (one query)."""
    return list(
        db.session.scalars(
            select(DownloadLog)
            .options(joinedload(DownloadLog.user), joinedload(DownloadLog.document))
            .where(DownloadLog.agreement_id == agreement_id)
            .order_by(DownloadLog.at.desc(), DownloadLog.id.desc())
            .limit(limit)
        )
    )


def downloads_page(agreement_id: int, cursor: str | None, per_page: int) -> Page:
    """One page of the agreement's log, newest first (ix_download_log_agreement)."""
    stmt = (
        select(DownloadLog)
        .options(joinedload(DownloadLog.user), joinedload(DownloadLog.document))
        .where(DownloadLog.agreement_id == agreement_id)
    )
    return keyset_page(
        stmt,
        [DownloadLog.at, DownloadLog.id],
        cursor,
        per_page,
        descending=True,
        key=lambda e: [e.at.isoformat(), e.id],
        parse=_parse_cursor,
    )


def _parse_cursor(values: list) -> list | None:
    try:
        at, entry_id = datetime.fromisoformat(values[0]), int(values[1])
    except (TypeError, ValueError):
        return None
    return None if at.tzinfo is None else [at, entry_id]  # a tampered cursor means page 1
