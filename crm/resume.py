"""A form sent when its session had ended (or its token had expired) is kept in Redis for
the same user, and shown again filled in once they are back on its page.

Only what was typed is kept: no file, no password, no CSRF token. The key lives in the
signed session cookie; the record names its user, so no one else can restore it.
"""

from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request, session
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # FlaskForm's "read the request" marker
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from crm.queue import redis_connection

SESSION_KEY = "_resume"
MAX_BYTES = 256 * 1024
SKIPPED = ("csrf_token",)


def _redis_key(token: str) -> str:
    return f"relasi-resume:{token}"


def form_page() -> str | None:
    """The local URL that shows the form just posted: this URL if it answers a GET, else
    the page the browser came from when that is on this site."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    path = request.full_path.rstrip("?")
    try:
        adapter.match(request.path, method="GET")
        return path
    except (MethodNotAllowed, NotFound):
        pass
    except Exception:  # a redirect rule (trailing slash): the path itself is fine
        return path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def session_user_id() -> int | None:
    """The user id the session cookie names, valid or not any more."""
    raw = str(session.get("_user_id") or "").split(".", 1)[0]
    return int(raw) if raw.isdigit() else None


def stash_form(user_id: int | None) -> bool:
    """Keep this request's form fields for `user_id` to get back on the form's page."""
    page = form_page()
    if user_id is None or page is None or request.method != "POST":
        return False
    fields = [
        (name, value)
        for name, values in request.form.lists()
        for value in values
        if name not in SKIPPED and "password" not in name.lower()
    ]
    record = json.dumps({"user_id": user_id, "path": page, "fields": fields})
    if not fields or len(record) > MAX_BYTES:
        return False
    token = secrets.token_urlsafe(24)
    ttl = current_app.config["FORM_RESUME_MINUTES"] * 60
    try:
        redis_connection().set(_redis_key(token), record, ex=ttl)
    except Exception:  # Redis away: the form is lost, the sign-in page still shows
        current_app.logger.warning("could not keep a form to resume", exc_info=True)
        return False
    session[SESSION_KEY] = token
    return True


def _load(token: str | None) -> dict | None:
    if not token:
        return None
    try:
        raw = redis_connection().get(_redis_key(token))
    except Exception:
        return None
    return json.loads(raw) if raw else None


def take_token() -> str | None:
    """The kept form's key, removed from the session (which is about to be cleared)."""
    return session.pop(SESSION_KEY, None)


def keep_for(token: str | None, user_id: int) -> str | None:
    """After sign-in: keep the key in the new session if the form is this user's; the page
    to go back to, or None."""
    record = _load(token)
    if record is None:
        return None
    if record["user_id"] != user_id:
        redis_connection().delete(_redis_key(token))
        return None
    session[SESSION_KEY] = token
    return record["path"]


def offer_kept_form() -> None:
    """before_request: on the kept form's page, its fields fill the form (once)."""
    token = session.get(SESSION_KEY)
    if not token or request.method != "GET":
        return
    from flask_login import current_user

    if not current_user.is_authenticated:
        return
    record = _load(token)
    if record is None or record["user_id"] != current_user.id:
        session.pop(SESSION_KEY, None)
        return
    if record["path"] != request.full_path.rstrip("?"):
        return
    session.pop(SESSION_KEY, None)
    redis_connection().delete(_redis_key(token))
    g.resumed_formdata = MultiDict(record["fields"])


_wrap_formdata = FlaskForm.Meta.wrap_formdata


def _wrap_formdata_with_resume(meta, form, formdata):
    resumed = g.get("resumed_formdata") if has_request_context() else None
    owns_fields = resumed is not None and any(n in resumed for n in form._fields)
    if owns_fields and formdata is _Auto and request.method == "GET":
        return resumed
    return _wrap_formdata(meta, form, formdata)


def install() -> None:
    """Every FlaskForm on the kept form's page reads the kept fields, as if just posted.

    One hook on FlaskForm's Meta, rather than a base class every form must remember."""
    FlaskForm.Meta.wrap_formdata = _wrap_formdata_with_resume


def expired_token_of_this_session() -> bool:
    """True when the posted CSRF token is this session's own, only too old (so a page left
    open too long, not a forged request)."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = request.form.get(name) or request.headers.get("X-CSRFToken") or ""
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
    try:
        raw = serializer.loads(token)
    except BadData:
        return False
    return isinstance(raw, str) and hmac.compare_digest(raw, str(session.get(name, "")))
