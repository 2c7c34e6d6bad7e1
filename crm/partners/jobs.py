"""Partnership background jobs: the daily agreement expiry check, and the issued-letter hook
that attaches a Surat Pengantar MoU to its agreement."""

from __future__ import annotations

import logging

from crm.compliance.services import today_local
from crm.jobs.scheduler import periodic
from crm.letters.hooks import on_issued
from crm.partners.documents import attach_cover_letter
from crm.partners.expiry import check_expiries

log = logging.getLogger(__name__)
DAY = 24 * 3600
JAKARTA_00_45 = 17 * 3600 + 2700  # 00:45 WIB is 17:45 UTC the day before


@periodic(
    "partners.expiry",
    every=lambda cfg: cfg.get("AGREEMENT_EXPIRY_EVERY_SECONDS", DAY),
    offset_seconds=JAKARTA_00_45,
)
def daily_expiry_check() -> None:
    """Alerts and tasks at 90, 60 and 30 days before valid_to (the scheduler commits)."""
    log.info("agreement expiry alerts: %d", check_expiries(today_local()))


@on_issued
def attach_issued_cover_letter(letter) -> None:
    """Runs in the issuing transaction; idempotent (one document per letter)."""
    attach_cover_letter(letter)
