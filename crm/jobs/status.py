"""A job's live status as the job pages and every page that waits on a job show it (the JSON
the status poller reads, and the server-rendered first paint)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from crm.i18n import long_datetime
from crm.jobs.models import BackgroundJob


def status_payload(job: BackgroundJob) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "label": status_label(job.status),
        "percent": job.percent,
        "done": job.progress_done,
        "total": job.progress_total,
        "message": job.message,
        "error": job.error,
        "final": job.is_final,
        "finished_at": long_datetime(job.finished_at) if job.finished_at else None,
        "download": url_for("jobs.download", job_id=job.id)
        if job.status == "done" and (job.result or {}).get("file")
        else None,
        "link": result_link(job),
    }


def result_link(job: BackgroundJob) -> str | None:
    """Where a finished job's result lives (an import's parent, a campaign's letter batch):
    a local path only, so a stored result can never send the user elsewhere."""
    link = (job.result or {}).get("link") if job.status == "done" else None
    if not isinstance(link, str) or not link.startswith("/") or link.startswith("//"):
        return None
    return None if "\\" in link or any(ord(c) < 32 for c in link) else link


def status_label(status: str) -> str:
    return {
        "queued": _("Mengantre"),
        "running": _("Berjalan"),
        "retrying": _("Menunggu dicoba lagi"),
        "done": _("Selesai"),
        "failed": _("Gagal"),
        "cancelled": _("Dibatalkan"),
    }.get(status, status)
