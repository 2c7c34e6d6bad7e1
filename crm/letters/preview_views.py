"""/letters/preview/: every letter type rendered with fictional sample data, to check layout."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from crm.auth.access import require_roles
from crm.extensions import limiter
from crm.letters.context import letterhead_context
from crm.letters.render import render_letter
from crm.letters.samples import sample_context
from crm.letters.template_context import LETTER_TYPES
from crm.limits import audit_breach, setting, user_key

bp = Blueprint("letter_preview", __name__, url_prefix="/letters/preview")
bp.before_request(require_roles("admin", "supervisor", "rm"))


@bp.get("/")
def index():
    return render_template("letters/preview_index.html", letter_types=LETTER_TYPES)


@bp.get("/<letter_type>.pdf")
# Each sample is rendered while the user waits: a few a minute per user (LETTER_PREVIEW_LIMIT).
@limiter.limit(setting("LETTER_PREVIEW_LIMIT"), key_func=user_key, on_breach=audit_breach)
def pdf(letter_type: str):
    if letter_type not in LETTER_TYPES:
        abort(404)
    # Sample facts on the letterhead the admin has set (logo, signatory, tembusan).
    body = render_letter(sample_context(letter_type, letterhead=letterhead_context()))
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="contoh-{letter_type}.pdf"',
            "Cache-Control": "no-store",
        },
    )
