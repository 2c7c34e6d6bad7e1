"""The RM's private calendar feed: a revocable random token in the URL; only its SHA-256
is stored, so the URL is shown once, when it is made."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from crm import audit
from crm.auth.models import STAFF_ROLES, User
from crm.db import utcnow
from crm.extensions import db
from crm.meetings.models import Interaction
from crm.meetings.queries import load_interactions, related_interaction_ids

FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 366
FEED_LIMIT = 2000


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(user: User) -> str:
    """A new feed token (any older URL stops working); returns the token itself."""
    token = secrets.token_urlsafe(32)
    replaced = user.ics_token is not None
    user.ics_token = _digest(token)
    audit.record("calendar_feed.rotate" if replaced else "calendar_feed.create", user, actor=user)
    return token


def revoke_feed_token(user: User) -> None:
    if user.ics_token is None:
        return
    user.ics_token = None
    audit.record("calendar_feed.revoke", user, actor=user)


def user_for_token(token: str) -> User | None:
    """The active staff user whose feed this is, or None."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(select(User).where(User.ics_token == _digest(token)))
    if user is None or not user.active or user.role not in STAFF_ROLES:
        return None
    return user


def feed_interactions(user: User, now: datetime | None = None) -> list[Interaction]:
    """Interactions from 90 days back to a year ahead that the user logged, attends, or
    that are on the user's accounts (cancelled ones drop out of the feed)."""
    now = now or utcnow()
    lo = now - timedelta(days=FEED_PAST_DAYS)
    hi = now + timedelta(days=FEED_FUTURE_DAYS)
    ids = related_interaction_ids(user, lo, hi, FEED_LIMIT, attending=True)
    return load_interactions(ids, FEED_LIMIT)
