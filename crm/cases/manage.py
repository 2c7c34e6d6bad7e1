"""Helpers for opening a case by hand and for the pages around a case: find the account
from what the user typed (NPP or account id), the cases listed on an account's page, and
the account's arrears and timeline shown on a case page."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts.identifiers import digits
from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases.models import EscalationCase
from crm.cases.services import CaseError
from crm.compliance.services import account_compliance, today_local
from crm.extensions import db

ACCOUNT_CASES_LIMIT = 10
TIMELINE_LIMIT = 10
ARREARS_ROWS = 24
MAX_ID_DIGITS = 18  # beyond a BIGINT: never an account id


def find_account(raw: str | None) -> Account:
    """The account an NPP (8 digits, dots and spaces allowed) or an account id names;
    CaseError on the "account" field when the text names none."""
    text = (raw or "").strip()
    if not text:
        raise CaseError(_("Isi NPP (8 digit) atau nomor ID akun."), "account")
    value = digits(text.removeprefix("#"))
    if not value.isdigit() or len(value) > MAX_ID_DIGITS:
        raise CaseError(
            _(
                "Isi NPP (8 digit) atau nomor ID akun, hanya angka. Untuk mencari dengan "
                "nama, pakai daftar akun."
            ),
            "account",
        )
    if len(value) == 8 and not text.startswith("#"):
        account = db.session.scalar(select(Account).where(Account.npp == value))
        if account is not None:
            return account
    account = db.session.get(Account, int(value))
    if account is None:
        if len(value) == 8:
            raise CaseError(_("Tidak ada akun dengan NPP atau ID %(v)s.", v=value), "account")
        raise CaseError(_("Tidak ada akun dengan ID %(v)s.", v=value), "account")
    return account


@dataclass
class AccountCases:
    cases: list[EscalationCase]
    more: bool  # more cases than shown


def account_cases(account: Account, user: User, limit: int = ACCOUNT_CASES_LIMIT) -> AccountCases:
    """The account's cases the user may open, open ones first, then the newest. An RM
    outside the account's portfolio sees only cases they own (crm.cases.services.can_view)."""
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
    from crm.meetings import queries as meeting_queries
    from crm.meetings.services import can_log, can_see_minutes

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
