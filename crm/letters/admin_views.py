"""/admin/letterhead and /admin/letter-codes: the letterhead, signatory and tembusan every
letter prints, and the number code and deadline of each letter type. Admins only; every
change is audited. Existing numbers keep their code: a new code applies from the next
approval on."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm import audit
from crm.auth.access import require_roles
from crm.extensions import db
from crm.letters.forms import LetterCodeForm, LetterheadForm
from crm.letters.labels import TYPE_LABELS
from crm.letters.models import TYPES, LetterheadSetting, LetterTypeSetting

bp = Blueprint("letters_admin", __name__, url_prefix="/admin")
bp.before_request(require_roles("admin"))

HEAD_FIELDS = ("office_name", "office_address", "signatory_name", "signatory_title", "tembusan")
CODE_FIELDS = ("code", "deadline_days")


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
        db.session.commit()
        flash(_("Kop surat disimpan; berlaku untuk surat yang disetujui berikutnya."), "success")
        return redirect(url_for(".letterhead"))
    status = 400 if request.method == "POST" else 200
    return render_template("letters/admin_letterhead.html", form=form), status


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
            db.session.commit()
            flash(_("Kode surat %(type)s disimpan.", type=TYPE_LABELS[letter_type]), "success")
            return redirect(url_for(".letter_codes"))
        status = 400
    return (
        render_template("letters/admin_codes.html", forms=forms, types=TYPE_LABELS),
        status,
    )


def _save_code(setting: LetterTypeSetting, form: LetterCodeForm) -> None:
    before = audit.snapshot(setting, CODE_FIELDS) if setting.code else None
    setting.code, setting.deadline_days = form.code.data, form.deadline_days.data
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
