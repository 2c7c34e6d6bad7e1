"""A registered company needs no invitation: cancelling a vendor's invitation letter that
has not been issued yet, when the vendor registers (an NPP entered, or matched on import)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.letters.workflow import cancel_letter
from crm.services import ServiceError
from crm.supply_chain.models import SupplyChainLink


def cancel_unissued_invitations(link_ids: list[int], actor) -> None:
    """cancel_unissued_invitation for the prospects an import converted (batched loads)."""
    for batch in (link_ids[i : i + 500] for i in range(0, len(link_ids), 500)):
        links = db.session.scalars(
            select(SupplyChainLink)
            .where(SupplyChainLink.id.in_(batch), SupplyChainLink.letter_id.is_not(None))
            .options(selectinload(SupplyChainLink.letter))
        )
        for link in links:
            cancel_unissued_invitation(link, actor)


def cancel_unissued_invitation(link: SupplyChainLink, actor) -> None:
    """A registered company needs no invitation: its letter still in the approval flow is
    cancelled (an approved one only by a supervisor; an issued one stays, it was sent)."""
    letter = link.letter
    if letter is None or letter.is_frozen or letter.status == "cancelled":
        return
    try:
        cancel_letter(letter, actor, _("Vendor sudah terdaftar."))
    except (PermissionError, ServiceError):
        return  # left to the approver, who sees the vendor registered
