"""/letters/batches/: make letters for a filtered account list or the case board at once,
then submit, approve, render and download them together."""

from __future__ import annotations

import os
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.access import require_roles
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.jobs.services import create_job
from crm.jobs.status import status_payload
from crm.letters import bulk
from crm.letters.jobs import start_render
from crm.letters.labels import letter_label
from crm.letters.models import TYPES, LetterBatch
from crm.letters.services import MAX_BULK
from crm.letters.template_context import LETTER_TYPES
from crm.letters.types import is_case_letter
from crm.letters.workflow import approve_letters, submit_letter
from crm.services import ServiceError, discard_changes, show_error

bp = Blueprint("letter_batches", __name__, url_prefix="/letters/batches")
bp.before_request(require_roles("admin", "supervisor", "rm"))


def _type_choices() -> list[tuple[str, str]]:
    return [(t, LETTER_TYPES.get(t, t)) for t in TYPES if not is_case_letter(t)]


def _filter_args(args) -> dict:
    return {
        k: v
        for k, v in args.items(multi=False)
        if k not in ("source", "csrf_token", "type", "after")
    }


def _source(name: str) -> bulk.TargetSource:
    source = bulk.TARGET_SOURCES.get(name)
    if source is None:
        abort(404)
    return source


def _targets(source: bulk.TargetSource, args: dict) -> list[bulk.Target]:
    """The accounts (or open cases) the list or board shows under these filters."""
    return source.targets(args, current_user, current_app.config["LETTER_BULK_MAX"])


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Choose the letter type for the list's accounts (or the board's cases)."""
    source = _source(request.values.get("source", "accounts"))
    args = _filter_args(request.args if request.method == "GET" else request.form)
    targets = _targets(source, args)
    limit = current_app.config["LETTER_BULK_MAX"]
    error = None
    if request.method == "POST":
        try:
            batch, job = bulk.create_batch(
                request.form.get("type", ""), targets, current_user, _source_label(source, args)
            )
        except ServiceError as exc:
            discard_changes()
            error = str(exc)
        else:
            if job is not None:
                flash(_("Draf surat dibuat di latar belakang."), "info")
            return redirect(url_for(".detail", batch_id=batch.id))
    elif len(targets) > limit:
        error = _(
            "Filter ini memuat lebih dari %(n)s akun. Persempit filter: satu kumpulan surat "
            "paling banyak %(n)s akun.",
            n=f"{limit:,}".replace(",", "."),
        )
    return render_template(
        "letters/batch_new.html",
        source=source.name,
        args=args,
        count=len(targets),
        over=len(targets) > limit,
        limit=limit,
        types=_type_choices(),
        error=error,
    ), (400 if error and request.method == "POST" else 200)


def _source_label(source: bulk.TargetSource, args: dict) -> str:
    return f"{source.path}?{urlencode(args)}" if args else source.path


def _batch_or_403(batch_id: int) -> LetterBatch:
    batch = db.session.get(LetterBatch, batch_id)
    if batch is None:
        abort(404)
    if current_user.role not in ("supervisor", "admin") and batch.created_by_id != current_user.id:
        abort(403)
    return batch


def _visible_job(job_id: str | None) -> BackgroundJob | None:
    job = db.session.get(BackgroundJob, job_id) if job_id else None
    if job is None or (job.owner_id != current_user.id and current_user.role != "admin"):
        return None
    return job


@bp.get("/<int:batch_id>")
def detail(batch_id: int):
    batch = _batch_or_403(batch_id)
    job = _visible_job(batch.render_job_id)
    return render_template(
        "letters/batch.html",
        batch=batch,
        counts=bulk.status_counts(batch.id),
        renders=bulk.render_counts(batch.id),
        job=job,
        status=status_payload(job) if job else None,
        type_title=dict(_type_choices()).get(batch.letter_type, batch.letter_type),
        label=letter_label,
        is_author=batch.created_by_id == current_user.id,
        is_supervisor=current_user.role in ("supervisor", "admin"),
    )


@bp.post("/<int:batch_id>/submit")
def submit_all(batch_id: int):
    """The author submits every draft (and returned letter) of the batch."""
    batch = _batch_or_403(batch_id)
    if batch.created_by_id != current_user.id:
        abort(403)
    done = refused = 0
    for letter in batch.letters:
        if letter.status not in ("draft", "returned"):
            continue
        try:
            submit_letter(letter, current_user)
            done += 1
        except (ServiceError, PermissionError):
            refused += 1
    flash(_("%(n)d surat diajukan.", n=done), "success")
    if refused:
        flash(_("%(n)d surat tidak dapat diajukan; periksa isinya.", n=refused), "error")
    return redirect(url_for(".detail", batch_id=batch.id))


@bp.post("/<int:batch_id>/approve")
def approve_all(batch_id: int):
    """A supervisor approves every submitted letter (numbered in order) and one job renders
    them all, created in the same transaction (it reaches Redis after the commit). Posted
    twice, the second post finds every letter approved and numbers none."""
    batch = _batch_or_403(batch_id)
    if current_user.role not in ("supervisor", "admin"):
        abort(403)
    ids = bulk.batch_letter_ids(batch.id, ("submitted",))
    if not ids:
        flash(_("Tidak ada surat yang menunggu persetujuan."), "info")
        return redirect(url_for(".detail", batch_id=batch.id))
    try:
        approved = []
        for start in range(0, len(ids), MAX_BULK):
            approved += [x.id for x in approve_letters(ids[start : start + MAX_BULK], current_user)]
    except (ServiceError, PermissionError) as exc:
        show_error(exc)
        return redirect(url_for(".detail", batch_id=batch.id))
    if not approved:  # another approval of the same batch got there first
        discard_changes()
        flash(_("Surat-surat ini sudah disetujui; tidak ada nomor yang dipakai."), "info")
        return redirect(url_for(".detail", batch_id=batch.id))
    batch.render_job_id = start_render(approved, current_user).id
    flash(_("%(n)d surat disetujui; PDF sedang dibuat.", n=len(approved)), "success")
    return redirect(url_for(".detail", batch_id=batch.id))


def _download(batch_id: int, fmt: str):
    batch = _batch_or_403(batch_id)
    files = bulk.issued_files(batch.id)
    if not files:
        flash(_("Belum ada surat terbit dalam kumpulan ini."), "info")
        return redirect(url_for(".detail", batch_id=batch.id))
    _build, mimetype, filename = bulk.DOWNLOADS[fmt]
    if len(files) > current_app.config["LETTER_DOWNLOAD_SYNC_MAX"]:
        job = create_job(
            bulk.DOWNLOAD_KIND,
            owner=current_user,
            params={"batch_id": batch.id, "format": fmt},
            title=_("Unduhan kumpulan surat #%(id)d (%(fmt)s)", id=batch.id, fmt=fmt.upper()),
        )
        flash(_("Berkas sedang disiapkan; unduh dari halaman ini setelah selesai."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    tmp = bulk.build_download(fmt, files)  # streamed from disk, closed after the response
    response = send_file(
        tmp,
        mimetype=mimetype,
        as_attachment=fmt == "zip",
        download_name=filename.format(id=batch.id),
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.content_length = os.fstat(tmp.fileno()).st_size
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:batch_id>/letters.zip")
def download_zip(batch_id: int):
    return _download(batch_id, "zip")


@bp.get("/<int:batch_id>/letters.pdf")
def download_pdf(batch_id: int):
    return _download(batch_id, "pdf")
