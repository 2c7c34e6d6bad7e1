"""Who may see a case, act on it, and enter a supervisor's stage."""

from __future__ import annotations

from flask_babel import gettext as _

from crm.accounts.models import Account
from crm.accounts.services import can_edit
from crm.auth.models import User
from crm.cases.models import (
    SUPERVISOR_STAGES,
    EscalationCase,
)

SUPERVISOR_ROLES = ("supervisor", "admin")


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


def require_portfolio(user: User, account: Account) -> None:
    if not can_edit(user, account) or user.role == "partner":
        raise PermissionError(_("Anda hanya dapat menangani kasus akun dalam portofolio Anda."))
