"""/verify/<code>: public verification of an issued letter (no sign-in), and a check that
an uploaded PDF is byte-identical to the one issued (SHA-256 compared)."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm.extensions import db, limiter
from crm.letters.models import Letter
from crm.letters.template_context import LETTER_TYPES
from crm.limits import audit_breach, client_address, setting

bp = Blueprint("verify", __name__, url_prefix="/verify")

ISSUED = ("issued", "dispatched", "received")
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Room for the multipart envelope and the CSRF field around the file itself.
ENVELOPE_BYTES = 64 * 1024


class VerifyUploadForm(FlaskForm):
    document = FileField(validators=[FileRequired()])


def max_upload_bytes() -> int:
    return current_app.config["LETTER_VERIFY_MAX_BYTES"]


@bp.url_value_preprocessor
def bound_upload(endpoint, values) -> None:
    """Runs before every before_request hook (CSRF's reads the form): a body larger than
    the limit is refused before it is parsed or spooled anywhere."""
    request.max_content_length = max_upload_bytes() + ENVELOPE_BYTES


def issued_letter(code: str) -> Letter | None:
    """The issued letter with this code. Every code, well-formed or not, costs the same one
    indexed query, so the response time says nothing about which codes exist."""
    code = code if CODE_SHAPE.fullmatch(code or "") else ""
    letter = db.session.scalar(select(Letter).where(Letter.verify_code == code))
    return letter if letter is not None and letter.status in ISSUED else None


def type_title(letter_type: str) -> str:
    return LETTER_TYPES.get(letter_type, letter_type)


def page(letter: Letter | None, form: VerifyUploadForm, *, result=None, error=None, status=200):
    if letter is None:
        return render_template("letters/verify_unknown.html"), 404
    return (
        render_template(
            "letters/verify.html",
            letter=letter,
            title=type_title(letter.letter_type),
            form=form,
            result=result,
            error=error,
            max_mb=max_upload_bytes() // 2**20,
        ),
        status,
    )


# Public pages: one counter per address for looking up codes and checking uploads alike,
# so guessing codes is slow (VERIFY_LIMIT).
verify_limit = limiter.shared_limit(
    setting("VERIFY_LIMIT"), scope="verify", key_func=client_address, on_breach=audit_breach
)


@bp.get("/<code>")
@verify_limit
def show(code: str):
    return page(issued_letter(code), VerifyUploadForm())


@bp.post("/<code>")
@verify_limit
def check(code: str):
    """Compare an uploaded PDF with the issued one; only its hash is kept, only in memory."""
    letter = issued_letter(code)
    form = VerifyUploadForm()
    if letter is None:
        return page(None, form)
    if not form.validate_on_submit():
        return page(letter, form, error=_("Pilih berkas PDF untuk diperiksa."), status=400)
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: form.document.data.stream.read(1 << 16), b""):
        size += len(chunk)
        if size > max_upload_bytes():
            return too_large(letter, form)
        digest.update(chunk)
    same = hmac.compare_digest(digest.hexdigest(), letter.pdf_sha256 or "")
    return page(letter, form, result={"same": same, "sha256": digest.hexdigest(), "size": size})


def too_large(letter: Letter | None, form: VerifyUploadForm | None = None):
    message = _(
        "Berkas terlalu besar: paling besar %(n)d MB. Berkas tidak diperiksa.",
        n=max_upload_bytes() // 2**20,
    )
    return page(letter, form or VerifyUploadForm(formdata=None), error=message, status=413)


@bp.errorhandler(RequestEntityTooLarge)
def refused_upload(exc):
    code = (request.view_args or {}).get("code", "")
    return too_large(issued_letter(code))
