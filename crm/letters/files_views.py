"""/letters/<id>/pdf (the frozen PDF of an issued letter), /letters/<id>/reprint.pdf (a fresh
copy stamped SALINAN, never stored as the original), /letters/<id>/preview.pdf (the draft as
it would print, watermarked DRAF, unnumbered, never stored) and /letters/<id>/status.json
(the render status the letter page polls)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, storage
from crm.auth.access import require_roles
from crm.extensions import db, limiter
from crm.letters.context import letter_context
from crm.letters.labels import RENDER_LABELS, STATUS_LABELS
from crm.letters.models import Letter, LetterEvent
from crm.letters.render import RenderError, render_letter
from crm.letters.services import can_view
from crm.limits import audit_breach, setting, user_key
from crm.services import refuse

PREVIEW_STATUSES = ("draft", "submitted", "returned")  # before a number is given

bp = Blueprint("letter_files", __name__)
# Partners never get here: the partner fence answers 403 before this hook runs.
bp.before_request(require_roles("admin", "supervisor", "rm"))


def visible_letter(letter_id: int) -> Letter:
    """The letter if the user may see it: 404 when it does not exist, 403 when not theirs."""
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    if not can_view(current_user, letter):
        abort(403)
    return letter


def pdf_response(data: bytes, filename: str, etag: str | None = None) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    if etag:
        response.set_etag(etag)
    return response


@bp.get("/letters/<int:letter_id>/pdf")
def pdf(letter_id: int):
    """The stored bytes of the issued letter, exactly as frozen (never rendered again)."""
    letter = visible_letter(letter_id)
    if not letter.is_frozen or not letter.pdf_key or not storage.exists(letter.pdf_key):
        abort(404)
    return pdf_response(
        storage.read_bytes(letter.pdf_key), letter.pdf_filename(), letter.pdf_sha256
    )


@bp.get("/letters/<int:letter_id>/reprint.pdf")
def reprint(letter_id: int):
    """A copy rendered fresh from the same context with a SALINAN stamp; not stored."""
    letter = visible_letter(letter_id)
    if not letter.is_frozen:
        abort(404)
    try:
        context = letter_context(letter, copy=True)
        # End the read transaction before the slow render: on SQLite it holds the write lock.
        data = render_letter(context)
    except RenderError as exc:
        refuse(_("Salinan tidak dapat dibuat: %(reason)s", reason=str(exc)[:200]))
        return redirect(url_for("letters.detail", letter_id=letter_id))
    letter = db.session.get(Letter, letter_id)
    db.session.add(LetterEvent(letter_id=letter.id, kind="reprinted", actor_id=current_user.id))
    audit.record(
        "letter.reprinted",
        letter,
        summary=_("Salinan surat %(number)s dicetak", number=letter.number or letter.id),
    )
    return pdf_response(data, letter.pdf_filename("-salinan"))


@bp.get("/letters/<int:letter_id>/preview.pdf")
# Rendered while the user waits, like the samples at /letters/preview/ (LETTER_PREVIEW_LIMIT).
@limiter.limit(setting("LETTER_PREVIEW_LIMIT"), key_func=user_key, on_breach=audit_breach)
def preview(letter_id: int):
    """The current draft as it would print: DRAF on every page, the number a placeholder;
    rendered in the request and never stored."""
    letter = visible_letter(letter_id)
    if letter.status not in PREVIEW_STATUSES:
        abort(404)
    try:
        context = letter_context(letter) | {"number": None, "copy": False}
        data = render_letter(context)
    except RenderError as exc:
        refuse(_("Pratinjau tidak dapat dibuat: %(reason)s", reason=str(exc)[:200]))
        return redirect(url_for("letters.detail", letter_id=letter_id))
    return pdf_response(data, f"draf-surat-{letter_id}.pdf")


@bp.get("/letters/<int:letter_id>/status.json")
def status(letter_id: int):
    """The letter's state and its PDF's, for the letter page to update itself."""
    letter = visible_letter(letter_id)
    ready = letter.is_frozen and bool(letter.pdf_key)
    response = jsonify(
        id=letter.id,
        status=letter.status,
        status_label=str(STATUS_LABELS.get(letter.status, letter.status)),
        number=letter.number,
        render_status=letter.render_status,
        render_label=str(RENDER_LABELS.get(letter.render_status, letter.render_status)),
        render_error=(letter.render_error or "") if letter.render_status == "failed" else "",
        pdf_url=url_for(".pdf", letter_id=letter.id) if ready else None,
        final=letter.render_status not in ("queued", "rendering"),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
