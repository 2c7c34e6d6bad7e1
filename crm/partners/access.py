"""Who may see, edit and create agreements."""

from __future__ import annotations

from crm.accounts.models import Account
from crm.partners.models import Agreement

# -- permissions --------------------------------------------------------------------------------


def is_supervisor(user) -> bool:
    return user.role in ("supervisor", "admin")


def can_view(user, agreement: Agreement | None = None) -> bool:
    """Every internal user sees every institutional agreement (the team works across
    institutions); partners see theirs only in the portal, never here."""
    return user.is_authenticated and user.role in ("rm", "supervisor", "admin")


def is_responsible(user, agreement: Agreement) -> bool:
    """The agreement's responsible RM, or the RM of the institution's account."""
    return user.role == "rm" and user.id in (agreement.rm_id, agreement.account.rm_id)


def can_edit(user, agreement: Agreement) -> bool:
    """Supervisors and admins edit every agreement; an RM the ones they are responsible for."""
    return is_supervisor(user) or is_responsible(user, agreement)


def can_create_for(user, account: Account) -> bool:
    return is_supervisor(user) or (user.role == "rm" and account.rm_id == user.id)
