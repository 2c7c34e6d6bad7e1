"""/cases/<id>/letter/external and /cases/<id>/reopen: a supervisor records a stage letter
sent outside this system, or reopens a closed case; /cases/<id>/letters/<rid>/scan shows
that letter's scan to whoever may see the case (routes of the cases blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import storage
from crm.cases import access, supervision
from crm.cases.models import CaseLetterRequest
from crm.cases.views import _case_or_403, bp
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.inputs import parse_date
from crm.pdf_safety import read_limited
from crm.services import ServiceError, show_error


def _checked_post(case_id: int):
    case = _case_or_403(case_id)
    if not (access.is_supervisor(current_user) and access.can_act(current_user, case)):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return case


@bp.post("/<int:case_id>/letter/external")
def record_external_letter(case_id: int):
    """Number, date and a PDF scan of a stage letter made outside Relasi."""
    case = _checked_post(case_id)
    upload = request.files.get("scan")
    scan = read_limited(upload.stream, 50 * 2**20) if upload else b""
    try:
        supervision.record_external_letter(
            case,
            request.form.get("number", ""),
            parse_date(request.form.get("day", "")),
            scan or b"",
            request.form.get("reason", ""),
            current_user,
        )
    except ServiceError as exc:
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id, _anchor="surat"))
    flash(_("Surat di luar sistem dicatat; jam tahap berjalan dari tanggalnya."), "success")
    return redirect(url_for(".detail", case_id=case_id))


@bp.get("/<int:case_id>/letters/<int:request_id>/scan")
def letter_scan(case_id: int, request_id: int):
    """The scan of a letter sent outside the system (private file; not cached)."""
    case = _case_or_403(case_id)
    request_row = db.session.get(CaseLetterRequest, request_id)
    if request_row is None or request_row.case_id != case.id or not request_row.scan_key:
        abort(404)
    if not storage.exists(request_row.scan_key):
        abort(404)
    name = f"surat-{request_row.stage}-kasus-{case.id}.pdf"
    return storage.send(request_row.scan_key, "application/pdf", name, as_attachment=False)


@bp.post("/<int:case_id>/reopen")
def reopen(case_id: int):
    case = _checked_post(case_id)
    try:
        supervision.reopen_case(case, request.form.get("reason", ""), current_user)
    except ServiceError as exc:
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    flash(_("Kasus dibuka kembali."), "success")
    return redirect(url_for(".detail", case_id=case_id))
