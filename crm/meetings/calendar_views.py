"""/calendar/<token>.ics: an RM's private feed for calendar apps (no login; the token in
the URL is the credential, and revoking it makes the old URL a 404)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from crm.meetings import feed
from crm.meetings.invites import interaction_calendar

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.get("/<token>.ics")
def feed_ics(token: str):
    user = feed.user_for_token(token)
    if user is None:
        abort(404)
    body = interaction_calendar(
        feed.feed_interactions(user), method="PUBLISH", name=f"Relasi · {user.name}"
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
