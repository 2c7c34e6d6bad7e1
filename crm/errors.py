"""Error pages in the app's layout, and JSON errors for XHR/JSON clients."""

from __future__ import annotations

import logging

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from crm import resume
from crm.db import expecting_writes
from crm.extensions import db
from crm.limits import retry_after_seconds

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return (
        request.path.endswith(".json")
        or request.path.startswith("/healthz")
        or request.accept_mimetypes.best == "application/json"
        or request.headers.get("HX-Request") == "true"
    )


def _titles() -> dict[int, str]:
    return {
        400: _("Permintaan tidak valid"),
        401: _("Silakan masuk terlebih dahulu"),
        403: _("Akses ditolak"),
        404: _("Halaman tidak ditemukan"),
        405: _("Metode tidak diizinkan"),
        409: _("Data berubah pada saat yang sama"),
        413: _("Berkas terlalu besar"),
        429: _("Terlalu banyak permintaan"),
        500: _("Terjadi kesalahan pada server"),
        503: _("Server sedang sibuk"),
    }


def render_error(code: int, detail: str | None = None):
    title = _titles().get(code, _("Terjadi kesalahan"))
    if wants_json():
        return jsonify({"error": title, "detail": detail, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


BUSY_RETRY_AFTER_SECONDS = 5
# SQLite's lock timeout, and PostgreSQL's lock and serialization conflicts (psycopg names
# them by SQLSTATE class): someone else held what this request needed for too long.
_BUSY_SQLITE = ("database is locked", "database table is locked", "database is busy")
_BUSY_PGCODES = ("55P03", "40001", "40P01")  # lock not available, serialization, deadlock


def is_busy(exc: BaseException) -> bool:
    """True when the database refused because of another transaction's lock, not a bug."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    if getattr(orig, "sqlstate", None) in _BUSY_PGCODES:
        return True
    return type(orig).__module__ == "sqlite3" and str(orig).lower().startswith(_BUSY_SQLITE)


def busy_response():
    """503 with Retry-After: nothing was saved; the same click a few seconds later works.
    The page itself only reads (the signed-in user, the menu), so it asks for no lock."""
    with expecting_writes(False):
        response, code = render_error(
            503,
            _(
                "Banyak pengguna sedang menyimpan data pada saat yang sama. Tidak ada yang "
                "disimpan; coba lagi dalam beberapa detik."
            ),
        )
        response = current_app.make_response((response, code))
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if not wants_json() and resume.expired_token_of_this_session():
            # A page left open longer than a session lasts: no error page, the same form
            # again with what was typed (kept for the session's user, if any).
            resume.stash_form(resume.session_user_id())
            flash(
                _(
                    "Formulir ini terbuka terlalu lama sehingga kedaluwarsa dan belum "
                    "disimpan. Periksa isiannya lalu kirim lagi."
                ),
                "info",
            )
            return redirect(resume.form_page() or url_for("dashboard.index"))
        return render_error(
            400, _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")
        )

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(exc: RateLimitExceeded):
        wait = retry_after_seconds()
        minutes = max(1, -(-wait // 60))
        detail = _(
            "%(reason)s Coba lagi dalam %(n)d menit.",
            reason=exc.description if exc.limit.error_message else _("Terlalu banyak permintaan."),
            n=minutes,
        )
        response = current_app.make_response(render_error(429, detail))
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        # A description our code gave (abort(400, description=...)) is shown; werkzeug's
        # own English defaults are not.
        custom = exc.description if exc.description != type(exc).description else None
        if exc.code == 413 and custom is None:
            # A body over the request limit is refused before any form is read: say what
            # happened and that nothing was saved.
            custom = _(
                "Berkas atau formulir yang dikirim melebihi batas ukuran. Tidak ada yang "
                "disimpan; perkecil berkasnya lalu coba lagi."
            )
        return render_error(exc.code, custom)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        db.session.rollback()
        if is_busy(exc):
            log.warning("database busy on %s %s: %s", request.method, request.path, exc)
            return busy_response()
        if isinstance(exc, IntegrityError):
            # The request's one commit met a row someone else saved a moment before (a
            # unique key taken at the same time): nothing of this request was kept.
            log.warning("integrity conflict on %s %s: %s", request.method, request.path, exc)
            return render_error(
                409,
                _(
                    "Orang lain menyimpan data yang sama pada saat yang sama. Tidak ada yang "
                    "disimpan; muat ulang halaman lalu periksa sebelum mencoba lagi."
                ),
            )
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
