"""/accounts/import and /accounts/export: CSV/XLSX import with a dry-run preview, templates,
and export of the filtered account list.

An upload is checked without writing anything; the preview lists every bad row (row,
column, reason). Only a file without errors can be confirmed: the stored upload is checked
again and written all at once. Files of more than IMPORT_SYNC_MAX_ROWS rows are written
by the `accounts.import` job instead (its page shows progress).
"""

from __future__ import annotations

from dataclasses import asdict

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm.accounts.imports import export as exporting
from crm.accounts.imports import runs
from crm.accounts.imports.columns import COLUMNS
from crm.accounts.imports.forms import ConfirmImportForm, ImportForm
from crm.accounts.imports.tabular import UploadError
from crm.accounts.views import list_filters
from crm.auth.access import require_roles
from crm.extensions import db
from crm.jobs.services import create_job

bp = Blueprint("accounts_transfer", __name__, url_prefix="/accounts")
bp.before_request(require_roles("admin", "supervisor", "rm"))
PREVIEW_LIMIT = 500  # issues listed on the page; the counts are always complete


def _kind(value: str | None) -> str:
    return value if value in runs.KINDS else "accounts"


def _file_response(out: exporting.ExportFile) -> Response:
    return Response(
        out.data,
        mimetype=out.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


@bp.route("/import", methods=["GET", "POST"])
def import_form():
    form = ImportForm()
    if request.method == "GET":
        form.kind.data = _kind(request.args.get("kind"))
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["IMPORT_MAX_BYTES"]
        data = upload.read(limit + 1)
        try:
            if len(data) > limit:
                raise UploadError(
                    _(
                        "File lebih besar dari %(mb)d MB; bagi menjadi beberapa file.",
                        mb=limit // 2**20,
                    )
                )
            check = runs.dry_run(form.kind.data, data, upload.filename or "", current_user)
        except UploadError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            ticket = None
            if check.ok:
                ticket = runs.new_ticket(
                    form.kind.data, data, upload.filename, check.total, current_user
                )
            return _preview(check, upload.filename, ticket)
    kind = _kind(form.kind.data)
    return render_template(
        "accounts/import.html",
        form=form,
        kind=kind,
        columns=COLUMNS[kind],
        sync_max=current_app.config["IMPORT_SYNC_MAX_ROWS"],
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
        max_mb=current_app.config["IMPORT_MAX_BYTES"] // 2**20,
    )


def _preview(check, filename: str, ticket: runs.Ticket | None, changed: bool = False):
    confirm = None
    if ticket is not None:
        confirm = ConfirmImportForm(formdata=None, ticket=runs.sign_ticket(ticket))
    return render_template(
        "accounts/import_preview.html",
        check=check,
        filename=filename,
        confirm=confirm,
        changed=changed,
        background=check.total > current_app.config["IMPORT_SYNC_MAX_ROWS"],
        limit=PREVIEW_LIMIT,
    )


@bp.post("/import/confirm")
def confirm():
    form = ConfirmImportForm()
    ticket = runs.read_ticket(form.ticket.data, current_user) if form.validate() else None
    if ticket is None:
        flash(_("Pratinjau ini tidak berlaku lagi. Unggah file sekali lagi."), "error")
        return redirect(url_for(".import_form"))
    if runs.previous_run(ticket.import_id) is not None:
        flash(_("Impor ini sudah disimpan sebelumnya."), "info")
        return redirect(url_for("accounts.index"))
    if ticket.rows > current_app.config["IMPORT_SYNC_MAX_ROWS"]:
        job = runs.queued_job(ticket) or create_job(
            runs.JOB_KIND,
            owner=current_user,
            params={"ticket": asdict(ticket)},
            title=_("Impor %(file)s", file=ticket.filename)[:200],
        )
        db.session.commit()
        flash(_("Impor berjalan di latar belakang; kemajuannya tampil di sini."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    try:
        outcome = runs.run_import(ticket, current_user)
        db.session.commit()
    except runs.ImportRejected as exc:
        db.session.rollback()
        return _preview(exc.check, ticket.filename, None, changed=True)
    except (IntegrityError, UploadError):
        db.session.rollback()
        flash(_("Data berubah saat menyimpan; tidak ada yang disimpan. Unggah file lagi."), "error")
        return redirect(url_for(".import_form", kind=ticket.kind))
    noun = (
        ngettext("%(num)d akun diimpor.", "%(num)d akun diimpor.", outcome.created)
        if ticket.kind == "accounts"
        else ngettext(
            "%(num)d jabatan key person diimpor.",
            "%(num)d jabatan key person diimpor.",
            outcome.created,
        )
    )
    flash(noun, "success")
    return redirect(url_for("accounts.index"))


@bp.get("/import/template.<fmt>")
def template(fmt: str):
    """The header row and one example row, as CSV or XLSX (?kind=accounts|people)."""
    if fmt not in exporting.FORMATS:
        abort(404)
    return _file_response(
        exporting.template_file(_kind(request.args.get("kind")), fmt, current_user)
    )


@bp.post("/export")
def export():
    """Export the account list with the list's filters (from the query string, as on
    /accounts/, so an RM without `rm` gets their own portfolio) as CSV or XLSX.

    Up to EXPORT_SYNC_MAX_ROWS accounts download at once; a longer list becomes an
    `accounts.export` job, and its file is downloaded from the job page.
    """
    fmt = request.form.get("format") or request.args.get("format", "")
    if fmt not in exporting.FORMATS:
        abort(400)
    filters, _rm_arg = list_filters()
    if exporting.count_accounts(filters) <= current_app.config["EXPORT_SYNC_MAX_ROWS"]:
        return _file_response(exporting.account_export(filters, fmt))
    job = create_job(
        "accounts.export",
        owner=current_user,
        params={"filters": asdict(filters), "format": fmt},
        title=_("Ekspor daftar akun (%(fmt)s)", fmt=fmt.upper()),
    )
    db.session.commit()
    flash(_("Ekspor berjalan di latar belakang; unduh hasilnya di halaman ini."), "info")
    return redirect(url_for("jobs.detail", job_id=job.id))
