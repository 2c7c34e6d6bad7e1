"""Prospects registered elsewhere: a vendor prospect whose NPWP now belongs to an account
with an NPP (entered on another parent's vendor page, or by an accounts import) becomes
registered on its own link row, with an event and an audit row. Run by the daily
supply-chain task before the snapshot, so every parent's coverage counts the company and
no campaign invites a company that is already registered."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from crm import audit
from crm.accounts.models import Account
from crm.extensions import db
from crm.supply_chain.models import SupplyChainLink
from crm.supply_chain.services import LINK_FIELDS, mark_registered

BATCH = 5000  # links per run: a first run over a large backlog continues the next day


def reconcile_prospects(limit: int = BATCH) -> int:
    """Register every prospect whose NPWP is held by an account with an NPP (not the parent
    itself, nor an account the parent already lists); returns how many. Caller commits."""
    listed = aliased(SupplyChainLink)
    # A parent that lists the account already keeps its duplicate prospect for its RM to
    # remove (a second link to the account would break the parent's unique index); the
    # filter also keeps such rows from filling every run's batch.
    already = select(listed.id).where(
        listed.parent_id == SupplyChainLink.parent_id, listed.vendor_account_id == Account.id
    )
    rows = db.session.execute(
        select(SupplyChainLink, Account)
        .join(Account, Account.npwp == SupplyChainLink.npwp)
        .where(
            SupplyChainLink.vendor_account_id.is_(None),
            Account.npp.is_not(None),
            Account.id != SupplyChainLink.parent_id,
            ~already.exists(),
        )
        .options(joinedload(SupplyChainLink.parent))
        .order_by(SupplyChainLink.id)
        .limit(limit)
    ).all()
    done = 0
    for link, account in rows:
        before = audit.snapshot(link, LINK_FIELDS)
        mark_registered(link, account, None, _("NPWP cocok dengan %(npp)s", npp=account.npp))
        db.session.flush()
        audit.record(
            "supply_chain.vendor_register",
            link,
            summary=f"{link.name} ({link.parent.name})",
            before=before,
            after=audit.snapshot(link, LINK_FIELDS),
        )
        done += 1
    return done
