"""Demo letters in every state, walked through the letter services and back-dated: the case
letters the cases already issued, and a handful of others (seed), then rendered by the real
render job and dispatched and received (after the seed commits, from `flask seed-demo`)."""

from __future__ import annotations

import signal
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import select, update

from crm import queue
from crm.accounts.models import Account
from crm.audit import AuditLog
from crm.auth.models import User
from crm.cases.models import CaseLetterRequest
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.services import today_local
from crm.demo.compliance import office_day
from crm.demo.state import DemoState
from crm.demo_data import COMPANIES, INSTITUTIONS
from crm.demo_data_history import CASE_PLANS
from crm.extensions import db
from crm.i18n import local_zone
from crm.letters.jobs import start_render
from crm.letters.models import STATUSES, Letter, LetterEvent, LetterheadSetting
from crm.letters.services import arrears_facts, draft_letter, pds_facts
from crm.letters.workflow import (
    approve_letter,
    cancel_letter,
    dispatch_letter,
    receive_letter,
    return_letter,
    submit_letter,
)
from crm.meetings.models import Interaction

RETURN_COMMENT = (
    "Mohon rincian tunggakan diperbarui sesuai impor terakhir dan nama pejabat penerima "
    "dicek kembali sebelum diajukan lagi."
)
CANCEL_NOTE = "Perusahaan melunasi sebelum surat diajukan; surat tidak diperlukan."
RECIPIENTS = (
    "Sdr. Rudi Hartono (resepsionis)",
    "Ibu Sari Wulandari, Sekretaris Direksi",
    "Bpk. Agus Salim, Staf HRD",
    "Sdri. Maya Lestari, Bagian Umum",
)
COURIERS = ("JNE", "POS", "TIKI")
# A realistic letterhead in place of the migration's placeholders (fictional signatory).
DEMO_LETTERHEAD = {
    "office_name": "Deputi Direktur Bidang Kepesertaan Korporasi dan Institusi",
    "office_address": (
        "Menara Jamsostek, Jl. Jenderal Gatot Subroto No. 38, Jakarta Selatan 12710\n"
        "Telepon 175 · www.bpjsketenagakerjaan.go.id"
    ),
    "signatory_name": "Dra. Ratna Kusumawati, M.M.",
    "signatory_title": "Deputi Direktur Bidang Kepesertaan Korporasi dan Institusi",
    "tembusan": "Direktur Kepesertaan\nKepala Kantor Wilayah DKI Jakarta\nArsip",
}


class LetterPlan(NamedTuple):
    """A demo letter outside the cases: `state` is where the seed leaves it; an approved
    one is approved `approved` days ago, then (after rendering) dispatched `dispatched`
    days ago by `channel` and received `received` days ago."""

    letter_type: str
    state: str
    approved: int | None = None
    channel: str | None = None
    dispatched: int | None = None
    received: int | None = None


# Accounts are picked in catalog order among those without a case (see _plan_accounts).
# Escalation letters come only from the demo cases (crm.letters.types).
COMPANY_PLANS = (
    LetterPlan("ajakan_kepesertaan", "draft"),
    LetterPlan("ajakan_kepesertaan", "returned"),
    LetterPlan("piagam_sertakan", "approved", 9, "email", 8, 8),
    LetterPlan("piagam_sertakan", "cancelled"),
    LetterPlan("ajakan_kepesertaan", "approved", 12, "courier", 11, 7),
    LetterPlan("piagam_sertakan", "submitted"),
)
MEETING_PLANS = (
    LetterPlan("undangan", "submitted"),
    LetterPlan("undangan", "approved", 3),  # issued, not sent yet,
)
INSTITUTION_PLANS = (
    LetterPlan("pengantar_mou", "approved", 6, "registered_post", 5, 2),
    LetterPlan("pengantar_mou", "draft"),
)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_zone()).astimezone(UTC)


def _backdate(letter: Letter, kinds: tuple[str, ...], when: datetime) -> None:
    """The services write "now": move this letter's last steps to the story's moment."""
    db.session.flush()
    db.session.execute(
        update(LetterEvent)
        .where(LetterEvent.letter_id == letter.id, LetterEvent.kind.in_(kinds))
        .values(created_at=when)
    )
    db.session.execute(
        update(AuditLog)
        .where(
            AuditLog.entity_type == "letter",
            AuditLog.entity_id == str(letter.id),
            AuditLog.action.in_([f"letter.{k}" for k in kinds]),
        )
        .values(created_at=when)
    )


def _author(letter_or_account, boss: User) -> User:
    account = getattr(letter_or_account, "account", letter_or_account)
    rm = db.session.get(User, account.rm_id) if account.rm_id else None
    return rm or boss


def _approver(letter: Letter, boss: User) -> User:
    """The supervisor who did not write the letter (four eyes)."""
    if letter.created_by_id != boss.id:
        return boss
    return db.session.scalar(select(User).where(User.email == "supervisor2@relasi.test"))


def _case_letters() -> list[tuple[date, Letter]]:
    """The case letters whose request the cases already issued, with their issue date."""
    rows = db.session.execute(
        select(CaseLetterRequest.issued_on, Letter)
        .join(Letter, Letter.id == CaseLetterRequest.letter_id)
        .where(CaseLetterRequest.status.in_(("issued", "received")))
        .order_by(CaseLetterRequest.issued_on, CaseLetterRequest.id)
    ).all()
    return [(day, letter) for day, letter in rows]


def _plan_accounts(accounts: dict[str, Account]):
    """(plan, account, meeting) for the demo letters outside the cases, in a fixed order."""
    in_cases = {p.company for p in CASE_PLANS}
    companies = [
        accounts[c.name] for c in COMPANIES if c.name not in in_cases and c.rm and not c.parent
    ]
    for plan, account in zip(COMPANY_PLANS, companies, strict=False):
        yield plan, account, None
    planned = db.session.scalars(
        select(Interaction)
        .where(
            Interaction.status == "planned",
            Interaction.account_id.in_([a.id for a in companies[len(COMPANY_PLANS) :]]),
        )
        .order_by(Interaction.starts_at, Interaction.id)
    ).all()
    seen: set[int] = set()
    meetings = [m for m in planned if not (m.account_id in seen or seen.add(m.account_id))]
    for plan, meeting in zip(MEETING_PLANS, meetings, strict=False):
        yield plan, meeting.account, meeting
    for plan, spec in zip(INSTITUTION_PLANS, INSTITUTIONS, strict=False):
        yield plan, accounts[spec.name], None


def _facts_as_of(letter: Letter, day: date) -> None:
    """The letter's arrears and PDS facts as they stood on its (back-dated) letter date: a
    letter dated 25 September shows the months overdue on 25 September, not the seed's."""
    facts = dict(letter.facts or {})
    if facts.get("arrears") is not None:
        facts["arrears"] = arrears_facts(letter.account_id, day)
    if "pds" in facts:
        facts["pds"] = pds_facts(letter.account_id, day)
    letter.facts = facts


def _approve(letter: Letter, day: date, boss: User) -> None:
    _facts_as_of(letter, day)
    author = _author(letter, boss)
    submit_letter(letter, author)
    _backdate(letter, ("submitted",), _moment(day, 9))
    approve_letter(letter, _approver(letter, boss), today=day)
    _backdate(letter, ("approved",), _moment(day, 11))
    letter.submitted_at, letter.approved_at = _moment(day, 9), _moment(day, 11)


def _set_letterhead() -> None:
    head = db.session.get(LetterheadSetting, 1)
    if head is None:
        head = LetterheadSetting(id=1)
        db.session.add(head)
    for name, value in DEMO_LETTERHEAD.items():
        setattr(head, name, value)


def _add_letters(
    state: DemoState, accounts: dict[str, Account], users: dict[str, User]
) -> dict[str, int]:
    """Case letters submitted and approved on their issue date; the other demo letters
    drafted, returned, submitted, approved or cancelled (caller commits)."""
    boss, cal, today = users["supervisor"], working_calendar(LETTER), state.today
    _set_letterhead()
    approvals = _case_letters()
    for plan, account, meeting in _plan_accounts(accounts):
        author = _author(account, boss)
        letter = draft_letter(account, plan.letter_type, author, interaction=meeting, today=today)
        if plan.state == "approved":
            approvals.append((office_day(cal, today - timedelta(days=plan.approved)), letter))
        elif plan.state in ("submitted", "returned"):
            submit_letter(letter, author)
            if plan.state == "returned":
                return_letter(letter, RETURN_COMMENT, boss)
        elif plan.state == "cancelled":
            cancel_letter(letter, author, CANCEL_NOTE)
    # Numbers run in date order, as they would have been given.
    for day, letter in sorted(approvals, key=lambda pair: (pair[0], pair[1].id)):
        _approve(letter, day, boss)
    db.session.flush()
    return {"letters": db.session.scalar(select(db.func.count()).select_from(Letter))}


# -- after the seed commits: render, dispatch, receive -----------------------------------------


def render_demo_letters(supervisor: User) -> tuple[int, bool]:
    """Queue the approved letters' render (commits) and, when Redis answers, run the queued
    jobs here with the worker's own code; (letters queued, rendered now)."""
    from rq import SimpleWorker

    ids = list(
        db.session.scalars(select(Letter.id).where(Letter.status == "approved").order_by(Letter.id))
    )
    if not ids:
        return 0, False
    start_render(ids, supervisor)
    db.session.commit()  # the job reaches Redis only after this commit
    ok, _detail = queue.redis_ok()
    if not ok:
        return len(ids), False
    q = queue.get_queue()
    # RQ installs its own SIGINT/SIGTERM handlers and leaves them behind after a burst; put
    # ours back, or a Ctrl-C to `flask serve` (which seeds in-process) would hit RQ's.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([q], connection=q.connection).work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    db.session.expire_all()
    return len(ids), True


def _deliveries(accounts: dict[str, Account]):
    """(letter, channel, dispatched on, received on or None) for the issued demo letters."""
    cal, today = working_calendar(LETTER), today_local()
    requests = db.session.scalars(
        select(CaseLetterRequest)
        .where(CaseLetterRequest.letter_id.is_not(None), CaseLetterRequest.issued_on.is_not(None))
        .order_by(CaseLetterRequest.issued_on, CaseLetterRequest.id)
    ).all()
    for n, request in enumerate(requests):
        letter = db.session.get(Letter, request.letter_id)
        channel = ("hand", "courier", "registered_post")[n % 3]
        yield letter, channel, request.issued_on, request.received_on
    for plan, account, _meeting in _plan_accounts(accounts):
        if plan.state != "approved" or plan.dispatched is None:
            continue
        letter = db.session.scalar(
            select(Letter)
            .where(Letter.account_id == account.id, Letter.letter_type == plan.letter_type)
            .order_by(Letter.id)
            .limit(1)
        )
        sent = office_day(cal, today - timedelta(days=plan.dispatched))
        got = office_day(cal, today - timedelta(days=plan.received)) if plan.received else None
        yield letter, plan.channel, sent, got


def deliver_demo_letters(supervisor: User) -> int:
    """Record dispatch and receipt of the issued demo letters, back-dated; a case letter is
    received on its request's receipt date, so its case keeps the dates the seed gave it
    (caller commits). Returns how many letters were delivered."""
    accounts = {a.name: a for a in db.session.scalars(select(Account))}
    delivered = 0
    for n, (letter, channel, sent, got) in enumerate(_deliveries(accounts)):
        if letter is None or letter.status != "issued":
            continue  # not rendered (Redis down): the worker issues it later
        _backdate(letter, ("issued",), _moment(letter.letter_date, 14))
        letter.issued_at = _moment(letter.letter_date, 14)
        tracking = f"{COURIERS[n % len(COURIERS)]}{8_800_000 + 137 * letter.id}"
        dispatch_letter(letter, channel, sent, tracking if channel == "courier" else "", supervisor)
        _backdate(letter, ("dispatched",), _moment(sent, 15))
        delivered += 1
        if got is not None:
            actor = _author(letter, supervisor)
            receive_letter(letter, got, RECIPIENTS[n % len(RECIPIENTS)], actor)
            _backdate(letter, ("received",), _moment(got, 16))
    db.session.flush()
    return delivered


def letters_per_state() -> dict[str, int]:
    rows = dict(
        db.session.execute(select(Letter.status, db.func.count()).group_by(Letter.status)).all()
    )
    return {s: rows[s] for s in STATUSES if rows.get(s)}
