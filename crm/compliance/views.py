"""/compliance/import (the core system's monthly export, supervisors and admins) and
/accounts/<id>/compliance (an account's 24-month grid and arrears, every CRM role).

The import works like the accounts import: a dry run lists every bad row and writes
nothing; only a clean file can be confirmed, and then it is checked again and upserted all
at once. Files of more than IMPORT_SYNC_MAX_ROWS rows are written by the
`compliance.import` job.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

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
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.accounts.imports.forms import ConfirmImportForm
from crm.accounts.imports.tabular import UploadError
from crm.accounts.models import Account
from crm.auth.access import require_roles, roles_required
from crm.compliance import import_runs
from crm.compliance.arrears import STATES
from crm.compliance.forms import ComplianceImportForm
from crm.compliance.import_rows import COLUMNS
from crm.compliance.models import ComplianceImport
from crm.compliance.services import account_compliance, today_local
from crm.exports import XLSX_MIMETYPE, csv_bytes, xlsx_bytes
from crm.extensions import db
from crm.jobs.services import create_job

bp = Blueprint("compliance", __name__)
bp.before_request(require_roles("admin", "supervisor", "rm"))
PREVIEW_LIMIT = 500  # issues listed on the page; the counts are always complete
MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE}


@bp.app_template_filter("month_year")
def month_year(value: date | None) -> str:
    """`Okt 2026`: a contribution month."""
    return format_date(value, "MMM yyyy") if value else "-"


@bp.app_template_filter("weekday")
def weekday(value: date | None) -> str:
    """`Senin`: the day of the week."""
    return format_date(value, "EEEE") if value else "-"


@bp.route("/compliance/import", methods=["GET", "POST"])
@roles_required(*import_runs.IMPORT_ROLES)
def import_form():
    form = ComplianceImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["COMPLIANCE_IMPORT_MAX_BYTES"]
        data = upload.read(limit + 1)
        try:
            if len(data) > limit:
                raise UploadError(
                    _(
                        "File lebih besar dari %(mb)d MB; bagi menjadi beberapa file.",
                        mb=limit // 2**20,
                    )
                )
            check = import_runs.dry_run(data, upload.filename or "")
        except UploadError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            ticket = None
            if check.ok:
                ticket = import_runs.make_ticket(data, upload.filename, check.total, current_user)
            return _preview(check, upload.filename, ticket)
    recent = db.session.scalars(
        select(ComplianceImport)
        .order_by(ComplianceImport.created_at.desc(), ComplianceImport.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "compliance/import.html",
        form=form,
        columns=COLUMNS,
        recent=recent,
        sync_max=current_app.config["IMPORT_SYNC_MAX_ROWS"],
        max_rows=current_app.config["COMPLIANCE_IMPORT_MAX_ROWS"],
        max_mb=current_app.config["COMPLIANCE_IMPORT_MAX_BYTES"] // 2**20,
    )


def _preview(check, filename: str, ticket, changed: bool = False):
    confirm = None
    if ticket is not None:
        confirm = ConfirmImportForm(formdata=None, ticket=import_runs.sign_ticket(ticket))
    return render_template(
        "compliance/import_preview.html",
        check=check,
        filename=filename,
        confirm=confirm,
        changed=changed,
        background=check.total > current_app.config["IMPORT_SYNC_MAX_ROWS"],
        limit=PREVIEW_LIMIT,
    )


@bp.post("/compliance/import/confirm")
@roles_required(*import_runs.IMPORT_ROLES)
def confirm():
    form = ConfirmImportForm()
    ticket = import_runs.read_ticket(form.ticket.data, current_user) if form.validate() else None
    if ticket is None:
        flash(_("Pratinjau ini tidak berlaku lagi. Unggah file sekali lagi."), "error")
        return redirect(url_for(".import_form"))
    if import_runs.previous_run(ticket.import_id) is not None:
        flash(_("Impor ini sudah disimpan sebelumnya."), "info")
        return redirect(url_for(".import_form"))
    if ticket.rows > current_app.config["IMPORT_SYNC_MAX_ROWS"]:
        job = import_runs.queued_job(ticket) or create_job(
            import_runs.JOB_KIND,
            owner=current_user,
            params={"ticket": asdict(ticket)},
            title=_("Impor kepatuhan %(file)s", file=ticket.filename)[:200],
        )
        db.session.commit()
        flash(_("Impor berjalan di latar belakang; kemajuannya tampil di sini."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    try:
        outcome = import_runs.run_import(ticket, current_user)
        db.session.commit()
    except import_runs.ImportRejected as exc:
        db.session.rollback()
        return _preview(exc.check, ticket.filename, None, changed=True)
    except (IntegrityError, UploadError):
        db.session.rollback()
        flash(_("Data berubah saat menyimpan; tidak ada yang disimpan. Unggah file lagi."), "error")
        return redirect(url_for(".import_form"))
    flash(
        _(
            "Data kepatuhan disimpan: %(new)d bulan baru, %(upd)d bulan diperbarui.",
            new=outcome.created,
            upd=outcome.updated,
        ),
        "success",
    )
    return redirect(url_for(".import_form"))


@bp.get("/compliance/import/template.<fmt>")
@roles_required(*import_runs.IMPORT_ROLES)
def template(fmt: str):
    """The header row and one example row; the XLSX also explains every column."""
    if fmt not in MIMETYPES:
        abort(404)
    headers = [c.header for c in COLUMNS]
    rows = [[c.example for c in COLUMNS]]
    if fmt == "csv":
        data = csv_bytes(headers, rows)
    else:
        guide = [(c.header, _("ya") if c.required else "", str(c.help)) for c in COLUMNS]
        data = xlsx_bytes(headers, rows, "kepatuhan", notes=guide)
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="templat-impor-kepatuhan.{fmt}"'},
    )


def _as_of(raw: str | None) -> tuple[date, bool]:
    """?as_of=YYYY-MM-DD, else today; False when the given value was not a date."""
    today = today_local()
    if not raw:
        return today, True
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, False
    return (day, True) if 2000 <= day.year <= 2100 else (today, False)


@bp.get("/accounts/<int:account_id>/compliance")
def account(account_id: int):
    """The account's contribution months: a 24-month grid and the arrears as of a date."""
    account = db.get_or_404(Account, account_id)
    as_of, valid = _as_of(request.args.get("as_of"))
    if not valid:
        flash(_("Tanggal tidak valid; ditampilkan per hari ini."), "error")
    data = account_compliance(account.id, as_of)
    return render_template(
        "compliance/account.html", account=account, data=data, states=STATES, today=today_local()
    )
