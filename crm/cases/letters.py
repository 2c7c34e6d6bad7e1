"""The seam between cases and letters: a letter stage requests its letter here, and the
letter's issue and receipt dates start the stage clock.

request_letter() is the only place a case asks for a letter: it keeps a CaseLetterRequest
(the case's view of the letter: stage, type, status draft_requested -> issued -> received)
and creates a draft Letter of the matching type (crm.letters), linked through case_id and
CaseLetterRequest.letter_id. The letters workflow then calls mark_letter_issued() when the
rendering job freezes the PDF and mark_letter_received() when the receipt is recorded;
both accept the Letter itself (they find its request through letter_id, do nothing for a
letter without a case, and are idempotent for a date already recorded). Requests without a
Letter (made before the letters feature) keep their manual date forms on the case page.

The clock: a letter stage has no due date while its letter is not issued ("menunggu
surat"); issuing starts it (due = issue date + the stage's working days) and a recorded
receipt restarts it from the receipt date, as the law counts from receipt.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.cases.clock import due_date
from crm.cases.models import LETTER_TYPES, CaseEvent, CaseLetterRequest, EscalationCase
from crm.compliance.services import today_local
from crm.extensions import db
from crm.letters.hooks import on_issued, on_received
from crm.services import ServiceError

LetterRequest = CaseLetterRequest  # the case's view of its Letter (request.letter_id)
LETTER_FIELDS = ("status", "issued_on", "received_on")


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
    from crm.letters.services import draft_letter  # letters import cases: import late

    letter = draft_letter(case.account, request.letter_type, actor, case=case, check=False)
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


def request_of(letter_or_request) -> CaseLetterRequest | None:
    """The case's request behind a Letter (None for a letter without a case)."""
    if isinstance(letter_or_request, CaseLetterRequest):
        return letter_or_request
    return db.session.scalar(
        select(CaseLetterRequest).where(CaseLetterRequest.letter_id == letter_or_request.id)
    )


def mark_letter_issued(letter_or_request, day: date, actor=None, today=None) -> None:
    """The letter went out on `day`: the stage clock starts from it. Given a Letter (the
    rendering job), a letter without a case or an issue already recorded is left alone."""
    request = request_of(letter_or_request)
    if request is None:
        return
    from_letter = request is not letter_or_request
    if from_letter and request.status != "draft_requested":
        return
    from crm.cases.manage import check_issue_floor, correct_letter_date  # cycle: late

    if request.status != "draft_requested":  # a supervisor corrects, an RM is told so
        return correct_letter_date(request, "issued", day, actor, today)
    if today is not None and day > today:
        raise ServiceError(_("Tanggal terbit tidak boleh di masa depan."))
    check_issue_floor(request, day)
    before = audit.snapshot(request, LETTER_FIELDS)
    request.status, request.issued_on = "issued", day
    _restart_clock(request, day)
    _record(request, "letter_issued", day, actor, before)


def mark_letter_received(letter_or_request, day: date, actor=None, today=None) -> None:
    """The company received the letter on `day`: the clock restarts from the receipt. Given
    a Letter, its issue is recorded first when the rendering job has not done it (the
    letter's date), and a receipt already recorded is left alone."""
    request = request_of(letter_or_request)
    if request is None:
        return
    if request is not letter_or_request:
        if request.status == "received":
            return
        if request.status == "draft_requested":
            issued = letter_or_request.letter_date or day
            mark_letter_issued(request, min(issued, day), actor)
    if request.status == "received":  # a supervisor corrects, an RM is told so
        from crm.cases.manage import correct_letter_date  # cycle: import late

        return correct_letter_date(request, "received", day, actor, today)
    if request.status != "issued" or request.issued_on is None:
        raise ServiceError(
            _("Tanggal terbit surat ini belum dicatat: catat tanggal terbitnya lebih dulu.")
        )
    if day < request.issued_on:
        raise ServiceError(_("Tanggal terima tidak boleh sebelum tanggal terbit."))
    if today is not None and day > today:
        raise ServiceError(_("Tanggal terima tidak boleh di masa depan."))
    before = audit.snapshot(request, LETTER_FIELDS)
    request.status, request.received_on = "received", day
    _restart_clock(request, day)
    _record(request, "letter_received", day, actor, before)


@on_issued
def start_clock_on_issue(letter) -> None:
    """The rendering job froze a case letter: its stage clock starts on the letter's date."""
    request = request_of(letter)
    if request is not None and request.status == "draft_requested":
        mark_letter_issued(request, letter.letter_date or today_local())


@on_received
def restart_clock_on_receipt(letter, day: date, actor, today: date | None) -> None:
    """The letter's receipt was recorded: the stage clock restarts from it."""
    mark_letter_received(letter, day, actor, today=today)
