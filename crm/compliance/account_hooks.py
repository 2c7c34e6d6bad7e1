"""What compliance adds to accounts: the contributions and arrears panel of the 360° page."""

from __future__ import annotations

from crm.accounts import hooks
from crm.compliance.services import account_compliance, today_local


@hooks.overview.register
def compliance_panel(context: dict, account, user, args) -> dict:
    return context | {"compliance": account_compliance(account.id, today_local())}
