"""/supply-chain/<parent_id>/import: a parent's vendor list (CSV/XLSX). A dry run lists every
bad row and writes nothing; only a clean file can be confirmed, and then it is checked
again and written all at once. Files of more than IMPORT_SYNC_MAX_ROWS rows are written by
the `supply_chain.import` job."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm.accounts.imports.tabular import UploadError
from crm.exports import XLSX_MIMETYPE, csv_bytes, xlsx_bytes
from crm.extensions import db
from crm.jobs.services import create_job
from crm.supply_chain import import_runs
from crm.supply_chain.forms import ConfirmForm, VendorImportForm
from crm.supply_chain.import_rows import COLUMNS
from crm.supply_chain.services import can_manage
from crm.supply_chain.views import bp, parent_or_404

PREVIEW_LIMIT = 500  # issues listed on the page; the counts are always complete
MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE}


def _managed_parent(parent_id: int):
    parent = parent_or_404(parent_id)
    if not can_manage(current_user, parent):
        abort(403)
    return parent


def _read_upload(upload) -> bytes:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            _("File lebih besar dari %(mb)d MB; bagi menjadi beberapa file.", mb=limit // 2**20)
        )
    return data


@bp.route("/<int:parent_id>/import", methods=["GET", "POST"])
def import_form(parent_id: int):
    parent = _managed_parent(parent_id)
    form = VendorImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = _read_upload(upload)
            check = import_runs.dry_run(data, upload.filename or "", parent.id)
        except UploadError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            ticket = None
            if check.ok:
                ticket = import_runs.make_ticket(
                    data, upload.filename, check.total, parent.id, current_user
                )
            return _preview(parent, check, upload.filename, ticket)
    return render_template(
        "supply_chain/import.html",
        parent=parent,
        form=form,
        columns=COLUMNS,
        recent=import_runs.recent_imports(parent.id),
        sync_max=current_app.config["IMPORT_SYNC_MAX_ROWS"],
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
        max_mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20,
    ), (400 if form.errors else 200)


def _preview(parent, check, filename: str, ticket, changed: bool = False):
    confirm = None
    if ticket is not None:
        confirm = ConfirmForm(formdata=None, ticket=import_runs.sign_ticket(ticket))
    return render_template(
        "supply_chain/import_preview.html",
        parent=parent,
        check=check,
        filename=filename,
        confirm=confirm,
        changed=changed,
        background=check.total > current_app.config["IMPORT_SYNC_MAX_ROWS"],
        limit=PREVIEW_LIMIT,
    )


@bp.post("/<int:parent_id>/import/confirm")
def import_confirm(parent_id: int):
    parent = _managed_parent(parent_id)
    form = ConfirmForm()
    ticket = None
    if form.validate():
        ticket = import_runs.read_ticket(form.ticket.data, current_user, parent.id)
    if ticket is None:
        flash(_("Pratinjau ini tidak berlaku lagi. Unggah file sekali lagi."), "error")
        return redirect(url_for(".import_form", parent_id=parent.id))
    if import_runs.previous_run(ticket.import_id) is not None:
        flash(_("Impor ini sudah disimpan sebelumnya."), "info")
        return redirect(url_for(".detail", parent_id=parent.id))
    if ticket.rows > current_app.config["IMPORT_SYNC_MAX_ROWS"]:
        job = import_runs.queued_job(ticket) or create_job(
            import_runs.JOB_KIND,
            owner=current_user,
            params={"ticket": asdict(ticket)},
            title=_("Impor vendor %(parent)s", parent=parent.name)[:200],
        )
        db.session.commit()
        flash(_("Impor berjalan di latar belakang; kemajuannya tampil di sini."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    try:
        outcome = import_runs.run_import(ticket, current_user)
        db.session.commit()
    except import_runs.ImportRejected as exc:
        db.session.rollback()
        return _preview(parent, exc.check, ticket.filename, None, changed=True)
    except (IntegrityError, UploadError):
        db.session.rollback()
        flash(_("Data berubah saat menyimpan; tidak ada yang disimpan. Unggah file lagi."), "error")
        return redirect(url_for(".import_form", parent_id=parent.id))
    flash(
        _(
            "Daftar vendor disimpan: %(new)d vendor baru, %(upd)d vendor diperbarui.",
            new=outcome.created,
            upd=outcome.updated,
        ),
        "success",
    )
    return redirect(url_for(".detail", parent_id=parent.id))


@bp.get("/<int:parent_id>/import/template.<fmt>")
def import_template(parent_id: int, fmt: str):
    """The header row and one example row; the XLSX also explains every column."""
    _managed_parent(parent_id)
    if fmt not in MIMETYPES:
        abort(404)
    headers = [c.header for c in COLUMNS]
    rows = [[c.example for c in COLUMNS]]
    if fmt == "csv":
        data = csv_bytes(headers, rows)
    else:
        guide = [(c.header, _("ya") if c.required else "", str(c.help)) for c in COLUMNS]
        data = xlsx_bytes(headers, rows, "vendor", notes=guide)
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="templat-impor-vendor.{fmt}"'},
    )
