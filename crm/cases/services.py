"""Case rules: who may act, opening (one open case per account and reason), advancing one
stage at a time, closing, closing automatically when an import shows arrears paid, and the
arrears figure stored on each open case for the board (refresh_case_arrears).

Services flush and never commit; views, jobs and the import's write path commit.
Supervisors (and admins, who act for them) move a case to Denda, TMP2T or SKK and write a
case off; an RM opens, advances and closes cases of the accounts in their portfolio.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.util import identity_key

from crm import audit
from crm.accounts.imports.common import chunked
from crm.accounts.models import Account
from crm.accounts.services import can_edit
from crm.auth.models import User
from crm.cases.clock import due_date
from crm.cases.letters import request_letter
from crm.cases.models import (
    CLOSE_REASONS,
    LETTER_TYPES,
    REASONS,
    STAGES,
    SUPERVISOR_STAGES,
    CaseEvent,
    EscalationCase,
)
from crm.compliance import arrears
from crm.compliance.calendar import working_calendar
from crm.compliance.models import ComplianceImport, CompliancePeriod
from crm.compliance.services import arrears_rules, today_local
from crm.db import utcnow
from crm.extensions import db

SUPERVISOR_ROLES = ("supervisor", "admin")
CASE_FIELDS = ("stage", "status", "stage_started_on", "stage_due_on", "closed_reason")


class CaseError(ValueError):
    """A refused change; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# -- access ----------------------------------------------------------------------------------


def is_supervisor(user: User) -> bool:
    return user.role in SUPERVISOR_ROLES


def can_view(user: User, case: EscalationCase) -> bool:
    """Supervisors and admins see every case; an RM sees the cases they own or whose
    account is in their portfolio."""
    if is_supervisor(user):
        return True
    return user.role == "rm" and (case.owner_id == user.id or case.account.rm_id == user.id)


def can_act(user: User, case: EscalationCase) -> bool:
    """Advance, close, record letter dates: the account's RM, supervisors, admins."""
    return user.role != "partner" and can_edit(user, case.account)


def may_enter(user: User, stage: str) -> bool:
    return stage not in SUPERVISOR_STAGES or is_supervisor(user)


def _require(user: User, account: Account) -> None:
    if not can_edit(user, account) or user.role == "partner":
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))


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
    """The acting supervisor, else an active supervisor of the account's branch office."""
    if actor.role == "supervisor":
        return actor
    if account.branch_office_id is None:
        return None
    return db.session.scalar(
        select(User)
        .where(
            User.role == "supervisor",
            User.active.is_(True),
            User.branch_office_id == account.branch_office_id,
        )
        .order_by(User.id)
        .limit(1)
    )


def _event(case: EscalationCase, kind: str, actor, **values) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, actor_id=getattr(actor, "id", None), **values)
    db.session.add(event)
    return event


def open_case(
    account: Account, reason: str, actor: User, note: str = "", due_on: date | None = None
) -> EscalationCase:
    """A new case at Persuasi, owned by the account's RM (or the actor)."""
    _require(actor, account)
    if reason not in REASONS:
        raise CaseError(_("Pilih alasan kasus."), "reason")
    if open_case_of(account.id, reason) is not None:
        raise CaseError(_("Akun ini sudah punya kasus terbuka dengan alasan yang sama."))
    today = today_local()
    case = EscalationCase(
        account=account,
        reason=reason,
        stage=STAGES[0],
        status="open",
        owner_id=account.rm_id or actor.id,
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


def advance_case(
    case: EscalationCase, to_stage: str, actor: User, note: str = "", due_on: date | None = None
) -> EscalationCase:
    """Move the case to the next stage, and only that one. A letter stage requests its
    letter and waits for it (no due date until it is issued); other stages start today."""
    if not can_act(actor, case):
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
    if not case.is_open:
        raise CaseError(_("Kasus ini sudah selesai."))
    if to_stage not in STAGES:
        raise CaseError(_("Tahap tidak dikenal."))
    if STAGES.index(to_stage) <= STAGES.index(case.stage):
        raise CaseError(_("Kasus tidak dapat mundur atau mengulang tahap."))
    if to_stage != case.next_stage:
        raise CaseError(_("Kasus naik satu tahap setiap kali; tahap tidak boleh dilewati."))
    if not may_enter(actor, to_stage):
        raise PermissionError(
            _("Hanya supervisor yang dapat menaikkan kasus ke Denda, Rekomendasi TMP2T, atau SKK.")
        )
    before = audit.snapshot(case, CASE_FIELDS)
    from_stage, today = case.stage, today_local()
    case.stage = to_stage
    if to_stage in LETTER_TYPES:
        case.stage_started_on, case.stage_due_on = None, due_on  # menunggu surat
        request_letter(case, to_stage, actor)
    else:
        case.stage_started_on = today
        case.stage_due_on = due_date(to_stage, today) or due_on
    _event(
        case,
        "advanced",
        actor,
        from_stage=from_stage,
        to_stage=to_stage,
        note=(note or "").strip(),
    )
    db.session.flush()
    audit.record(
        "case.advance",
        case,
        summary=f"Kasus #{case.id}: {from_stage} -> {to_stage}",
        before=before,
        after=audit.snapshot(case, CASE_FIELDS),
        actor=actor,
    )
    return case


# -- close -----------------------------------------------------------------------------------


def close_case(
    case: EscalationCase, reason: str, actor: User | None, note: str = "", import_run=None
) -> EscalationCase:
    """Selesai: paid or registered in full, or written off (supervisor, with a reason).
    actor None is the system (an import showed the arrears paid)."""
    note = (note or "").strip()
    if actor is not None and not can_act(actor, case):
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
    if not case.is_open:
        raise CaseError(_("Kasus ini sudah selesai."))
    if reason not in CLOSE_REASONS:
        raise CaseError(_("Pilih alasan penutupan."), "reason")
    if reason == "written_off":
        if actor is None or not is_supervisor(actor):
            raise PermissionError(
                _("Hanya supervisor yang dapat menutup kasus sebagai dihapuskan.")
            )
        if len(note) < 10:
            raise CaseError(_("Tulis justifikasi penghapusan (minimal 10 karakter)."), "note")
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


# -- stored arrears --------------------------------------------------------------------------

ARREARS_BATCH = 500  # accounts whose compliance months are read in one query


def _open_cases_of(case_ids: Iterable[int] | None) -> list[tuple[int, int]]:
    """(case id, account id) of the given cases that are open; None: every open case."""
    stmt = select(EscalationCase.id, EscalationCase.account_id).where(
        EscalationCase.status == "open"
    )
    if case_ids is None:
        return [(r[0], r[1]) for r in db.session.execute(stmt)]
    pairs = []
    for batch in chunked(sorted(set(case_ids)), ARREARS_BATCH):
        pairs += [
            (r[0], r[1]) for r in db.session.execute(stmt.where(EscalationCase.id.in_(batch)))
        ]
    return pairs


def arrears_of_accounts(account_ids: list[int], as_of: date) -> dict[int, arrears.ArrearsSummary]:
    """The arrears of each account as of a date, from one query for all their months: the
    same rules, calendar and months as the account's compliance page (account_compliance)."""
    cp = CompliancePeriod
    months: dict[int, list[arrears.MonthFigures]] = defaultdict(list)
    rows = db.session.execute(
        select(cp.account_id, cp.period, cp.contribution_due, cp.amount_paid, cp.paid_on)
        .add_columns(cp.fine_paid)
        .where(cp.account_id.in_(account_ids), cp.period <= as_of)
    )
    for account_id, period, due, paid, paid_on, fine_paid in rows:
        months[account_id].append(arrears.MonthFigures(period, due, paid, paid_on, fine_paid))
    rules, cal = arrears_rules(), working_calendar()
    return {a: arrears.account_arrears(months.get(a, []), as_of, rules, cal) for a in account_ids}


def _store_arrears(values: list[dict]) -> None:
    """Write the figures: on the case objects this session holds (so they stay current),
    and in one executemany UPDATE by primary key for the rest."""
    identity = db.session.identity_map
    bulk = []
    for row in values:
        held = identity.get(identity_key(EscalationCase, row["id"]))
        if held is None:
            bulk.append(row)
            continue
        for key, value in row.items():
            if key != "id":
                setattr(held, key, value)
    if bulk:
        db.session.execute(update(EscalationCase), bulk)
    db.session.flush()


def refresh_case_arrears(case_ids: list[int] | None = None, as_of: date | None = None) -> int:
    """Recompute the stored arrears (unpaid contributions, fines, total, as-of date) of the
    given open cases, or of every open case when case_ids is None; returns how many cases
    were updated. Accounts are read ARREARS_BATCH at a time, their months in one query per
    batch. Flushes, never commits."""
    as_of = as_of or today_local()
    cases_by_account: dict[int, list[int]] = defaultdict(list)
    for case_id, account_id in _open_cases_of(case_ids):
        cases_by_account[account_id].append(case_id)
    updated = 0
    for batch in chunked(sorted(cases_by_account), ARREARS_BATCH):
        summaries = arrears_of_accounts(batch, as_of)
        values = [
            {
                "id": case_id,
                "arrears_unpaid": summaries[account_id].unpaid,
                "arrears_fine": summaries[account_id].fine,
                "arrears_total": summaries[account_id].total,
                "arrears_as_of": as_of,
            }
            for account_id in batch
            for case_id in cases_by_account[account_id]
        ]
        _store_arrears(values)
        updated += len(values)
    return updated


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


def auto_close_paid(run: ComplianceImport, as_of: date | None = None) -> list[EscalationCase]:
    """Refresh the stored arrears of the open cases of the accounts this import wrote to,
    then close their arrears cases whose arrears (unpaid contributions and fines,
    crm.compliance.arrears) are now zero."""
    as_of = as_of or today_local()
    case_ids = touched_open_cases(run)
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
    from crm.cases.suggestions import refresh_suggestions

    auto_close_paid(run)
    refresh_suggestions()
