"""A sponsorship's beneficiaries: add, edit, remove, the audited NIK, export and import."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.compliance.services import today_local
from crm.exports import csv_bytes, xlsx_bytes
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.imports import views as imports
from crm.imports.files import FORMATS, download
from crm.services import ServiceError, refuse, show_error
from crm.sponsorships import beneficiaries as svc
from crm.sponsorships.forms import BeneficiaryForm
from crm.sponsorships.import_rows import COLUMNS
from crm.sponsorships.imports import BENEFICIARIES
from crm.sponsorships.models import SponsorshipBeneficiary
from crm.sponsorships.nik import mask_nik
from crm.sponsorships.services import is_open
from crm.sponsorships.views import _managed, bp

FORM_FIELDS = ("nik", "name", "occupation", "kelurahan", "kecamatan", "city", "phone", "kpj")


def _open(sponsorship_id: int):
    """The managed sponsorship, or a redirect to it with the reason when its beneficiaries
    can no longer change (renewed, cancelled or ended): say so before a form is filled in."""
    sponsorship = _managed(sponsorship_id)
    if is_open(sponsorship, today_local()):
        return sponsorship, None
    flash(_("Penerima manfaat hanya dapat diubah selama sponsorship masih berjalan."), "error")
    return sponsorship, redirect(url_for(".detail", sponsorship_id=sponsorship.id))


def _beneficiary(sponsorship_id: int, beneficiary_id: int):
    sponsorship = _managed(sponsorship_id)
    beneficiary = db.get_or_404(SponsorshipBeneficiary, beneficiary_id)
    if beneficiary.sponsorship_id != sponsorship.id:
        abort(404)
    return sponsorship, beneficiary


def _save(form, sponsorship, beneficiary=None):
    """Check the form with the one set of rules, then add or update; True when saved."""
    raw = {name: form[name].data or "" for name in FORM_FIELDS}
    values, errors = svc.clean_beneficiary(raw, nik_required=beneficiary is None)
    for name, message in errors.items():
        form[name].errors = [message]
    if errors:
        return False
    today = today_local()
    try:
        if beneficiary is None:
            svc.add_beneficiary(sponsorship, values, current_user, today)
        else:
            svc.update_beneficiary(beneficiary, values, current_user, today)
        db.session.flush()  # the unique NIK is checked here, not at the request's commit
        return True
    except ServiceError as exc:
        show_error(exc, form if exc.field in FORM_FIELDS else None)
    except IntegrityError:  # the same NIK added at the same moment by someone else
        refuse(_("NIK ini sudah ada di sponsorship ini."), form, field="nik")
    return False


@bp.route("/<int:sponsorship_id>/beneficiaries/new", methods=["GET", "POST"])
def add_beneficiary(sponsorship_id: int):
    sponsorship, closed = _open(sponsorship_id)
    if closed:
        return closed
    form = BeneficiaryForm()
    if form.validate_on_submit() and _save(form, sponsorship):
        flash(_("Penerima manfaat ditambahkan."), "success")
        if request.form.get("again"):
            return redirect(url_for(".add_beneficiary", sponsorship_id=sponsorship.id))
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    page = render_template(
        "sponsorships/beneficiary_form.html", form=form, s=sponsorship, beneficiary=None
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/<int:sponsorship_id>/beneficiaries/<int:beneficiary_id>/edit", methods=["GET", "POST"])
def edit_beneficiary(sponsorship_id: int, beneficiary_id: int):
    sponsorship, beneficiary = _beneficiary(sponsorship_id, beneficiary_id)
    form = BeneficiaryForm(obj=beneficiary)
    if request.method == "GET":
        form.nik.data = ""  # the full NIK only through the audited view; empty keeps it
    if form.validate_on_submit() and _save(form, sponsorship, beneficiary):
        flash(_("Penerima manfaat disimpan."), "success")
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    page = render_template(
        "sponsorships/beneficiary_form.html", form=form, s=sponsorship, beneficiary=beneficiary
    )
    return page, 400 if request.method == "POST" else 200


@bp.route(
    "/<int:sponsorship_id>/beneficiaries/<int:beneficiary_id>/delete", methods=["GET", "POST"]
)
def remove_beneficiary(sponsorship_id: int, beneficiary_id: int):
    sponsorship, beneficiary = _beneficiary(sponsorship_id, beneficiary_id)
    form = ConfirmForm()
    back = url_for(".detail", sponsorship_id=sponsorship.id)
    if form.validate_on_submit():
        try:
            svc.remove_beneficiary(beneficiary, current_user, today_local())
            flash(_("Penerima manfaat dihapus dari sponsorship ini."), "success")
        except ServiceError as exc:
            show_error(exc)
        return redirect(back)
    return render_template(
        "sponsorships/confirm.html",
        form=form,
        back=back,
        title=_(
            "Hapus %(name)s (%(nik)s) dari sponsorship ini?",
            name=beneficiary.name,
            nik=mask_nik(beneficiary.nik),
        ),
        text=_("Komitmen sponsorship berkurang sesuai jumlah pekerja."),
    )


@bp.post("/<int:sponsorship_id>/beneficiaries/<int:beneficiary_id>/nik")
def show_nik(sponsorship_id: int, beneficiary_id: int):
    """The full NIK, on its own page (never cached), after an audit row is written."""
    sponsorship, beneficiary = _beneficiary(sponsorship_id, beneficiary_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    nik = svc.reveal_nik(beneficiary, current_user)  # its audit row commits with the request
    response = Response(
        render_template("sponsorships/nik.html", s=sponsorship, b=beneficiary, nik=nik)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:sponsorship_id>/beneficiaries.<fmt>")
def export_beneficiaries(sponsorship_id: int, fmt: str):
    """The beneficiary list as CSV or XLSX for the sponsor's RM and supervisors, NIKs masked
    (a full NIK leaves the app only through the audited view, one at a time)."""
    if fmt not in FORMATS:
        abort(404)
    sponsorship = _managed(sponsorship_id)
    b = SponsorshipBeneficiary
    rows = db.session.execute(
        select(b.nik, b.name, b.occupation, b.kelurahan, b.kecamatan, b.city, b.phone, b.kpj)
        .where(b.sponsorship_id == sponsorship.id)
        .order_by(b.name, b.id)
    ).all()
    headers = [c.header for c in COLUMNS]
    data_rows = [[mask_nik(r[0]), *(v or "" for v in r[1:])] for r in rows]
    if fmt == "csv":
        data = csv_bytes(headers, data_rows)
    else:
        data = xlsx_bytes(headers, data_rows, "penerima")
    return download(data, f"penerima-sponsorship-{sponsorship.id}.{fmt}", fmt)


# -- import (the pipeline's pages, crm.imports.views) ----------------------------------------


@bp.route("/<int:sponsorship_id>/import", methods=["GET", "POST"])
def import_form(sponsorship_id: int):
    sponsorship, closed = _open(sponsorship_id)
    if closed:
        return closed
    return imports.upload_page(BENEFICIARIES.page_group, sponsorship)


@bp.post("/<int:sponsorship_id>/import/confirm")
def import_confirm(sponsorship_id: int):
    return imports.confirm(BENEFICIARIES.page_group, _managed(sponsorship_id))


@bp.get("/import/template.<fmt>")
def import_template(fmt: str):
    """The header row and one example row; the XLSX also explains every column."""
    return imports.template_download(BENEFICIARIES.page_group, fmt)
