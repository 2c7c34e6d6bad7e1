"""Authentication with a per-email lockout, and password changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from crm import audit
from crm.auth.models import LoginThrottle, User
from crm.db import as_utc, utcnow
from crm.extensions import db


@dataclass
class LoginResult:
    user: User | None = None
    locked: bool = False
    must_change_password: bool = False


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials; after LOGIN_MAX_FAILURES failures the email is locked for a while.

    The same throttle applies to unknown emails, so the response never tells whether an
    email has an account.
    """
    cfg = current_app.config
    email = normalize_email(email)
    now = utcnow()
    throttle = db.session.get(LoginThrottle, email)
    if throttle and throttle.locked_until and as_utc(throttle.locked_until) > now:
        return LoginResult(locked=True)
    user = find_user_by_email(email)
    if user is not None and user.active and user.check_password(password):
        if throttle:
            db.session.delete(throttle)
        user.last_login_at = now
        audit.record("auth.login", user, summary=user.email, actor=user)
        return LoginResult(user=user, must_change_password=user.must_change_password)
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0)
        db.session.add(throttle)
    if throttle.locked_until and as_utc(throttle.locked_until) <= now:
        throttle.failures = 0  # the previous lock has run out: count afresh
        throttle.locked_until = None
    throttle.failures += 1
    throttle.last_failure_at = now
    locked = throttle.failures >= cfg["LOGIN_MAX_FAILURES"]
    if locked:
        throttle.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        audit.record(
            "auth.lockout",
            entity_type="login_throttle",
            entity_id=email[:40],
            summary=f"{email} locked for {cfg['LOGIN_LOCK_MINUTES']} min",
        )
    db.session.flush()
    return LoginResult(locked=locked)


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password after checking the current one; False when it is wrong."""
    if not user.check_password(current):
        return False
    user.set_password(new)
    user.must_change_password = False
    audit.record("auth.password_change", user, summary=user.email, actor=user)
    return True


def set_locale(user: User, locale: str) -> None:
    before = audit.snapshot(user, ["locale"])
    user.locale = locale
    audit.record(
        "user.locale", user, before=before, after=audit.snapshot(user, ["locale"]), actor=user
    )
