"""The seam between cases and letters: a letter's issue and receipt dates start the stage clock.

A case asks for its letter through crm.cases.letter_requests. The letters workflow then
calls mark_letter_issued() when the rendering job freezes the PDF and mark_letter_received()
when the receipt is recorded; both accept the Letter itself (they find its request through
letter_id, do nothing for a letter without a case, and are idempotent for a date already
recorded). Requests without a Letter (made before the letters feature) keep their manual
date forms on the case page. A supervisor corrects a date already recorded here too.

The clock: a letter stage has no due date while its letter is not issued ("menunggu
surat"); issuing starts it (due = issue date + the stage's working days) and a recorded
receipt restarts it from the receipt date, as the law counts from receipt.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.cases.access import is_supervisor
from crm.cases.clock import due_date, stage_rule
from crm.cases.models import CaseEvent, CaseLetterRequest
from crm.cases.services import _event
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date, long_date
from crm.letters.hooks import deadline_days_of, on_issued, on_received
from crm.letters.models import Letter
from crm.letters.types import CASE_LETTER_TYPES
from crm.services import ServiceError

LETTER_FIELDS = ("status", "issued_on", "received_on")


def _restart_clock(request: CaseLetterRequest, start: date) -> None:
    """The stage clock from the letter's issue or receipt: the days the letter itself gave
    the company (its deadline_days, from this stage's rule when it was dated), else the
    stage's rule; a stage without default days keeps the date set by hand."""
    case = request.case
    if case.is_open and case.stage == request.stage:
        case.stage_started_on = start
        letter = db.session.get(Letter, request.letter_id) if request.letter_id else None
        if letter is not None and letter.deadline_days:
            due = working_calendar(LETTER).add_working_days(start, letter.deadline_days)
        else:
            due = due_date(case.stage, start)
        if due is not None:
            case.stage_due_on = due


@deadline_days_of.register
def stage_rule_days(days: int | None, letter_type: str, on: date) -> int | None:
    """A case letter gives the company its stage's deadline (working days) in force on the
    letter's date: /admin/case-deadlines is the one setting for both."""
    stage = CASE_LETTER_TYPES.get(letter_type)
    rule = stage_rule(stage, on) if stage else None
    if rule is None or rule.days is None or rule.calendar_days:
        return days
    return rule.days


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


# -- letter dates: the earliest issue date, corrections ---------------------------------------


def earliest_issue_date(request: CaseLetterRequest) -> date:
    """A letter goes out no earlier than it was requested, nor before its stage began (the
    day the case advanced into it), both as local calendar days."""
    entered = db.session.scalar(
        select(func.max(CaseEvent.created_at)).where(
            CaseEvent.case_id == request.case_id,
            CaseEvent.kind == "advanced",
            CaseEvent.to_stage == request.stage,
        )
    )
    days = [local_date(request.created_at or utcnow())]
    if entered is not None:
        days.append(local_date(entered))
    return max(days)


def check_issue_floor(request: CaseLetterRequest, day: date) -> None:
    earliest = earliest_issue_date(request)
    if day < earliest:
        raise ServiceError(
            _(
                "Tanggal terbit tidak boleh sebelum surat diminta dan tahapnya dimulai (%(day)s).",
                day=long_date(earliest),
            )
        )


def correct_letter_date(
    request: CaseLetterRequest, what: str, day: date, actor, today: date | None = None
) -> None:
    """A supervisor or admin corrects an issue or receipt date already recorded (event note
    "dikoreksi", audited); anyone else is told a supervisor can. The clock follows."""

    old = request.issued_on if what == "issued" else request.received_on
    label = _("terbit") if what == "issued" else _("terima")
    if actor is None or not is_supervisor(actor):
        raise ServiceError(
            _(
                "Tanggal %(what)s surat ini sudah dicatat (%(day)s). Bila salah, supervisor "
                "dapat mengoreksinya.",
                what=label,
                day=long_date(old),
            )
        )
    if day == old:
        raise ServiceError(_("Tanggal itu sudah tercatat."))
    if day > (today or today_local()):
        raise ServiceError(_("Tanggal %(what)s tidak boleh di masa depan.", what=label))
    if what == "issued":
        check_issue_floor(request, day)
        if request.received_on is not None and day > request.received_on:
            raise ServiceError(_("Tanggal terbit tidak boleh setelah tanggal terima."))
    elif day < request.issued_on:
        raise ServiceError(_("Tanggal terima tidak boleh sebelum tanggal terbit."))
    before = audit.snapshot(request, ("status", "issued_on", "received_on"))
    setattr(request, f"{what}_on", day)
    if what == "received" or request.received_on is None:  # the clock runs from the latest
        _restart_clock(request, day)
    kind = f"letter_{what}"
    note = _(
        "Tanggal %(what)s dikoreksi: %(day)s (sebelumnya %(old)s).",
        what=label,
        day=day.isoformat(),
        old=old.isoformat(),
    )
    _event(
        request.case,
        kind,
        actor,
        from_stage=request.stage,
        to_stage=request.stage,
        note=note,
        letter_request_id=request.id,
    )
    db.session.flush()
    audit.record(
        "case.letter_corrected",
        request,
        summary=f"Kasus #{request.case_id}, surat {request.letter_type}: {note}",
        before=before,
        after=audit.snapshot(request, ("status", "issued_on", "received_on")),
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


def record_letter_date(request: CaseLetterRequest, what: str, day: date, actor, today) -> None:
    """A date entered on the case page. For a letter made in this system the dates come
    from the letter itself (numbered and rendered, then dispatched and received on its
    page); the case page only lets a supervisor correct one already recorded. A request
    without a system letter takes both dates here."""
    if request.letter_id is not None:
        letter = db.session.get(Letter, request.letter_id)
        if letter is None or not letter.is_frozen:
            raise ServiceError(
                _(
                    "Surat ini belum terbit (belum disetujui, bernomor dan dibuat PDF-nya): "
                    "tanggal terbit dan terimanya dicatat dari halaman surat setelah terbit."
                )
            )
        recorded = request.issued_on if what == "issued" else request.received_on
        if recorded is None:
            raise ServiceError(
                _(
                    "Catat pengiriman dan penerimaan surat %(number)s di halaman suratnya.",
                    number=letter.number or letter.id,
                )
            )
    mark = mark_letter_issued if what == "issued" else mark_letter_received
    mark(request, day, actor, today=today)


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
