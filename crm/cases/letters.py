"""The seam between cases and letters: a letter stage requests its letter here, and the
letter's issue and receipt dates start the stage clock.

The letters feature (Letter, numbering, approval, PDF) comes later. Until then a letter
stage creates a CaseLetterRequest (status draft_requested) through request_letter(), the
only place a case asks for a letter. The letters issue will make request_letter() create a
draft Letter (type = request.letter_type, addressee from the account) and point the request
at it, and call mark_letter_issued() / mark_letter_received() when the letter is dispatched
and its receipt recorded. Today people record those dates on the case page.

The clock: a letter stage has no due date while its letter is not issued ("menunggu
surat"); issuing starts it (due = issue date + the stage's working days) and a recorded
receipt restarts it from the receipt date, as the law counts from receipt.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from crm import audit
from crm.cases.clock import due_date
from crm.cases.models import LETTER_TYPES, CaseEvent, CaseLetterRequest, EscalationCase
from crm.extensions import db

LetterRequest = CaseLetterRequest  # the letters issue replaces it with its Letter link
LETTER_FIELDS = ("status", "issued_on", "received_on")


class LetterDateError(ValueError):
    """A refused date; the message is for the user."""


def addressee_of(case: EscalationCase) -> tuple[str, str]:
    """`Yth. Pimpinan PT ...` and the account's address (the letter's addressee block)."""
    account = case.account
    address = "\n".join(p for p in (account.address, account.city) if p)
    return f"Yth. Pimpinan {account.name}"[:300], address


def request_letter(case: EscalationCase, stage: str, actor) -> LetterRequest:
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
    audit.record(
        "case.letter_requested",
        request,
        summary=_("Draf surat %(type)s diminta untuk kasus #%(id)d", type=stage, id=case.id),
        after=audit.snapshot(request, ("case_id", "stage", "letter_type", "addressee")),
        actor=actor,
    )
    return request


def _restart_clock(request: CaseLetterRequest, start: date) -> None:
    case = request.case
    if case.is_open and case.stage == request.stage:
        case.stage_started_on = start
        due = due_date(case.stage, start)
        if due is not None:  # a stage without default days keeps the date set by hand
            case.stage_due_on = due


def _record(request: CaseLetterRequest, kind: str, day: date, actor, before: dict) -> None:
    case = request.case
    label = _("Surat diterbitkan") if kind == "letter_issued" else _("Surat diterima")
    db.session.add(
        CaseEvent(
            case=case,
            kind=kind,
            from_stage=request.stage,
            to_stage=request.stage,
            actor_id=getattr(actor, "id", None),
            note=f"{label}: {day.isoformat()}",
            letter_request_id=request.id,
        )
    )
    db.session.flush()
    audit.record(
        f"case.{kind}",
        request,
        summary=f"{label} ({request.letter_type}), kasus #{case.id}: {day.isoformat()}",
        before=before,
        after=audit.snapshot(request, LETTER_FIELDS),
        actor=actor,
    )


def mark_letter_issued(request: CaseLetterRequest, day: date, actor=None, today=None) -> None:
    """The letter went out on `day`: the stage clock starts from it."""
    if request.status != "draft_requested":
        raise LetterDateError(_("Tanggal terbit surat ini sudah dicatat."))
    if today is not None and day > today:
        raise LetterDateError(_("Tanggal terbit tidak boleh di masa depan."))
    before = audit.snapshot(request, LETTER_FIELDS)
    request.status, request.issued_on = "issued", day
    _restart_clock(request, day)
    _record(request, "letter_issued", day, actor, before)


def mark_letter_received(request: CaseLetterRequest, day: date, actor=None, today=None) -> None:
    """The company received the letter on `day`: the clock restarts from the receipt."""
    if request.status != "issued" or request.issued_on is None:
        raise LetterDateError(_("Catat tanggal terbit surat lebih dulu."))
    if day < request.issued_on:
        raise LetterDateError(_("Tanggal terima tidak boleh sebelum tanggal terbit."))
    if today is not None and day > today:
        raise LetterDateError(_("Tanggal terima tidak boleh di masa depan."))
    before = audit.snapshot(request, LETTER_FIELDS)
    request.status, request.received_on = "received", day
    _restart_clock(request, day)
    _record(request, "letter_received", day, actor, before)
