"""What letters add to accounts: the latest letters panel of the 360° page."""

from __future__ import annotations

from crm.accounts import hooks
from crm.extensions import db
from crm.letters.models import Letter
from crm.letters.queries import register_query

ACCOUNT_LETTERS = 10


@hooks.overview.register
def letters_panel(context: dict, account, user, args) -> dict:
    """The account's latest letters the user may see (the register's own access rule)."""
    stmt = register_query(user, "", "", "", None).where(Letter.account_id == account.id)
    letters = db.session.scalars(stmt.order_by(Letter.id.desc()).limit(ACCOUNT_LETTERS))
    return context | {"letters": list(letters)}
