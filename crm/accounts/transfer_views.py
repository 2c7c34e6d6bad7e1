"""/accounts/import (the import pipeline's pages) and /accounts/export (the account list)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.accounts.imports import export as exporting
from crm.accounts.imports.kinds import ACCOUNTS
from crm.accounts.views import list_filters
from crm.auth.access import require_roles
from crm.imports import views as imports
from crm.jobs.services import create_job

bp = Blueprint("accounts_transfer", __name__, url_prefix="/accounts")
bp.before_request(require_roles("admin", "supervisor", "rm"))
GROUP = ACCOUNTS.page_group  # accounts and key persons share one page


@bp.route("/import", methods=["GET", "POST"])
def import_form():
    return imports.upload_page(GROUP)


@bp.post("/import/confirm")
def confirm():
    return imports.confirm(GROUP)


@bp.get("/import/template.<fmt>")
def template(fmt: str):
    """The header row and one example row, as CSV or XLSX (?kind=accounts|people)."""
    return imports.template_download(GROUP, fmt)


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
        out = exporting.account_export(filters, fmt)
        return Response(
            out.data,
            mimetype=out.mimetype,
            headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
        )
    job = create_job(
        "accounts.export",
        owner=current_user,
        params={"filters": asdict(filters), "format": fmt},
        title=_("Ekspor daftar akun (%(fmt)s)", fmt=fmt.upper()),
    )
    flash(_("Ekspor berjalan di latar belakang; unduh hasilnya di halaman ini."), "info")
    return redirect(url_for("jobs.detail", job_id=job.id))
