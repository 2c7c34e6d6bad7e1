"""Working a case by hand: find the account from what the user typed (NPP or account id),
the current stage's deadline set by hand, the responsible supervisor, the open cases
following their account's RM, the Denda fine, the cases listed on an account's page, and
the account's arrears and timeline shown on a case page. Services flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from crm import audit
from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases.access import can_act, is_supervisor
from crm.cases.models import STAGES, EscalationCase
from crm.cases.services import CASE_FIELDS, _event, _stage_label, check_due
from crm.cases.stored_arrears import ARREARS_BATCH
from crm.compliance.services import account_compliance, today_local
from crm.extensions import db
from crm.i18n import long_date
from crm.imports.checks import chunked
from crm.letters.models import Letter
from crm.meetings import queries as meeting_queries
from crm.meetings.services import can_log, can_see_minutes
from crm.services import ServiceError

ACCOUNT_CASES_LIMIT = 10
TIMELINE_LIMIT = 10
ARREARS_ROWS = 24
MAX_ID_DIGITS = 18  # beyond a BIGINT: never an account id
# DOMAIN.md, sanction ladder, stage 5 Denda: "fine of 0.1 % of owed contributions, up to 30
# days after Teguran II" (PP 86/2013). Per mille, of the case's stored unpaid contributions.
ACCOUNT_ID = re.compile(r"#?[0-9]+")  # an account id: plain ASCII digits, or "#<digits>"
NPP_TYPED = re.compile(r"[0-9][0-9. ]*[0-9]")  # 8 digits, maybe grouped by dots or spaces


def find_account(raw: str | None) -> Account:
    """The account an NPP (8 digits, dots and spaces allowed) or an account id (plain
    digits, or "#<digits>") names; an 8-digit number is an NPP only, never an id (write
    "#<digits>" for that id). ServiceError on the "account" field when the text names none."""
    text = (raw or "").strip()
    if not text:
        raise ServiceError(_("Isi NPP (8 digit) atau nomor ID akun."), "account")
    plain = ACCOUNT_ID.fullmatch(text) is not None
    value = text.removeprefix("#")
    if plain and len(value) == 8 and not text.startswith("#"):
        return _account_by_npp(value)
    if plain and len(value) <= MAX_ID_DIGITS:
        account = db.session.get(Account, int(value))
        if account is None:
            raise ServiceError(_("Tidak ada akun dengan ID %(v)s.", v=value), "account")
        return account
    npp = text.replace(".", "").replace(" ", "")
    if NPP_TYPED.fullmatch(text) and len(npp) == 8:
        return _account_by_npp(npp)
    raise ServiceError(
        _(
            "Isi NPP (8 digit) atau nomor ID akun, hanya angka. Untuk mencari dengan "
            "nama, pakai daftar akun."
        ),
        "account",
    )


def _account_by_npp(npp: str) -> Account:
    account = db.session.scalar(select(Account).where(Account.npp == npp))
    if account is None:
        raise ServiceError(
            _(
                "Tidak ada akun dengan NPP %(v)s. Untuk ID akun, tulis #%(v)s.",
                v=npp,
            ),
            "account",
        )
    return account


# -- deadline, supervisor, owner -------------------------------------------------------------


def may_set_due(user: User, case: EscalationCase) -> bool:
    """The RM sets the Persuasi deadline; a supervisor or admin any stage's."""
    if not case.is_open or not can_act(user, case):
        return False
    return is_supervisor(user) or case.stage == STAGES[0]


def _check_legal_floor(case: EscalationCase, day: date) -> None:
    """A deadline may be extended, never cut below what the company was given in writing;
    the Denda window is set by the Denda rule (at most 30 days by law)."""
    if case.stage == "denda":
        raise ServiceError(_("Masa Denda ditetapkan oleh aturan Denda, tidak diubah per kasus."))
    request = case.current_letter
    letter = db.session.get(Letter, request.letter_id) if request and request.letter_id else None
    if letter is not None and letter.deadline_on is not None and day < letter.deadline_on:
        raise ServiceError(
            _(
                "Tenggat tidak boleh lebih awal dari batas waktu yang tertulis di surat (%(day)s).",
                day=long_date(letter.deadline_on),
            ),
            "due_on",
        )


def set_stage_due(
    case: EscalationCase, day: date | None, actor: User, reason: str = ""
) -> EscalationCase:
    """Set or change the current stage's deadline by hand (from today, within a year). A
    supervisor's change after Persuasi needs a reason; a letter stage's deadline is never
    earlier than the one its letter gave the company, and the Denda window is the law's."""
    if not can_act(actor, case):
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
    if not case.is_open:
        raise ServiceError(_("Kasus ini sudah selesai."))
    if not may_set_due(actor, case):
        raise PermissionError(_("Hanya supervisor yang dapat mengubah tenggat tahap ini."))
    check_due(day, today_local(), case.stage, required=True)
    reason = (reason or "").strip()
    if case.stage != STAGES[0] and not reason:
        raise ServiceError(_("Tulis alasan perubahan tenggat."), "reason")
    _check_legal_floor(case, day)
    before = audit.snapshot(case, CASE_FIELDS)
    old = case.stage_due_on
    case.stage_due_on = day
    note = _(
        "Tenggat tahap %(stage)s ditetapkan: %(day)s (sebelumnya %(old)s).",
        stage=_stage_label(case.stage),
        day=long_date(day),
        old=long_date(old) if old else _("belum ada"),
    ) + (f" {reason[:500]}" if reason else "")
    _event(case, "note", actor, from_stage=case.stage, note=note)
    db.session.flush()
    audit.record(
        "case.due",
        case,
        summary=f"Kasus #{case.id}: tenggat {case.stage} {day.isoformat()}",
        before=before,
        after=audit.snapshot(case, CASE_FIELDS),
        actor=actor,
    )
    return case


def supervisor_choices() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "supervisor", User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def set_case_supervisor(case: EscalationCase, supervisor: User, actor: User) -> EscalationCase:
    """Change the supervisor responsible for the case (supervisors and admins)."""
    if not is_supervisor(actor) or not can_act(actor, case):
        raise PermissionError(_("Hanya supervisor atau admin yang dapat mengganti supervisor."))
    if supervisor.role != "supervisor" or not supervisor.active:
        raise ServiceError(_("Pilih supervisor yang aktif."), "supervisor_id")
    if supervisor.id == case.supervisor_id:
        raise ServiceError(_("Supervisor itu sudah menangani kasus ini."), "supervisor_id")
    old = case.supervisor
    before = {"supervisor_id": case.supervisor_id}
    case.supervisor = supervisor
    note = _(
        "Supervisor penanggung jawab diganti: %(old)s → %(new)s.",
        old=old.name if old else "-",
        new=supervisor.name,
    )
    _event(case, "note", actor, from_stage=case.stage, note=note)
    db.session.flush()
    audit.record(
        "case.supervisor",
        case,
        summary=f"Kasus #{case.id}: supervisor {supervisor.email}",
        before=before,
        after={"supervisor_id": supervisor.id},
        actor=actor,
    )
    return case


def follow_account_rm(account_ids: list[int], rm_id: int | None, actor: User | None) -> int:
    """The open cases of these accounts follow their new RM (one bulk UPDATE per chunk,
    an audit row per case); returns how many cases moved. Called wherever Account.rm_id is
    changed (crm.accounts.services)."""
    moved = 0
    for batch in chunked(sorted(set(account_ids)), ARREARS_BATCH):
        rows = db.session.execute(
            select(EscalationCase.id, EscalationCase.account_id, EscalationCase.owner_id).where(
                EscalationCase.account_id.in_(batch),
                EscalationCase.status == "open",
                EscalationCase.owner_id.is_distinct_from(rm_id),
            )
        ).all()
        if not rows:
            continue
        db.session.execute(
            update(EscalationCase)
            .where(EscalationCase.id.in_([r[0] for r in rows]))
            .values(owner_id=rm_id)
            .execution_options(synchronize_session="fetch")
        )
        for case_id, account_id, owner_id in rows:
            audit.record(
                "case.owner",
                entity_type="escalation_case",
                entity_id=case_id,
                summary=f"Kasus #{case_id} mengikuti RM akun #{account_id}",
                before={"owner_id": owner_id},
                after={"owner_id": rm_id},
                actor=actor,
            )
        moved += len(rows)
    return moved


@dataclass
class AccountCases:
    cases: list[EscalationCase]
    more: bool  # more cases than shown


def account_cases(account: Account, user: User, limit: int = ACCOUNT_CASES_LIMIT) -> AccountCases:
    """The account's cases the user may open, open ones first, then the newest. An RM
    outside the account's portfolio sees only cases they own (crm.cases.access.can_view)."""
    stmt = (
        select(EscalationCase)
        .options(joinedload(EscalationCase.owner))
        .where(EscalationCase.account_id == account.id)
    )
    if user.role == "rm" and account.rm_id != user.id:
        stmt = stmt.where(EscalationCase.owner_id == user.id)
    elif user.role not in ("rm", "supervisor", "admin"):
        return AccountCases([], False)
    open_first = sql_case((EscalationCase.status == "open", 0), else_=1)
    rows = list(
        db.session.scalars(
            stmt.order_by(
                open_first, EscalationCase.opened_at.desc(), EscalationCase.id.desc()
            ).limit(limit + 1)
        )
    )
    return AccountCases(rows[:limit], len(rows) > limit)


def drill_in(case: EscalationCase, user: User) -> dict:
    """What the case page shows of its account: arrears as of today (every month, the
    owing ones in a table of at most ARREARS_ROWS rows) and the first page of the account's
    timeline (meetings and tasks), with a link to the account page for more."""
    compliance = account_compliance(case.account_id, today_local())
    owing = [m for m in compliance.summary.months if m.arrears]
    timeline, timeline_next = meeting_queries.timeline(case.account_id, None, TIMELINE_LIMIT)
    return {
        "account": case.account,
        "compliance": compliance,
        "owing": owing[-ARREARS_ROWS:],
        "owing_hidden": max(len(owing) - ARREARS_ROWS, 0),
        "timeline": timeline,
        "timeline_next": timeline_next,
        "can_log": can_log(user, case.account),
        "can_see_minutes": can_see_minutes,
    }
