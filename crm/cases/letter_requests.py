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
from crm.letters.services import draft_letter


def addressee_of(case: EscalationCase) -> tuple[str, str]:
    """`Yth. Pimpinan PT ...` and the account's address (the letter's addressee block)."""
    account = case.account
    address = "\n".join(p for p in (account.address, account.city) if p)
    return f"Yth. Pimpinan {account.name}"[:300], address


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

    # Four eyes: the account's RM writes the stage letter and a supervisor approves it; a
    # supervisor who drafts one needs a second supervisor to approve it.
    author = case.account.rm if case.account.rm is not None and case.account.rm.active else actor
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
