"""Authentication, signing out everywhere, and password changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from crm import audit
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db


@dataclass
class LoginResult:
    user: User | None = None
    must_change_password: bool = False


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials. Repeated failures are slowed down by the rate limits on /login
    (per account and address, per account, per address), never by locking the account."""
    user = find_user_by_email(email)
    if user is not None and user.active and user.check_password(password):
        user.last_login_at = utcnow()
        audit.record("auth.login", user, summary=user.email, actor=user)
        return LoginResult(user=user, must_change_password=user.must_change_password)
    return LoginResult()


def sign_out(user: User) -> None:
    """End every session of the user: a saved copy of any of their cookies stops working."""
    user.session_version = (user.session_version or 0) + 1
    audit.record("auth.logout", user, summary=user.email, actor=user)


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


def rm_choices() -> list[tuple[int, str]]:
    """Active relationship managers as (id, name), by name: the RM filter of the lists."""
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.role == "rm", User.active.is_(True))
        .order_by(User.name)
    )
    return [(r[0], r[1]) for r in rows]
