"""A letter stage asks for its letter here: a CaseLetterRequest and a draft Letter.

request_letter() is the only place a case asks for a letter: it keeps a CaseLetterRequest
(the case's view of the letter: stage, type, status draft_requested -> issued -> received)
and creates a draft Letter of the matching type (crm.letters), linked through case_id and
CaseLetterRequest.letter_id. crm.cases.letters then follows the letter's dates.
"""

from __future__ import annotations

from flask_babel import gettext as _

from crm import audit
from crm.cases.models import LETTER_TYPES, CaseLetterRequest, EscalationCase
from crm.extensions import db
from crm.letters.models import Letter
from crm.letters.services import draft_letter
from crm.services import ServiceError


def addressee_of(case: EscalationCase) -> tuple[str, str]:
    """`Yth. Pimpinan PT ...` and the account's address (the letter's addressee block)."""
    account = case.account
    address = "\n".join(p for p in (account.address, account.city) if p)
    return f"Yth. Pimpinan {account.name}"[:300], address


def stage_author(case: EscalationCase, actor):
    """Four eyes: the account's RM writes the stage letter and a supervisor approves it; a
    supervisor who drafts one (no active RM) needs a second supervisor to approve it."""
    rm = case.account.rm
    return rm if rm is not None and rm.active else actor


def request_letter(case: EscalationCase, stage: str, actor) -> CaseLetterRequest:
    """Ask for the stage's letter: a draft request for the account's addressee."""
    addressee, address = addressee_of(case)
    request = CaseLetterRequest(
        case=case,
        stage=stage,
        letter_type=LETTER_TYPES[stage],
        addressee=addressee,
        address=address,
        requested_by_id=getattr(actor, "id", None),
    )
    db.session.add(request)
    db.session.flush()

    author = stage_author(case, actor)
    letter = draft_letter(case.account, request.letter_type, author, case=case, check=False)
    request.letter_id = letter.id
    db.session.flush()
    audit.record(
        "case.letter_requested",
        request,
        summary=_("Draf surat %(type)s diminta untuk kasus #%(id)d", type=stage, id=case.id),
        after=audit.snapshot(
            request, ("case_id", "stage", "letter_type", "addressee", "letter_id")
        ),
        actor=actor,
    )
    return request


def redraft_stage_letter(case: EscalationCase, actor) -> Letter:
    """A new draft for the stage whose letter was cancelled before it was issued (the slot
    is free again); refused while the stage's letter is alive or already issued."""
    request = case.current_letter
    if request is None or request.status != "draft_requested":
        raise ServiceError(_("Tahap ini tidak menunggu surat."))
    current = db.session.get(Letter, request.letter_id) if request.letter_id else None
    if current is not None and current.status != "cancelled":
        raise ServiceError(_("Surat tahap ini masih berlaku; batalkan dulu bila harus diganti."))
    letter = draft_letter(
        case.account, request.letter_type, stage_author(case, actor), case=case, check=False
    )
    request.letter_id = letter.id
    db.session.flush()
    audit.record(
        "case.letter_redrafted",
        request,
        summary=_("Draf baru surat %(type)s untuk kasus #%(id)d", type=request.stage, id=case.id),
        after={"letter_id": letter.id, "cancelled_letter_id": getattr(current, "id", None)},
        actor=actor,
    )
    return letter
