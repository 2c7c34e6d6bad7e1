"""/sponsorships/<id>/beneficiaries/... and /sponsorships/<id>/import: adding, editing and
removing beneficiaries, the audited full-NIK view, and the CSV/XLSX import (dry run,
confirm, background job above IMPORT_SYNC_MAX_ROWS). Routes of the `sponsorships`
blueprint; all of them only for the sponsor account's RM, supervisors and admins."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.accounts.imports.forms import ConfirmImportForm
from crm.accounts.imports.runs import ImportRejected
from crm.accounts.imports.tabular import UploadError
from crm.compliance.services import today_local
from crm.exports import XLSX_MIMETYPE, csv_bytes, xlsx_bytes
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.jobs.services import create_job
from crm.services import ServiceError
from crm.sponsorships import beneficiaries as svc
from crm.sponsorships import imports
from crm.sponsorships.forms import BeneficiaryForm, BeneficiaryImportForm
from crm.sponsorships.models import SponsorshipBeneficiary
from crm.sponsorships.nik import mask_nik
from crm.sponsorships.services import is_open
from crm.sponsorships.views import _managed, bp

PREVIEW_LIMIT = 500
MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE}
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
        db.session.commit()
        return True
    except ServiceError as exc:
        db.session.rollback()
        target = form[exc.field] if exc.field in FORM_FIELDS else None
        if target is not None:
            target.errors = [str(exc)]
        else:
            flash(str(exc), "error")
    except IntegrityError:  # the same NIK added at the same moment by someone else
        db.session.rollback()
        form.nik.errors = [_("NIK ini sudah ada di sponsorship ini.")]
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
            db.session.commit()
            flash(_("Penerima manfaat dihapus dari sponsorship ini."), "success")
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
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
    nik = svc.reveal_nik(beneficiary, current_user)
    db.session.commit()
    response = Response(
        render_template("sponsorships/nik.html", s=sponsorship, b=beneficiary, nik=nik)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:sponsorship_id>/beneficiaries.<fmt>")
def export_beneficiaries(sponsorship_id: int, fmt: str):
    """The beneficiary list as CSV or XLSX for the sponsor's RM and supervisors, NIKs masked
    (a full NIK leaves the app only through the audited view, one at a time)."""
    if fmt not in MIMETYPES:
        abort(404)
    sponsorship = _managed(sponsorship_id)
    b = SponsorshipBeneficiary
    rows = db.session.execute(
        select(b.nik, b.name, b.occupation, b.kelurahan, b.kecamatan, b.city, b.phone, b.kpj)
        .where(b.sponsorship_id == sponsorship.id)
        .order_by(b.name, b.id)
    ).all()
    headers = [c.header for c in imports.COLUMNS]
    data_rows = [[mask_nik(r[0]), *(v or "" for v in r[1:])] for r in rows]
    if fmt == "csv":
        data = csv_bytes(headers, data_rows)
    else:
        data = xlsx_bytes(headers, data_rows, "penerima")
    name = f"penerima-sponsorship-{sponsorship.id}.{fmt}"
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- import ----------------------------------------------------------------------------------


@bp.route("/<int:sponsorship_id>/import", methods=["GET", "POST"])
def import_form(sponsorship_id: int):
    sponsorship, closed = _open(sponsorship_id)
    if closed:
        return closed
    form = BeneficiaryImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(imports.MAX_BYTES + 1)
        try:
            if len(data) > imports.MAX_BYTES:
                raise UploadError(
                    _("File lebih besar dari %(mb)d MB.", mb=imports.MAX_BYTES // 2**20)
                )
            check = imports.dry_run(sponsorship, data, upload.filename or "", today_local())
        except UploadError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            ticket = None
            if check.ok:
                ticket = imports.new_ticket(
                    sponsorship, data, upload.filename, check.total, current_user
                )
            return _preview(sponsorship, check, upload.filename, ticket)
    page = render_template(
        "sponsorships/import.html",
        form=form,
        s=sponsorship,
        columns=imports.COLUMNS,
        sync_max=current_app.config["IMPORT_SYNC_MAX_ROWS"],
        max_rows=imports.MAX_ROWS,
    )
    return page, 400 if request.method == "POST" else 200


def _preview(sponsorship, check, filename: str, ticket, changed: bool = False):
    confirm = None
    if ticket is not None:
        confirm = ConfirmImportForm(formdata=None, ticket=imports.sign_ticket(ticket))
    return render_template(
        "sponsorships/import_preview.html",
        s=sponsorship,
        check=check,
        filename=filename,
        confirm=confirm,
        changed=changed,
        limit=PREVIEW_LIMIT,
        background=check.total > current_app.config["IMPORT_SYNC_MAX_ROWS"],
    )


@bp.post("/<int:sponsorship_id>/import/confirm")
def import_confirm(sponsorship_id: int):
    sponsorship = _managed(sponsorship_id)
    back = url_for(".import_form", sponsorship_id=sponsorship.id)
    form = ConfirmImportForm()
    ticket = (
        imports.read_ticket(form.ticket.data, current_user, sponsorship.id)
        if form.validate()
        else None
    )
    if ticket is None:
        flash(_("Pratinjau ini tidak berlaku lagi. Unggah file sekali lagi."), "error")
        return redirect(back)
    if imports.previous_run(ticket.import_id) is not None:
        flash(_("Impor ini sudah disimpan sebelumnya."), "info")
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    if ticket.rows > current_app.config["IMPORT_SYNC_MAX_ROWS"]:
        job = imports.queued_job(ticket) or create_job(
            imports.JOB_KIND,
            owner=current_user,
            params={"ticket": asdict(ticket)},
            title=_("Impor penerima manfaat %(file)s", file=ticket.filename)[:200],
        )
        db.session.commit()
        flash(_("Impor berjalan di latar belakang; kemajuannya tampil di sini."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    try:
        count = imports.run_import(ticket, current_user, today_local())
        db.session.commit()
    except ImportRejected as exc:
        db.session.rollback()
        return _preview(sponsorship, exc.check, ticket.filename, None, changed=True)
    except ServiceError as exc:  # e.g. renewed or ended since the preview
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    except (IntegrityError, UploadError):
        db.session.rollback()
        flash(_("Data berubah saat menyimpan; tidak ada yang disimpan. Unggah file lagi."), "error")
        return redirect(back)
    flash(_("%(n)d penerima manfaat ditambahkan.", n=count), "success")
    return redirect(url_for(".detail", sponsorship_id=sponsorship.id))


@bp.get("/import/template.<fmt>")
def import_template(fmt: str):
    """The header row and one example row; the XLSX also explains every column."""
    if fmt not in MIMETYPES:
        abort(404)
    headers = [c.header for c in imports.COLUMNS]
    rows = [[c.example for c in imports.COLUMNS]]
    if fmt == "csv":
        data = csv_bytes(headers, rows)
    else:
        guide = [(c.header, _("ya") if c.required else "", str(c.help)) for c in imports.COLUMNS]
        data = xlsx_bytes(headers, rows, "penerima", notes=guide)
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="templat-penerima-sponsorship.{fmt}"'
        },
    )
