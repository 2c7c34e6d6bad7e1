"""Sponsorship background jobs: beneficiary imports and the daily expiry check."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from crm.compliance.services import today_local
from crm.jobs.scheduler import periodic
from crm.jobs.services import JobContext, import_owner, job_handler
from crm.sponsorships import imports
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


@job_handler(imports.JOB_KIND, title="Impor penerima manfaat sponsorship")
def import_beneficiaries(ctx: JobContext) -> dict:
    """Check the stored upload again and insert all its rows in the transaction that marks
    the job done, or none; a ticket already imported is not written twice."""
    ticket = imports.Ticket(**ctx.params["ticket"])
    actor = import_owner(ctx, ticket.user_id)
    ctx.progress(0, ticket.rows, _("Memeriksa baris…"))
    count = imports.run_import(ticket, actor, today_local())
    return {"filename": ticket.filename, "sponsorship_id": ticket.sponsorship_id, "created": count}
