"""Error pages in the app's layout, and JSON errors for XHR/JSON clients."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
        413: _("Berkas terlalu besar"),
        429: _("Terlalu banyak permintaan"),
        500: _("Terjadi kesalahan pada server"),
    }


def render_error(code: int, detail: str | None = None):
    title = _titles().get(code, _("Terjadi kesalahan"))
    if wants_json():
        return jsonify({"error": title, "detail": detail, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400, _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")
        )

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
        log.exception("unhandled error on %s %s", request.method, request.path)
        from crm.extensions import db

        db.session.rollback()
        return render_error(500)
