"""Supply-chain jobs: campaign drafts, daily snapshots, the issued-letter hook."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask_babel import gettext as _

from crm.auth.models import User
from crm.compliance.services import today_local
from crm.extensions import db
from crm.jobs.scheduler import periodic
from crm.jobs.services import JobContext, job_handler
from crm.letters.hooks import on_issued
from crm.letters.models import LetterBatch
from crm.supply_chain import campaign
from crm.supply_chain import imports as _imports  # noqa: F401 - registers the import kind
from crm.supply_chain.coverage import write_snapshots
from crm.supply_chain.reconcile import reconcile_prospects

log = logging.getLogger(__name__)
DAY = 24 * 3600
JAKARTA_01_30 = 18 * 3600 + 1800  # 01:30 WIB is 18:30 UTC the day before

# Registered here because this module is in JOB_MODULES: the web app and the workers both
# load it, and both issue letters.
on_issued(campaign.mark_invited)


@job_handler(campaign.DRAFT_KIND, title="Draf surat ajakan vendor")
def draft_campaign(ctx: JobContext) -> dict:
    """Drafts a large campaign's invitations, committing every chunk with the progress."""
    batch = db.session.get(LetterBatch, ctx.params["batch_id"])
    author = db.session.get(User, ctx.owner_id)
    links = ctx.params["links"]
    ctx.progress(0, len(links))
    out = campaign.draft_invitations(
        batch, links, author, lambda done, total: ctx.progress(done, total)
    )
    ctx.progress(len(links), len(links), _("%(n)d draf dibuat", n=out.drafted))
    return {
        "batch_id": batch.id,
        "drafted": out.drafted,
        "skipped": out.skipped,
        "link": f"/letters/batches/{batch.id}",  # as the import's result: where to go next
    }


@periodic(
    "supply_chain.snapshot",
    every=lambda cfg: cfg.get("SUPPLY_CHAIN_SNAPSHOT_EVERY_SECONDS", DAY),
    offset_seconds=JAKARTA_01_30,
)
def daily_snapshot() -> None:
    """Upsert this month's coverage row of every parent (the scheduler commits): run daily,
    a month's row ends up holding its last day's figures, and a missed day costs nothing."""
    close_and_snapshot(today_local())


def close_and_snapshot(today: date) -> None:
    """Prospects registered elsewhere are registered first (crm.supply_chain.reconcile).
    The first run of a month (01:30 WIB on the 1st) then closes the previous month with
    the figures as of now: otherwise its row would keep those of 01:30 on its last day and
    miss that day's registrations."""
    converted = reconcile_prospects()
    if converted:
        log.info("supply-chain: %d prospects registered elsewhere", converted)
    if today.day == 1:
        write_snapshots(today - timedelta(days=1))
    log.info("supply-chain snapshots: %d parents", write_snapshots(today))
