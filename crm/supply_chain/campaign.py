"""The registration campaign: invitation letters (ajakan_kepesertaan) for a parent's
unregistered vendors, made at once as a LetterBatch, and the vendor marked `invited` when
its letter is issued.

A letter must belong to an account and a prospect has none, so each letter belongs to the
PARENT account (its RM owns the campaign and may draft for it) and is addressed to the
vendor (addressee fields); the vendor's facts travel in the letter's `agreement` block,
which crm.letters.context passes through to the template. The link keeps its letter id:
a vendor with a live (not cancelled) letter is not invited twice. The batch pages
(/letters/batches/<id>) then submit, approve, render and download the letters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from crm import audit
from crm.accounts.identifiers import format_npwp
from crm.accounts.models import Account
from crm.db import utcnow
from crm.extensions import db
from crm.jobs.models import PENDING_STATUSES, BackgroundJob
from crm.jobs.services import create_job
from crm.letters.models import Letter, LetterBatch
from crm.letters.services import default_body, default_perihal, draft_letter, type_setting
from crm.services import ServiceError
from crm.supply_chain.models import SupplyChainLink
from crm.supply_chain.services import add_event, require_manage

LETTER_TYPE = "ajakan_kepesertaan"
DRAFT_KIND = "supply_chain.campaign_draft"
DRAFT_CHUNK = 100


def targets_query(parent_id: int, contract: str = ""):
    """Prospects not contacted yet with no live letter, in name order; not those whose NPWP
    a registered account already holds (registered elsewhere: the daily task links them)."""
    held = select(Account.id).where(Account.npwp == SupplyChainLink.npwp, Account.npp.is_not(None))
    stmt = (
        select(SupplyChainLink.id)
        .outerjoin(Letter, Letter.id == SupplyChainLink.letter_id)
        .where(
            SupplyChainLink.parent_id == parent_id,
            SupplyChainLink.campaign_status == "not_contacted",
            SupplyChainLink.vendor_account_id.is_(None),
            or_(SupplyChainLink.letter_id.is_(None), Letter.status == "cancelled"),
            ~held.exists(),
        )
    )
    if contract:
        stmt = stmt.where(SupplyChainLink.contract == contract)
    return stmt.order_by(SupplyChainLink.search_name, SupplyChainLink.id)


def has_targets(parent_id: int) -> bool:
    """Whether a campaign would invite anyone."""
    # No ORDER BY: any one target will do, so nothing is sorted (20,000 vendors).
    return db.session.scalar(targets_query(parent_id).order_by(None).limit(1)) is not None


def campaign_targets(parent_id: int, contract: str = "", limit: int | None = None) -> list[int]:
    stmt = targets_query(parent_id, contract)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def vendor_facts(link: SupplyChainLink) -> dict:
    """JSON-safe facts of the vendor, in the `agreement` block the template reads."""
    return {
        "agreement": {
            "title": link.contract or "",
            "number": format_npwp(link.npwp) if link.npwp else "",
            "partner": link.parent.name,
            "workers": link.estimated_workers or 0,
            "supply_chain_link_id": link.id,
        }
    }


def vendor_fields(link: SupplyChainLink, deadline_days: int | None) -> dict:
    """The letter's addressee and text, addressed to the vendor rather than the parent."""
    return {
        "perihal": default_perihal(LETTER_TYPE),
        "lampiran": "-",
        "addressee_name": link.contact_name or f"Pimpinan {link.name}"[:200],
        "addressee_title": "",
        "addressee_company": link.name[:300],
        "address": link.address or "",
        "body": default_body(LETTER_TYPE, link.name, deadline_days),
    }


def start_campaign(
    parent: Account, author, contract: str = ""
) -> tuple[LetterBatch, BackgroundJob | None]:
    """A batch with one invitation per target vendor: drafted now when small, else by a
    job (the caller commits; the job reaches Redis after that commit)."""
    require_manage(author, parent)
    cfg = current_app.config
    # One campaign of a parent at a time (a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE
    # already queues writers): a double click on a large campaign finds the first one's
    # job, whose vendors get no letter_id until it runs, instead of making a second batch.
    db.session.execute(select(Account.id).where(Account.id == parent.id).with_for_update())
    pending = pending_campaign(parent.id)
    if pending is not None:
        return pending
    targets = campaign_targets(parent.id, contract, limit=cfg["LETTER_BULK_MAX"] + 1)
    if not targets and (recent := recent_campaign(parent.id, author)) is not None:
        return recent, None  # the second click of a double click: the first one's batch
    if not targets:
        raise ServiceError(_("Tidak ada vendor yang belum dihubungi dan belum diberi surat."))
    if len(targets) > cfg["LETTER_BULK_MAX"]:
        raise ServiceError(
            _(
                "Lebih dari %(n)s vendor; pilih satu kontrak atau kategori dulu.",
                n=f"{cfg['LETTER_BULK_MAX']:,}".replace(",", "."),
            )
        )
    batch = LetterBatch(
        letter_type=LETTER_TYPE,
        created_by_id=author.id,
        source=source_of(parent.id, contract),
        size=len(targets),
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "supply_chain.campaign",
        batch,
        summary=f"Ajakan pendaftaran {parent.name}: {len(targets)} vendor",
        actor=author,
    )
    if len(targets) <= cfg["LETTER_BULK_SYNC_MAX"]:
        draft_invitations(batch, targets, author)
        return batch, None
    job = create_job(
        DRAFT_KIND,
        owner=author,
        params={"batch_id": batch.id, "links": targets, "parent_id": parent.id},
        title=_("Draf %(n)d surat ajakan", n=len(targets)),
    )
    return batch, job


def source_of(parent_id: int, contract: str = "") -> str:
    """The batch's `source`: the parent's page (and the contract chosen)."""
    query = "?" + urlencode({"kontrak": contract}) if contract else ""
    return f"/supply-chain/{parent_id}{query}"[:300]


def recent_campaign(parent_id: int, author, seconds: int = 120) -> LetterBatch | None:
    """The author's campaign batch of this parent made in the last minutes (bounded: the
    author's latest few batches)."""
    since = utcnow() - timedelta(seconds=seconds)
    batches = db.session.scalars(
        select(LetterBatch)
        .where(
            LetterBatch.created_by_id == author.id,
            LetterBatch.letter_type == LETTER_TYPE,
            LetterBatch.created_at >= since,
        )
        .order_by(LetterBatch.id.desc())
        .limit(10)
    )
    prefix = source_of(parent_id)
    for batch in batches:
        if batch.source == prefix or batch.source.startswith(prefix + "?"):
            return batch
    return None


def pending_campaign(parent_id: int) -> tuple[LetterBatch, BackgroundJob] | None:
    """The parent's campaign whose drafting job has not finished yet, if any."""
    jobs = db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.kind == DRAFT_KIND, BackgroundJob.status.in_(PENDING_STATUSES))
        .order_by(BackgroundJob.created_at.desc())
        .limit(50)
    )
    for job in jobs:
        params = job.params or {}
        if params.get("parent_id") == parent_id:
            batch = db.session.get(LetterBatch, params.get("batch_id"))
            if batch is not None:
                return batch, job
    return None


@dataclass
class DraftOutcome:
    drafted: int = 0
    skipped: int = 0


def draft_invitations(
    batch: LetterBatch,
    link_ids: list[int],
    author,
    progress: Callable[[int, int], None] | None = None,
) -> DraftOutcome:
    """A draft per vendor still without a live letter (a re-run adds no duplicates)."""
    setting = type_setting(LETTER_TYPE)
    days = setting.deadline_days if setting else None
    outcome = DraftOutcome()
    for n, link_id in enumerate(link_ids, start=1):
        if _draft_one(batch, db.session.get(SupplyChainLink, link_id), author, days):
            outcome.drafted += 1
        else:
            outcome.skipped += 1
        if progress and n % DRAFT_CHUNK == 0:
            progress(n, len(link_ids))
    return outcome


def _draft_one(batch: LetterBatch, link: SupplyChainLink | None, author, days) -> bool:
    """The vendor's invitation in the batch; False when it has one, registered, or the
    author may no longer write for the parent (e.g. it moved RM while the job waited)."""
    live = link and link.letter_id and link.letter and link.letter.status != "cancelled"
    if link is None or live or link.is_registered:
        return False
    try:  # both are raised before anything is written
        letter = draft_letter(
            link.parent,
            LETTER_TYPE,
            author,
            fields=vendor_fields(link, days),
            facts=vendor_facts(link),
        )
    except (PermissionError, ServiceError):
        return False
    letter.batch_id = batch.id
    link.letter_id = letter.id
    add_event(link, "letter_drafted", author, _("Surat #%(id)d", id=letter.id))
    return True


def mark_invited(letter: Letter) -> None:
    """On issue of an invitation: its vendor becomes `invited` (idempotent; a vendor who
    has moved on, e.g. in progress or registered, keeps its status)."""
    if letter.letter_type != LETTER_TYPE:
        return
    link = db.session.scalar(select(SupplyChainLink).where(SupplyChainLink.letter_id == letter.id))
    if link is None or link.campaign_status != "not_contacted":
        return
    link.campaign_status = "invited"
    add_event(link, "invited", None, _("Surat %(number)s terbit", number=letter.number or ""))
