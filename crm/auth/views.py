"""/login, /logout, /profile and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from crm.auth import services
from crm.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from crm.extensions import db

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a local path (no scheme, no host, no `//` or backslash trick) may be followed."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if result.locked:
            flash(
                _(
                    "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, masuk dengan email "
                    "ini dikunci selama %(n)d menit.",
                    n=current_app.config["LOGIN_LOCK_MINUTES"],
                ),
                "error",
            )
        elif result.user is None:
            flash(_("Email atau kata sandi salah."), "error")
        else:
            session.clear()
            login_user(result.user)
            if result.must_change_password:
                flash(_("Silakan ganti kata sandi sementara Anda."), "info")
                return redirect(url_for("auth.profile"))
            return redirect(safe_next(form.next.data) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/logout")
def logout_page():
    """A GET shows a confirm button; signing out needs a POST with the CSRF token."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    password_form = ChangePasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang", locale=current_user.locale)
    if password_form.submit.data and password_form.validate_on_submit():
        if services.change_password(
            current_user, password_form.current.data, password_form.new.data
        ):
            db.session.commit()
            login_user(current_user._get_current_object())  # session id carries the new version
            flash(_("Kata sandi diganti."), "success")
            return redirect(url_for("auth.profile"))
        password_form.current.errors.append(_("Kata sandi sekarang salah."))
    elif language_form.submit.data and language_form.validate_on_submit():
        services.set_locale(current_user, language_form.locale.data)
        db.session.commit()
        flash(_("Bahasa disimpan."), "success")
        return redirect(url_for("auth.profile"))
    return render_template(
        "profile/index.html", password_form=password_form, language_form=language_form
    )


@bp.post("/language")
def language():
    """Switch language before signing in (stored in the session) or for the signed-in user."""
    locale = request.form.get("lang-locale")  # the CSRF token is checked by CSRFProtect
    if locale in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
            db.session.commit()
        session["lang"] = locale
    return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))
