"""Session lifetime: an idle timeout and an absolute lifetime, checked by the user loader;
an ended session sends its user to sign in again, keeping the form they had just sent."""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _

from crm import resume
from crm.db import utcnow
from crm.errors import wants_json

SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
# The cookie is rewritten at most once a minute, not on every request.
SEEN_RESOLUTION_SECONDS = 60
IDENTITY_KEYS = ("_user_id", "_fresh", "_id", SIGNED_IN_AT, SEEN_AT)


def _now() -> int:
    return int(utcnow().timestamp())


def start_session(sender, user, **extra) -> None:
    """user_logged_in signal: the lifetime and the idle clock start now."""
    now = _now()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def lifetime_ended() -> str | None:
    """'idle' or 'lifetime' when this session is over, else None (and it is seen now)."""
    cfg = current_app.config
    now = _now()
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        start_session(None, None)  # a session from before these checks: its clock starts now
        return None
    if now - signed_in_at > cfg["SESSION_LIFETIME_HOURS"] * 3600:
        return "lifetime"
    if now - seen_at > cfg["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return None


def end_session(reason: str) -> None:
    """Forget who this session was (it is refused from now on) and say why on the next page."""
    g.session_ended = reason
    g.session_user_id = resume.session_user_id()
    for key in IDENTITY_KEYS:
        session.pop(key, None)
    messages = {
        "idle": _(
            "Sesi Anda berakhir karena tidak ada aktivitas selama %(n)d menit. Silakan masuk lagi.",
            n=current_app.config["SESSION_IDLE_MINUTES"],
        ),
        "lifetime": _(
            "Sesi Anda berakhir karena sudah %(n)d jam sejak Anda masuk. Silakan masuk lagi.",
            n=current_app.config["SESSION_LIFETIME_HOURS"],
        ),
        "revoked": _("Sesi Anda sudah diakhiri. Silakan masuk lagi."),
    }
    flash(messages[reason], "info")


def unauthorized():
    """Flask-Login's unauthorized handler: sign in, then come back here (with the form)."""
    if wants_json():
        return jsonify({"error": _("Silakan masuk terlebih dahulu"), "status": 401}), 401
    ended = g.get("session_ended")
    if not ended:
        flash(_("Silakan masuk untuk membuka halaman ini."), "info")
    if request.method == "POST":
        if ended and resume.stash_form(g.get("session_user_id")):
            flash(
                _(
                    "Isian formulir yang Anda kirim disimpan. Setelah masuk, formulir itu "
                    "ditampilkan lagi untuk Anda periksa dan kirim ulang."
                ),
                "info",
            )
        target = resume.form_page()
    else:
        target = request.full_path.rstrip("?")
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))
