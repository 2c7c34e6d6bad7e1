"""Sponsorship jobs: the daily renewal check (imports run crm.imports.jobs)."""

from __future__ import annotations

import logging

from crm.compliance.services import today_local
from crm.jobs.scheduler import periodic
from crm.sponsorships import imports  # noqa: F401 - registers the import kind and its job
from crm.sponsorships.renewal import create_renewal_tasks

log = logging.getLogger(__name__)
DAY = 24 * 3600
JAKARTA_01_30 = 18 * 3600 + 1800  # 01:30 WIB is 18:30 UTC the day before


@periodic(
    "sponsorships.renewal",
    every=lambda cfg: cfg.get("SPONSORSHIP_RENEWAL_EVERY_SECONDS", DAY),
    offset_seconds=JAKARTA_01_30,
)
def daily_renewal_tasks() -> None:
    """Renewal tasks for sponsorships ending within 30 days (the scheduler commits)."""
    log.info("sponsorship renewal tasks made: %d", create_renewal_tasks(today_local()))
