"""Helpers for meeting tests: Jakarta wall-clock times and logging through the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.meetings import services
from crm.meetings.validation import InteractionData, NextStep

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Jakarta wall-clock time as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


def log(
    account,
    actor,
    when: datetime,
    *,
    people=(),
    staff=(),
    status: str = "held",
    minutes: str = "Notulen.",
    next_steps: list[NextStep] | None = None,
    now: datetime | None = None,
    **fields,
):
    """Log an interaction through the service (so summaries are maintained)."""
    data = InteractionData(
        status=status,
        starts_at=when,
        ends_at=fields.pop("ends_at", when + timedelta(hours=1)),
        minutes=minutes if status == "held" else fields.pop("minutes", ""),
        person_ids=[p.id for p in people],
        user_ids=[u.id for u in staff],
        **fields,
    )
    return services.save_interaction(
        None, account, data, actor, next_steps=next_steps, now=now or when + timedelta(hours=2)
    )
