"""What cases add to accounts: the case panel of the 360° page, and open cases that follow
their account to a new RM."""

from __future__ import annotations

from crm.accounts import hooks
from crm.cases.manage import account_cases, follow_account_rm


@hooks.overview.register
def case_panel(context: dict, account, user, args) -> dict:
    return context | {"case_panel": account_cases(account, user)}


hooks.rm_changed.register(follow_account_rm)
