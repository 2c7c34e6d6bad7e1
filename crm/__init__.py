"""Relasi: the relationship-manager CRM. create_app() and its register_* helpers only."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from crm import storage
from crm.config import DEFAULT_SECRET_KEY, ROOT, Config
from crm.web import App


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app from a Config (the environment's when none is given)."""
    config = config or Config()
    app = App(
        __name__,
        instance_path=str(config.INSTANCE_PATH),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config.as_dict())
    if config.is_production and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("CRM_ENV=production needs a SECRET_KEY of its own")
    if config.is_production and not app.config.get("PUBLIC_BASE_URL"):
        raise RuntimeError(
            "CRM_ENV=production needs PUBLIC_BASE_URL (e.g. https://relasi.example.go.id): "
            "every letter prints it in its verification link and QR code"
        )
    config.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    register_jobs(app)
    register_hooks(app)
    storage.log_startup_problems(app)
    return app


def register_converters(app: Flask) -> None:
    from crm.routing import DatabaseId, refuse_nul_bytes

    app.url_map.converters["int"] = DatabaseId
    app.before_request(refuse_nul_bytes)


def register_extensions(app: Flask) -> None:
    from flask_login import user_logged_in
    from werkzeug.middleware.proxy_fix import ProxyFix

    from crm import (
        models,  # noqa: F401 - every model registered before use
        resume,
    )
    from crm.auth.access import load_user
    from crm.auth.sessions import start_session, unauthorized
    from crm.extensions import babel, csrf, db, limiter, login_manager, migrate
    from crm.i18n import select_locale

    db.init_app(app)
    # Batch mode lets SQLite alter tables; compare_type catches column type drift.
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    user_logged_in.connect(start_session, app)
    resume.install()
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    # Flask-Login's default message is English and not in our catalog.
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "crm" / "translations"),
    )
    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def register_blueprints(app: Flask) -> None:
    from crm.accounts.people_views import bp as people_bp
    from crm.accounts.transfer_views import bp as accounts_transfer_bp
    from crm.accounts.views import bp as accounts_bp
    from crm.admin.compliance_views import bp as compliance_admin_bp
    from crm.admin.views import bp as admin_bp
    from crm.auth.views import bp as auth_bp
    from crm.cases.views import bp as cases_bp
    from crm.compliance.holiday_views import bp as holidays_bp
    from crm.compliance.views import bp as compliance_bp
    from crm.dashboard.views import bp as dashboard_bp
    from crm.health import bp as health_bp
    from crm.jobs.views import bp as jobs_bp
    from crm.letters.admin_views import bp as letters_admin_bp
    from crm.letters.bulk_views import bp as letter_batches_bp
    from crm.letters.files_views import bp as letter_files_bp
    from crm.letters.preview_views import bp as letter_preview_bp
    from crm.letters.verify import bp as verify_bp
    from crm.letters.views import bp as letters_bp
    from crm.meetings.cadence_views import bp as cadence_bp
    from crm.meetings.calendar_views import bp as calendar_bp
    from crm.meetings.task_views import bp as tasks_bp
    from crm.meetings.views import bp as meetings_bp
    from crm.partners.agreement_views import bp as agreements_bp
    from crm.partners.invitation_views import bp as partner_invitations_bp
    from crm.partners.views import bp as portal_bp
    from crm.sponsorships.admin_views import bp as sponsorship_admin_bp
    from crm.sponsorships.views import bp as sponsorships_bp
    from crm.supply_chain.views import bp as supply_chain_bp

    blueprints = (
        auth_bp,
        dashboard_bp,
        accounts_bp,
        accounts_transfer_bp,
        people_bp,
        admin_bp,
        jobs_bp,
        meetings_bp,
        tasks_bp,
        cadence_bp,
        calendar_bp,
        portal_bp,
        health_bp,
        compliance_bp,
        holidays_bp,
        compliance_admin_bp,
        cases_bp,
        letters_bp,
        letters_admin_bp,
        letter_files_bp,
        letter_batches_bp,
        verify_bp,
        letter_preview_bp,
        supply_chain_bp,
        sponsorships_bp,
        sponsorship_admin_bp,
        agreements_bp,
        partner_invitations_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    from crm.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from crm import resume
    from crm.auth.access import partner_fence, password_change_guard

    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    app.before_request(partner_fence)
    app.before_request(password_change_guard)
    app.before_request(resume.offer_kept_form)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Referrer-Policy", "same-origin")  # a view may be stricter
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        cache = response.headers.get("Cache-Control", "")
        if "no-store" not in cache and _shows_personal_data(response):
            response.headers["Cache-Control"] = "no-store"  # no copy left in a shared cache
        return response


def _shows_personal_data(response) -> bool:
    """Every page and file a signed-in user gets, and every download: only the static
    assets (the same for everyone) may be cached."""
    from flask import request
    from flask_login import current_user

    if request.endpoint == "static":
        return False
    attachment = "attachment" in response.headers.get("Content-Disposition", "")
    return attachment or bool(getattr(current_user, "is_authenticated", False))


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from crm.db import utcnow
    from crm.i18n import register_filters
    from crm.navigation import nav_for, role_label

    register_filters(app)

    @app.context_processor
    def inject_helpers():
        return {
            "nav_for": nav_for,
            "role_label": role_label,
            "current_locale": lambda: str(get_locale() or "id"),
            "now_local": utcnow,
        }


def register_commands(app: Flask) -> None:
    from crm.cli import register

    register(app)


# Modules where features register on other features' hooks (crm.hooks): imported once the
# app is built, by the web app and the worker alike.
HOOK_MODULES = (
    "crm.meetings.account_hooks",
    "crm.compliance.account_hooks",
    "crm.cases.account_hooks",
    "crm.cases.compliance_hooks",  # a compliance import refreshes and closes cases
    "crm.cases.denda",  # letters state the Denda rule in force on their date
    "crm.cases.letters",  # a case letter's issue and receipt move its stage clock
    "crm.cases.bulk_letters",  # the case board as a source of letter batches
    "crm.letters.account_hooks",
)


def register_hooks(app: Flask) -> None:
    import importlib

    for name in HOOK_MODULES:
        importlib.import_module(name)


def register_jobs(app: Flask) -> None:
    from crm.jobs.services import load_job_modules

    load_job_modules(app.config["JOB_MODULES"])
