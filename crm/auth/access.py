"""Who may see what: the user loader, role guards and the partner fence."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user
from werkzeug.routing import RequestRedirect

from crm import audit
from crm.auth.models import User
from crm.auth.sessions import end_session, lifetime_ended
from crm.extensions import db, login_manager

log = logging.getLogger(__name__)

# A partner user sees the portal and nothing of the CRM. Everything else is refused.
# `verify.` is the public letter verification, open to anyone, signed in or not.
# A CRM page answers 403 before any lookup, for every id alike, so it tells nothing about
# what exists; inside the portal, another institution's ids answer 404 (crm.partners.portal).
PARTNER_ENDPOINT_PREFIXES = ("portal.", "auth.", "static", "health.", "verify.")
PARTNER_ENDPOINTS = ("dashboard.index",)  # `/` redirects a partner to the portal
# Paths browsers ask for on their own: a 404 there is no guess, so it is not logged.
BROWSER_PROBES = ("/favicon.ico", "/apple-touch-icon", "/robots.txt", "/.well-known/")


def load_user(user_id: str):
    """Flask-Login loader: the session version in the id makes sessions ended by a sign-out,
    a password or role change or a deactivation invalid; the idle timeout and the absolute
    lifetime end the others."""
    try:
        raw_id, raw_version = user_id.split(".", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or user.session_version != version or not user.active:
        end_session("revoked")
        return None
    ended = lifetime_ended()
    if ended:
        end_session(ended)
        return None
    return user


def partner_fence():
    """before_request: partners reach only the portal, sign-in/out and static files."""
    if not current_user.is_authenticated or current_user.role != "partner":
        return None
    endpoint = request.endpoint or ""
    if endpoint.startswith(PARTNER_ENDPOINT_PREFIXES) or endpoint in PARTNER_ENDPOINTS:
        return None
    if isinstance(request.routing_exception, RequestRedirect):
        # `/portal` → `/portal/`: only the slash differs, so the redirect tells nothing and
        # this fence judges the new URL. Not a guess: no 404, no audit row.
        return None
    if endpoint:
        # The same 403 for every CRM page and id: a log line, no audit row (refusals of
        # CRM pages leave the audit log untouched, as for any other role).
        log.warning(
            "partner user %s (account %s) refused %s %s",
            current_user.id,
            current_user.account_id,
            request.method,
            loggable(request.path[:300]),
        )
        abort(403)
    if not request.path.startswith(BROWSER_PROBES):
        record_partner_denial("no_route")  # a guessed file or download URL
    abort(404)
    return None


def loggable(text: str) -> str:
    """A URL path as one log line: `%0A` in a guessed URL arrives here as a real newline,
    which would let the guesser write fake lines into the log."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def record_partner_denial(reason: str) -> None:
    """A partner asked for something outside their institution's portal: a log line and an
    audit row (`portal.denied`), committed on its own since the request ends in an error."""
    query = request.query_string.decode("utf-8", "replace")
    target = f"{request.method} {request.path}" + (f"?{query}" if query else "")
    log.warning(
        "partner user %s (account %s) denied %s: %s",
        current_user.id,
        current_user.account_id,
        loggable(target[:300]),
        reason,
    )
    audit.record(
        "portal.denied",
        entity_type="user",
        entity_id=current_user.id,
        summary=target[:500],
        after={"reason": reason, "account_id": current_user.account_id},
    )
    db.session.commit()


def password_change_guard():
    """before_request: a user with a temporary password must change it before anything else."""
    from flask import redirect, url_for

    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if (request.endpoint or "") in ("auth.profile", "auth.logout", "auth.logout_page", "static"):
        return None
    return redirect(url_for("auth.profile"))


def require_roles(*roles: str) -> Callable:
    """A blueprint before_request hook: signed in and holding one of `roles`, else 401/403."""

    def hook():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None

    return hook


def roles_required(*roles: str) -> Callable:
    """Decorator form of require_roles for single views."""

    def decorator(view: Callable) -> Callable:
        guard = require_roles(*roles)

        @wraps(view)
        def wrapped(*args, **kwargs):
            refused = guard()
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        return wrapped

    return decorator
