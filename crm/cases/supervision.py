"""What a supervisor may still do on a case the law keeps in order, each with a reason and
an audit row: record a stage letter sent outside this system (its number, date and a
scan), and reopen a closed case. (Deadlines: crm.cases.manage.set_stage_due; closing:
crm.cases.services.close_case.)"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit, pdf_safety, storage
from crm.cases.access import can_act, is_supervisor
from crm.cases.letters import mark_letter_issued
from crm.cases.models import EscalationCase
from crm.cases.services import CASE_FIELDS, _event
from crm.extensions import db
from crm.letters.models import Letter
from crm.letters.workflow import cancel_letter
from crm.services import ServiceError


def _require_supervisor(actor, case: EscalationCase) -> None:
    if not (is_supervisor(actor) and can_act(actor, case)):
        raise PermissionError(_("Hanya supervisor yang dapat melakukan ini."))


def record_external_letter(
    case: EscalationCase, number: str, day: date | None, scan: bytes, reason: str, actor
) -> None:
    """The stage's letter went out on paper made outside Relasi: the case's own draft is
    cancelled (an issued one is never replaced), the scan kept, the clock started."""
    _require_supervisor(actor, case)
    request = case.current_letter
    if request is None or request.status != "draft_requested":
        raise ServiceError(_("Tahap ini tidak menunggu surat."))
    number, reason = (number or "").strip()[:100], (reason or "").strip()
    if not number:
        raise ServiceError(_("Isi nomor surat."), "number")
    if not reason:
        raise ServiceError(_("Tulis alasan surat dibuat di luar sistem."), "reason")
    if day is None:
        raise ServiceError(_("Isi tanggal yang valid."), "day")
    limit = int(current_app.config["AGREEMENT_MAX_UPLOAD_BYTES"])
    pdf_safety.check_pdf(scan, limit, _("Pindaian terlalu besar."))
    draft = db.session.get(Letter, request.letter_id) if request.letter_id else None
    if draft is not None and draft.is_frozen:
        raise ServiceError(_("Surat tahap ini sudah terbit dari sistem."))
    if draft is not None and draft.status != "cancelled":
        cancel_letter(draft, actor, _("Diganti surat di luar sistem %(n)s", n=number))
    before = audit.snapshot(request, ("letter_id", "external_number", "status"))
    request.letter_id, request.external_number = None, number
    request.scan_key = storage.put_private(scan)
    mark_letter_issued(request, day, actor)
    audit.record(
        "case.letter_external",
        request,
        summary=f"Kasus #{case.id}: surat {request.stage} {number} di luar sistem. {reason}"[:500],
        before=before,
        after=audit.snapshot(request, ("letter_id", "external_number", "status", "issued_on")),
        actor=actor,
    )


def reopen_case(case: EscalationCase, reason: str, actor) -> None:
    """A closed case opens again at the stage it closed in (a payment reversed, a closing
    in error), with its clock from today; refused while the account has another open case
    for the same reason."""
    _require_supervisor(actor, case)
    reason = (reason or "").strip()
    if case.is_open:
        raise ServiceError(_("Kasus ini masih berjalan."))
    if not reason:
        raise ServiceError(_("Tulis alasan membuka kembali kasus ini."), "reason")
    other = db.session.scalar(
        select(EscalationCase.id).where(
            EscalationCase.account_id == case.account_id,
            EscalationCase.reason == case.reason,
            EscalationCase.status == "open",
        )
    )
    if other is not None:
        raise ServiceError(
            _("Akun ini sudah punya kasus terbuka #%(id)d untuk alasan yang sama.", id=other)
        )
    before = audit.snapshot(case, CASE_FIELDS)
    case.status, case.closed_reason, case.closed_at, case.closing_import_id = (
        "open",
        None,
        None,
        None,
    )
    _event(
        case,
        "note",
        actor,
        from_stage=case.stage,
        note=_("Dibuka kembali: %(why)s", why=reason[:500]),
    )
    db.session.flush()
    audit.record(
        "case.reopen",
        case,
        summary=f"Kasus #{case.id} dibuka kembali",
        before=before,
        after={**audit.snapshot(case, CASE_FIELDS), "reason": reason[:500]},
        actor=actor,
    )
