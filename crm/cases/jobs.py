"""Background work of the cases area: the daily refresh of suggested cases."""

from __future__ import annotations

import logging

from crm.cases.suggestions import refresh_suggestions
from crm.jobs.scheduler import periodic

log = logging.getLogger(__name__)
DAY = 24 * 3600
JAKARTA_01_00 = 18 * 3600  # 01:00 WIB is 18:00 UTC the day before


@periodic(
    "cases.suggestions",
    every=lambda cfg: cfg.get("CASE_SUGGESTIONS_EVERY_SECONDS", DAY),
    offset_seconds=JAKARTA_01_00,
)
def daily_suggestions() -> None:
    """Rebuild the suggested cases (the scheduler commits)."""
    log.info("case suggestions refreshed: %d accounts", refresh_suggestions())
