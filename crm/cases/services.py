"""Case rules: opening (one open case per account and reason), advancing one stage at a
time (once the stage's letter is issued and its deadline has come, unless a supervisor
overrides with a note), closing (Lunas only when the recomputed arrears are 0, Terdaftar
penuh only for a registration case, Dihapuskan only by a supervisor), and closing
automatically when an import shows arrears paid. Who may act is in crm.cases.access, the
arrears stored on each open case in crm.cases.stored_arrears.

Services flush and never commit; views, jobs and the import's write path commit.
Supervisors (and admins, who act for them) move a case to Denda, TMP2T or SKK and write a
case off; an RM opens, advances and closes cases of the accounts in their portfolio.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases import denda, ladder
from crm.cases.access import can_act, is_supervisor, may_enter, require_portfolio
from crm.cases.clock import due_date, has_default_days
from crm.cases.labels import case_label
from crm.cases.letter_requests import request_letter
from crm.cases.models import (
    CLOSE_REASONS,
    LETTER_TYPES,
    REASONS,
    STAGES,
    CaseEvent,
    EscalationCase,
)
from crm.cases.stored_arrears import ARREARS_BATCH, refresh_case_arrears
from crm.cases.suggestions import refresh_suggestions
from crm.compliance.models import ComplianceImport, CompliancePeriod
from crm.compliance.services import account_compliance, today_local
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import long_date, rupiah
from crm.imports.checks import chunked
from crm.services import ServiceError

CASE_FIELDS = ("stage", "status", "stage_started_on", "stage_due_on", "closed_reason")
# "Terdaftar penuh" ends a registration case (PDS findings, late registration) only.
REGISTRATION_REASONS = ("pds_tk", "pds_upah", "pds_program", "late_registration")
DUE_MAX_DAYS = 365  # a deadline set by hand lies within a year from today


# -- open ------------------------------------------------------------------------------------


def open_case_of(account_id: int, reason: str) -> EscalationCase | None:
    return db.session.scalar(
        select(EscalationCase).where(
            EscalationCase.account_id == account_id,
            EscalationCase.reason == reason,
            EscalationCase.status == "open",
        )
    )


def responsible_supervisor(account: Account, actor: User) -> User | None:
    """The acting supervisor, else an active supervisor of the account's branch office,
    else any active supervisor (lowest id): a case always has someone to escalate to."""
    if actor.role == "supervisor":
        return actor
    active = select(User).where(User.role == "supervisor", User.active.is_(True))
    if account.branch_office_id is not None:
        found = db.session.scalar(
            active.where(User.branch_office_id == account.branch_office_id)
            .order_by(User.id)
            .limit(1)
        )
        if found is not None:
            return found
    return db.session.scalar(active.order_by(User.id).limit(1))


def _event(case: EscalationCase, kind: str, actor, **values) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, actor_id=getattr(actor, "id", None), **values)
    db.session.add(event)
    return event


def open_case(
    account: Account, reason: str, actor: User, note: str = "", due_on: date | None = None
) -> EscalationCase:
    """A new case at Persuasi, owned by the account's RM (none when the account has no RM:
    the supervisor or admin who opened it does not become its owner)."""
    require_portfolio(actor, account)
    if reason not in REASONS:
        raise ServiceError(_("Pilih alasan kasus."), "reason")
    if open_case_of(account.id, reason) is not None:
        raise ServiceError(_("Akun ini sudah punya kasus terbuka dengan alasan yang sama."))
    today = today_local()
    case = EscalationCase(
        account=account,
        reason=reason,
        stage=STAGES[0],
        status="open",
        owner_id=account.rm_id,
        supervisor=responsible_supervisor(account, actor),
        branch_office_id=account.branch_office_id,
        stage_started_on=today,
        stage_due_on=due_on or due_date(STAGES[0], today),
    )
    db.session.add(case)
    db.session.flush()
    refresh_case_arrears([case.id], today)
    _event(case, "opened", actor, to_stage=case.stage, note=(note or "").strip())
    db.session.flush()
    audit.record(
        "case.open",
        case,
        summary=f"Kasus #{case.id} {account.name}: {reason}",
        after=audit.snapshot(
            case, ("account_id", "reason", *CASE_FIELDS, "owner_id", "arrears_total")
        ),
        actor=actor,
    )
    return case


# -- advance ---------------------------------------------------------------------------------


def check_due(day: date | None, today: date, stage: str, required: bool) -> None:
    """A deadline set by hand: required when the stage has no default days, from today on,
    at most DUE_MAX_DAYS ahead. ServiceError on the due_on field."""
    if day is None:
        if required:
            raise ServiceError(
                _(
                    "Isi tenggat tahap %(stage)s: tahap ini tidak punya tenggat bawaan.",
                    stage=_stage_label(stage),
                ),
                "due_on",
            )
        return
    if day < today:
        raise ServiceError(_("Tenggat tidak boleh sebelum hari ini."), "due_on")
    if day > today + timedelta(days=DUE_MAX_DAYS):
        raise ServiceError(_("Tenggat paling lambat satu tahun dari hari ini."), "due_on")


def _stage_label(stage: str) -> str:
    return case_label("stage", stage)


def _check_ready(case: EscalationCase, actor: User, note: str, today: date) -> list[str]:
    """What keeps the case in its stage (crm.cases.ladder). The law's blockers refuse for
    everyone; Persuasi's undertaking date a supervisor may pass with a note. Returns the
    blockers overridden (for the event note and the audit row)."""
    blockers = ladder.advance_blockers(case, today)
    legal = [b.message for b in blockers if not b.overridable]
    if legal:
        raise ServiceError(" ".join(legal) + " " + _("Tahap ini tidak dapat dilewati."))
    overridable = [b.message for b in blockers]
    if not overridable:
        return []
    if not is_supervisor(actor):
        raise ServiceError(
            " ".join(overridable)
            + " "
            + _("Supervisor dapat menaikkan kasus lebih awal dengan catatan alasannya.")
        )
    if not note:
        raise ServiceError(
            " ".join(overridable)
            + " "
            + _("Tulis catatan alasan untuk menaikkan kasus lebih awal (override)."),
            "note",
        )
    return overridable


def advance_case(
    case: EscalationCase, to_stage: str, actor: User, note: str = "", due_on: date | None = None
) -> EscalationCase:
    """Move the case to the next stage, and only that one, when the law allows it
    (crm.cases.ladder: the stage's letter issued and received and its period ended; Denda's
    window over). A letter stage requests its letter and waits for it (no clock until it is
    issued); Denda runs from the day after Teguran II's period ended for the Denda rule's
    window; other stages start today. due_on: the deadline of a stage without default days
    (required then)."""
    if not can_act(actor, case):
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
    if not case.is_open:
        raise ServiceError(_("Kasus ini sudah selesai."))
    if to_stage not in STAGES:
        raise ServiceError(_("Tahap tidak dikenal."))
    if STAGES.index(to_stage) <= STAGES.index(case.stage):
        raise ServiceError(_("Kasus tidak dapat mundur atau mengulang tahap."))
    if to_stage != case.next_stage:
        raise ServiceError(_("Kasus naik satu tahap setiap kali; tahap tidak boleh dilewati."))
    if not may_enter(actor, to_stage):
        raise PermissionError(
            _("Hanya supervisor yang dapat menaikkan kasus ke Denda, Rekomendasi TMP2T, atau SKK.")
        )
    note, today = (note or "").strip(), today_local()
    overridden = _check_ready(case, actor, note, today)
    manual_due = not has_default_days(to_stage, today)
    check_due(due_on, today, to_stage, required=manual_due)
    due_on = due_on if manual_due else None
    before = audit.snapshot(case, CASE_FIELDS)
    from_stage = case.stage
    case.stage = to_stage
    if to_stage in LETTER_TYPES:
        case.stage_started_on, case.stage_due_on = None, due_on  # menunggu surat
        request_letter(case, to_stage, actor)
    elif to_stage == "denda":  # the window runs from Teguran II's end, not from today
        window = denda.denda_rule(today).window_days
        case.stage_started_on, case.stage_due_on = ladder.denda_window(case.stage_due_on, window)
    else:
        case.stage_started_on = today
        case.stage_due_on = due_date(to_stage, today) or due_on
    if overridden:
        note = _("Override supervisor: %(why)s", why=" ".join(overridden)) + "\n" + note
    _event(case, "advanced", actor, from_stage=from_stage, to_stage=to_stage, note=note)
    db.session.flush()
    audit.record(
        "case.advance",
        case,
        summary=f"Kasus #{case.id}: {from_stage} -> {to_stage}"
        + (" (override)" if overridden else ""),
        before=before,
        after={**audit.snapshot(case, CASE_FIELDS), "override": overridden or None},
        actor=actor,
    )
    return case


# -- close -----------------------------------------------------------------------------------


def close_reasons(case: EscalationCase, user: User | None) -> list[str]:
    """The closing reasons open to this user for this case: Lunas always (checked against
    the arrears when chosen), Terdaftar penuh for a registration case, Dihapuskan for a
    supervisor or admin."""
    reasons = ["paid"]
    if case.reason in REGISTRATION_REASONS:
        reasons.append("registered")
    if user is not None and is_supervisor(user):
        reasons.append("written_off")
    return reasons


def _check_close(case: EscalationCase, reason: str, actor: User | None, note: str) -> None:
    if reason not in CLOSE_REASONS:
        raise ServiceError(_("Pilih alasan penutupan."), "reason")
    if reason == "written_off":
        if actor is None or not is_supervisor(actor):
            raise PermissionError(
                _("Hanya supervisor yang dapat menutup kasus sebagai dihapuskan.")
            )
        if len(note) < 10:
            raise ServiceError(_("Tulis justifikasi penghapusan (minimal 10 karakter)."), "note")
    elif reason == "registered" and case.reason not in REGISTRATION_REASONS:
        raise ServiceError(
            _(
                "Terdaftar penuh hanya untuk kasus PDS atau terlambat mendaftarkan; kasus "
                "tunggakan selesai Lunas, atau dihapuskan oleh supervisor."
            ),
            "reason",
        )
    elif reason == "paid" and actor is not None:  # the import (actor None) checked already
        today = today_local()
        total = account_compliance(case.account_id, today).summary.total
        if total:
            raise ServiceError(
                _(
                    "Tunggakan akun ini masih %(amount)s per %(day)s; kasus hanya dapat "
                    "ditutup Lunas bila tunggakan sudah 0.",
                    amount=rupiah(total),
                    day=long_date(today),
                ),
                "reason",
            )


def close_case(
    case: EscalationCase, reason: str, actor: User | None, note: str = "", import_run=None
) -> EscalationCase:
    """Selesai: paid (the account's arrears recomputed today are 0), registered in full (a
    registration case), or written off (supervisor, with a justification). actor None is
    the system (an import showed the arrears paid)."""
    note = (note or "").strip()
    if actor is not None and not can_act(actor, case):
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
    if not case.is_open:
        raise ServiceError(_("Kasus ini sudah selesai."))
    _check_close(case, reason, actor, note)
    before = audit.snapshot(case, CASE_FIELDS)
    case.status, case.closed_reason, case.closed_note = "closed", reason, note
    case.closed_at = utcnow()
    case.closing_import_id = getattr(import_run, "id", None)
    _event(
        case,
        "closed",
        actor,
        from_stage=case.stage,
        note=note,
        import_id=case.closing_import_id,
    )
    db.session.flush()
    audit.record(
        "case.close",
        case,
        summary=f"Kasus #{case.id} selesai: {reason}",
        before=before,
        after={**audit.snapshot(case, CASE_FIELDS), "closing_import_id": case.closing_import_id},
        actor=actor,
    )
    return case


# -- after a compliance import ---------------------------------------------------------------


def touched_open_cases(run: ComplianceImport) -> list[int]:
    """The open cases of the accounts this import wrote to."""
    touched = select(CompliancePeriod.account_id).where(CompliancePeriod.import_id == run.id)
    return list(
        db.session.scalars(
            select(EscalationCase.id).where(
                EscalationCase.status == "open", EscalationCase.account_id.in_(touched)
            )
        )
    )


def auto_close_paid(
    run: ComplianceImport, as_of: date | None = None, case_ids: list[int] | None = None
) -> list[EscalationCase]:
    """Refresh the stored arrears of the open cases of the accounts this import wrote to
    (or of `case_ids`, a batch of them), then close their arrears cases whose arrears
    (unpaid contributions and fines, crm.compliance.arrears) are now zero."""
    as_of = as_of or today_local()
    case_ids = touched_open_cases(run) if case_ids is None else case_ids
    refresh_case_arrears(case_ids, as_of)
    closed = []
    for batch in chunked(case_ids, ARREARS_BATCH):
        paid = db.session.scalars(
            select(EscalationCase)
            .where(
                EscalationCase.id.in_(batch),
                EscalationCase.reason == "arrears",
                EscalationCase.arrears_total == 0,
            )
            .order_by(EscalationCase.id)
        ).all()
        for case in paid:
            note = _(
                "Tunggakan lunas menurut impor data kepatuhan #%(id)d (%(file)s).",
                id=run.id,
                file=run.filename,
            )
            closed.append(close_case(case, "paid", None, note, import_run=run))
    return closed


def after_compliance_import(run: ComplianceImport) -> None:
    """Called by the import's write path in its transaction: refresh the arrears of the
    touched accounts' open cases, close the paid ones, refresh the suggestions so the new
    month shows at once."""
    auto_close_paid(run)
    refresh_suggestions()
