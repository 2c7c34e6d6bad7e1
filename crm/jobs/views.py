"""/jobs/: the signed-in user's background jobs with live status."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm import storage
from crm.auth.access import require_roles
from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import BackgroundJob
from crm.jobs.status import status_label, status_payload
from crm.pagination import keyset_page
from crm.services import refuse

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
bp.before_request(require_roles("admin", "supervisor", "rm"))


def _visible_job(job_id: str) -> BackgroundJob:
    """The user's own job (admins see every job); anything else is a 404."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or (job.owner_id != current_user.id and current_user.role != "admin"):
        abort(404)
    return job


bp.add_app_template_global(status_label, "job_status_label")


@bp.get("/")
def index():
    show_all = current_user.role == "admin" and request.args.get("all") == "1"
    stmt = select(BackgroundJob)
    if not show_all:
        stmt = stmt.where(BackgroundJob.owner_id == current_user.id)
    page = keyset_page(
        stmt,
        [BackgroundJob.created_at, BackgroundJob.id],
        request.args.get("after"),
        50,
        descending=True,
        key=lambda j: [j.created_at.isoformat(), j.id],
    )
    return render_template(
        "jobs/index.html", page=page, show_all=show_all, status_label=status_label
    )


@bp.get("/<job_id>")
def detail(job_id: str):
    job = _visible_job(job_id)
    return render_template("jobs/detail.html", job=job, status=status_payload(job))


@bp.get("/<job_id>/status")
def status_fragment(job_id: str):
    """The status block alone, polled by htmx until the job is final."""
    job = _visible_job(job_id)
    return render_template("jobs/_status.html", job=job, status=status_payload(job))


@bp.get("/<job_id>.json")
def status(job_id: str):
    return jsonify(status_payload(_visible_job(job_id)))


@bp.post("/<job_id>/retry")
def retry(job_id: str):
    job = _visible_job(job_id)
    try:
        services.retry_job(job, current_user)
        flash(_("Tugas dijalankan ulang."), "success")
    except ValueError:
        refuse(_("Hanya tugas yang gagal yang dapat dijalankan ulang."))
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.post("/<job_id>/cancel")
def cancel(job_id: str):
    job = _visible_job(job_id)
    try:
        services.cancel_job(job, current_user)
        flash(_("Tugas dibatalkan."), "success")
    except ValueError:
        refuse(_("Tugas ini sudah selesai."))
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.get("/<job_id>/download")
def download(job_id: str):
    job = _visible_job(job_id)
    result = job.result or {}
    if job.status != "done" or not storage.exists(result.get("file", "")):
        abort(404)
    # Streamed from the store (a 5,000-letter merged PDF is ~200 MB).
    return storage.send(
        result["file"],
        result.get("mimetype", "application/octet-stream"),
        result.get("filename", "hasil"),
    )
