"""/login, /logout, /profile and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from crm import resume
from crm.auth import services
from crm.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from crm.extensions import limiter
from crm.limits import audit_breach, client_address, setting
from crm.redirects import redirect_to_next, safe_local_path

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a local path may be followed (crm.redirects decides for every `next`)."""
    return safe_local_path(target)


def login_failed(response) -> bool:
    """deduct_when: only a refused sign-in counts against the limits."""
    return bool(g.get("login_failed"))


def attempted_email() -> str:
    return services.normalize_email(request.form.get("email", ""))[:254]


def account_and_address() -> str:
    email = attempted_email()
    return f"{email}|{client_address()}" if email else ""


def throttled_message() -> str:
    return _(
        "Terlalu banyak percobaan masuk yang gagal. Demi keamanan, tunggu sebentar lalu coba lagi."
    )


def login_limit(setting_name: str, scope: str, key_func):
    return limiter.shared_limit(
        setting(setting_name),
        scope=scope,
        key_func=key_func,
        methods=["POST"],
        deduct_when=login_failed,
        on_breach=audit_breach,
        error_message=throttled_message,
    )


@bp.route("/login", methods=["GET", "POST"])
# Growing waits, never a lock: an attacker's address is slowed on one account and on all,
# while the owner signing in from elsewhere still gets in.
@login_limit("LOGIN_LIMIT_ACCOUNT_ADDRESS", "login-account-address", account_and_address)
@login_limit("LOGIN_LIMIT_ACCOUNT", "login-account", attempted_email)
@login_limit("LOGIN_LIMIT_ADDRESS", "login-address", client_address)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is None:
            g.login_failed = True
            flash(_("Email atau kata sandi salah."), "error")
        else:
            kept_form = resume.take_token()
            session.clear()
            login_user(result.user)
            back_to_form = resume.keep_for(kept_form, result.user.id)
            if result.must_change_password:
                flash(_("Silakan ganti kata sandi sementara Anda."), "info")
                return redirect(url_for("auth.profile"))
            return redirect_to_next(
                back_to_form or form.next.data, fallback=url_for("dashboard.index")
            )
    elif request.method == "POST":
        g.login_failed = True  # an incomplete form counts as a try too
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user)
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
            login_user(current_user._get_current_object())  # session id carries the new version
            flash(_("Kata sandi diganti."), "success")
            return redirect(url_for("auth.profile"))
        password_form.current.errors.append(_("Kata sandi sekarang salah."))
    elif language_form.submit.data and language_form.validate_on_submit():
        services.set_locale(current_user, language_form.locale.data)
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
        session["lang"] = locale
    return redirect_to_next(request.form.get("next"), fallback=url_for("auth.login"))
