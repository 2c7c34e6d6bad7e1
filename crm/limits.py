"""Rate limits shared by the views: settings read at request time, keys, audit of breaches."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from crm import audit
from crm.extensions import db, limiter

log = logging.getLogger(__name__)


def setting(name: str) -> Callable[[], str]:
    """A limit string read from the config when the request is checked (tests may change it)."""
    return lambda: current_app.config[name]


def client_address() -> str:
    """The caller's address (ProxyFix has applied TRUSTED_PROXY_COUNT)."""
    return get_remote_address()


def user_key() -> str:
    """One counter per signed-in user; an anonymous caller is counted by address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{client_address()}"


def audit_breach(request_limit) -> None:
    """on_breach: one audit row per counter and window, however often it is hit meanwhile."""
    window = max(1, int(request_limit.limit.get_expiry()))
    marker = f"relasi-limit-audited:{request_limit.key}"
    try:
        first = limiter.storage.incr(marker, window) == 1
    except Exception:  # Redis is away: the refusal still stands, the row is written
        log.warning("rate-limit audit marker unavailable", exc_info=True)
        first = True
    log.warning("rate limit %s reached by %s", request_limit.limit, request_limit.key)
    if not first:
        return
    audit.record(
        "security.throttle",
        entity_type="rate_limit",
        entity_id=(request.endpoint or "-")[:40],
        summary=f"{request_limit.key} ({request_limit.limit})",
    )
    db.session.commit()  # the request ends in a 429: nothing else of it is kept


def retry_after_seconds() -> int:
    """Seconds until the breached limit of this request lets the caller in again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))
