"""The import pages every feature's routes call: upload and preview, confirm, template."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm.imports.checks import Check
from crm.imports.files import FORMATS, download, read_upload, template_file
from crm.imports.forms import ConfirmImportForm, upload_form
from crm.imports.registry import KINDS, ImportKind, Run, kinds_of
from crm.imports.runs import ImportRejected, dry_run, run_import
from crm.imports.tabular import UploadError
from crm.imports.tickets import (
    Ticket,
    new_ticket,
    previous_run,
    queued_job,
    read_ticket,
    sign_ticket,
    ticket_params,
)
from crm.jobs.services import create_job
from crm.services import ServiceError, refuse, show_error

# A feature's blueprint keeps its URLs and access checks and hands these functions the page
# group (the kinds uploaded on that page) and the scope (parent account, sponsorship).
PREVIEW_LIMIT = 500  # issues listed on the page; the counts are always complete


def _chosen(group: str, name: str | None) -> ImportKind:
    kinds = kinds_of(group)
    return next((k for k in kinds if k.name == name), kinds[0])


def upload_page(group: str, scope: Any = None) -> tuple[str, int] | str:
    """GET: the upload form, the columns and the templates; POST: the dry-run preview."""
    kinds = kinds_of(group)
    form = upload_form(kinds, _chosen(group, request.args.get("kind")).name)
    kind = _chosen(group, form.kind.data if "kind" in form else None)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = read_upload(kind, upload)
            check = dry_run(kind, data, upload.filename or "", Run(kind, current_user, scope))
        except UploadError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            ticket = None
            if check.ok:
                ticket = new_ticket(kind, data, upload.filename, check.total, current_user, scope)
            return preview(kind, scope, check, upload.filename, ticket)
    page = render_template(
        "imports/import.html",
        form=form,
        kind=kind,
        kinds=kinds,
        scope=scope,
        recent=kind.page.recent(scope) if kind.page.recent else None,
        sync_max=current_app.config["IMPORT_SYNC_MAX_ROWS"],
        max_rows=kind.limit("rows"),
        max_mb=kind.limit("bytes") // 2**20,
        **_describe(kind, scope),
    )
    return page, kind.page.refused_status if request.method == "POST" else 200


def _describe(kind: ImportKind, scope: Any) -> dict:
    """The scope's crumb, back link and subtitle, as the kind words them."""
    return kind.page.describe(scope) if kind.page.describe else {}


def preview(
    kind: ImportKind,
    scope: Any,
    check: Check,
    filename: str,
    ticket: Ticket | None,
    changed: bool = False,
) -> str:
    """The dry run: counts, refused rows, warnings, old -> new values; a clean file gets the
    confirm button carrying its signed ticket."""
    confirm = None
    if ticket is not None:
        confirm = ConfirmImportForm(formdata=None, ticket=sign_ticket(ticket))
    page = kind.page
    return render_template(
        "imports/preview.html",
        kind=kind,
        scope=scope,
        check=check,
        filename=filename,
        confirm=confirm,
        changed=changed,
        stats=page.stats(check, scope) if page.stats else _default_stats(check),
        confirm_text=page.confirm_text(check, scope) if page.confirm_text else "",
        note=page.preview_note(check) if page.preview_note else "",
        background=check.total > current_app.config["IMPORT_SYNC_MAX_ROWS"],
        limit=PREVIEW_LIMIT,
        **_describe(kind, scope),
    )


def _default_stats(check: Check) -> list[tuple[Any, str]]:
    return [
        (check.total, _("baris data")),
        (check.good, _("baris siap disimpan")),
        (len(check.bad_lines), _("baris bermasalah")),
    ]


def confirm(group: str, scope: Any = None) -> Response | str:
    """Write a previewed file: at once, or through a job when it is long; a ticket already
    written answers "already saved"; a file whose rows turned invalid is shown again."""
    form = ConfirmImportForm()
    ticket = read_ticket(form.ticket.data, current_user, group, scope) if form.validate() else None
    if ticket is None:
        refuse(_("Pratinjau ini tidak berlaku lagi. Unggah file sekali lagi."))
        return redirect(kinds_of(group)[0].url("page", scope))
    kind = KINDS[ticket.kind]
    if previous_run(kind, ticket.import_id) is not None:
        flash(_("Impor ini sudah disimpan sebelumnya."), "info")
        return redirect(kind.url("done", scope))
    if ticket.rows > current_app.config["IMPORT_SYNC_MAX_ROWS"]:
        return _queue(kind, ticket, scope)
    try:
        outcome = run_import(ticket, current_user)
    except ImportRejected as exc:  # the check only read: nothing to undo
        return preview(kind, scope, exc.check, ticket.filename, None, changed=True)
    except (IntegrityError, UploadError):
        refuse(_("Data berubah saat menyimpan; tidak ada yang disimpan. Unggah file lagi."))
        return redirect(kind.url("page", scope))
    except ServiceError as exc:  # e.g. the sponsorship ended since the preview
        show_error(exc)
        return redirect(kind.url("done", scope))
    if kind.page.done_message:
        flash(kind.page.done_message(outcome), "success")
    return redirect(kind.url("done", scope))


def _queue(kind: ImportKind, ticket: Ticket, scope: Any) -> Response:
    """The job that writes a long file (the same one on a second click); it is enqueued
    once the request commits."""
    job = queued_job(kind, ticket)
    if job is None:
        title = (
            kind.page.job_title(scope, ticket.filename)
            if kind.page.job_title
            else _("Impor %(file)s", file=ticket.filename)
        )
        params = {"ticket": ticket_params(kind, ticket)}
        job = create_job(kind.job_kind, owner=current_user, params=params, title=title[:200])
    flash(_("Impor berjalan di latar belakang; kemajuannya tampil di sini."), "info")
    return redirect(url_for("jobs.detail", job_id=job.id))


def template_download(group: str, fmt: str) -> Response:
    """The header row and one example row, as CSV or XLSX (?kind= on a page of several)."""
    if fmt not in FORMATS:
        abort(404)
    data, filename = template_file(_chosen(group, request.args.get("kind")), fmt, current_user)
    return download(data, filename, fmt)
