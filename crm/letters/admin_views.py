"""/admin/letterhead and /admin/letter-codes: the letterhead, signatory and tembusan every
letter prints, and the number code and deadline of each letter type. Admins only; every
change is audited. Existing numbers keep their code: a new code applies from the next
approval on."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm import audit, storage
from crm.auth.access import require_roles
from crm.extensions import db
from crm.letters.forms import (
    LOGO_MAX_BYTES,
    ConfirmForm,
    LetterCodeForm,
    LetterheadForm,
    LetterheadLogoForm,
)
from crm.letters.labels import TYPE_LABELS
from crm.letters.letterhead import field_labels, placeholder_fields
from crm.letters.models import TYPES, LetterheadSetting, LetterTypeSetting
from crm.letters.types import CASE_LETTER_TYPES

bp = Blueprint("letters_admin", __name__, url_prefix="/admin")
bp.before_request(require_roles("admin"))

HEAD_FIELDS = ("office_name", "office_address", "signatory_name", "signatory_title", "tembusan")
CODE_FIELDS = ("code", "deadline_days", "self_approval")
LOGO_FIELDS = ("logo_key",)
LOGO_ENVELOPE_BYTES = 3 * LOGO_MAX_BYTES  # a little over 1 MB still gets the form's message


@bp.url_value_preprocessor
def bound_logo_upload(endpoint, values) -> None:
    """Before CSRF's hook parses the form: a huge body is refused before it is spooled."""
    if endpoint == "letters_admin.upload_logo":
        request.max_content_length = LOGO_ENVELOPE_BYTES


def _letterhead() -> LetterheadSetting:
    head = db.session.get(LetterheadSetting, 1)
    if head is None:  # the migration seeds it; an emptied table gets a blank one
        head = LetterheadSetting(id=1)
        db.session.add(head)
    return head


@bp.route("/letterhead", methods=["GET", "POST"])
def letterhead():
    head = _letterhead()
    form = LetterheadForm(obj=head) if request.method == "GET" else LetterheadForm()
    if request.method == "POST" and form.validate_on_submit():
        before = audit.snapshot(head, HEAD_FIELDS)
        for name in HEAD_FIELDS:
            value = form[name].data or ""
            if name == "tembusan":
                value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
            setattr(head, name, value)
        db.session.flush()
        audit.record(
            "letterhead.update",
            head,
            summary=_("Kop surat dan penanda tangan diubah"),
            before=before,
            after=audit.snapshot(head, HEAD_FIELDS),
            actor=current_user,
        )
        flash(_("Kop surat disimpan; berlaku untuk surat yang disetujui berikutnya."), "success")
        return redirect(url_for(".letterhead"))
    return _letterhead_page(head, form, status=400 if request.method == "POST" else 200)


def _letterhead_page(head, form=None, logo_form=None, status=200):
    return (
        render_template(
            "letters/admin_letterhead.html",
            form=form or LetterheadForm(obj=head),
            logo_form=logo_form or LetterheadLogoForm(),
            remove_form=ConfirmForm(),
            has_logo=bool(head.logo_key and storage.exists(head.logo_key)),
            placeholders=[field_labels()[f] for f in placeholder_fields(head)],
            logo_version=head.logo_key[:12],
        ),
        status,
    )


@bp.get("/letterhead/logo")
def logo():
    """The uploaded logo, for the admin page only (letters get it inline as a data: URI)."""
    key = _letterhead().logo_key
    if not key or not storage.exists(key):
        abort(404)
    data = storage.read_bytes(key)
    mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "private, no-cache"})


@bp.post("/letterhead/logo")
def upload_logo():
    head = _letterhead()
    logo_form = LetterheadLogoForm()
    if not logo_form.validate_on_submit():
        return _letterhead_page(head, logo_form=logo_form, status=400)
    before = audit.snapshot(head, LOGO_FIELDS)
    head.logo_key = storage.put_bytes(logo_form.image)
    db.session.flush()
    audit.record(
        "letterhead.logo_upload",
        head,
        summary=_("Logo kop surat diunggah (%(type)s)", type=logo_form.mimetype),
        before=before,
        after=audit.snapshot(head, LOGO_FIELDS),
        actor=current_user,
    )
    flash(_("Logo disimpan; berlaku untuk surat yang disetujui berikutnya."), "success")
    return redirect(url_for(".letterhead"))


@bp.post("/letterhead/logo/remove")
def remove_logo():
    head = _letterhead()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if head.logo_key:
        before = audit.snapshot(head, LOGO_FIELDS)
        head.logo_key = ""
        db.session.flush()
        audit.record(
            "letterhead.logo_remove",
            head,
            summary=_("Logo kop surat dihapus; surat memakai logo bawaan"),
            before=before,
            after=audit.snapshot(head, LOGO_FIELDS),
            actor=current_user,
        )
    flash(_("Logo dihapus; surat berikutnya memakai logo bawaan."), "success")
    return redirect(url_for(".letterhead"))


def _settings() -> dict[str, LetterTypeSetting]:
    rows = {s.letter_type: s for s in db.session.scalars(select(LetterTypeSetting))}
    for letter_type in TYPES:
        if letter_type not in rows:
            rows[letter_type] = LetterTypeSetting(letter_type=letter_type, code="B")
    return rows


@bp.route("/letter-codes", methods=["GET", "POST"])
def letter_codes():
    settings = _settings()
    forms = {
        t: LetterCodeForm(formdata=None, prefix=t, obj=settings[t], letter_type=t) for t in TYPES
    }
    status = 200
    if request.method == "POST":
        letter_type = request.form.get("letter_type", "")
        if letter_type not in TYPES:
            flash(_("Jenis surat tidak dikenal."), "error")
            return redirect(url_for(".letter_codes"))
        form = LetterCodeForm(prefix=letter_type)
        form.letter_type.data = letter_type
        forms[letter_type] = form
        if form.validate_on_submit():
            _save_code(settings[letter_type], form)
            flash(_("Kode surat %(type)s disimpan.", type=TYPE_LABELS[letter_type]), "success")
            return redirect(url_for(".letter_codes"))
        status = 400
    return (
        render_template(
            "letters/admin_codes.html",
            forms=forms,
            types=TYPE_LABELS,
            case_letter_types=CASE_LETTER_TYPES,
        ),
        status,
    )


def _save_code(setting: LetterTypeSetting, form: LetterCodeForm) -> None:
    before = audit.snapshot(setting, CODE_FIELDS) if setting.code else None
    setting.code = form.code.data
    setting.self_approval = bool(form.self_approval.data)  # four eyes relaxed: audited below
    if setting.letter_type not in CASE_LETTER_TYPES:  # theirs is the case stage's rule
        setting.deadline_days = form.deadline_days.data
    db.session.add(setting)
    db.session.flush()
    audit.record(
        "letter_code.update",
        setting,
        entity_id=setting.letter_type,
        summary=f"{setting.letter_type}: {setting.code}",
        before=before,
        after=audit.snapshot(setting, CODE_FIELDS),
        actor=current_user,
    )
