"""The account 360° page's content, assembled here rather than in its view: the account's
own facts, then a panel from each feature built on accounts (meetings and tasks, compliance,
cases, letters), each added through the `accounts.overview` hook."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts import hooks, people
from crm.accounts.models import Account, Position
from crm.accounts.services import can_edit
from crm.extensions import db

FORMER_SHOWN = 20
SUBSIDIARIES_SHOWN = 50


def account_for_overview(account_id: int) -> Account | None:
    """The account with what its header shows (RM, branch, parent) loaded in one query."""
    return db.session.scalar(
        select(Account)
        .options(
            joinedload(Account.rm), joinedload(Account.branch_office), joinedload(Account.parent)
        )
        .where(Account.id == account_id)
    )


def account_overview(account: Account, user, args) -> dict:
    """The 360° page's template context: the account, its people and subsidiaries, and
    every registered feature panel (`args` are the page's query arguments, for paging)."""
    context = {
        "account": account,
        "current": people.current_positions(account.id),
        "former": former_positions(account.id),
        "subsidiaries": subsidiaries(account.id),
        "can_edit": can_edit(user, account),
    }
    return hooks.overview.fold(context, account, user, args)


def former_positions(account_id: int) -> list[Position]:
    """The newest ended positions, with their people and successors."""
    return list(
        db.session.scalars(
            select(Position)
            .options(joinedload(Position.person), joinedload(Position.successor))
            .where(Position.account_id == account_id, Position.end_date.is_not(None))
            .order_by(Position.end_date.desc())
            .limit(FORMER_SHOWN)
        )
    )


def subsidiaries(account_id: int) -> list[Account]:
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.parent_id == account_id)
            .order_by(Account.name)
            .limit(SUBSIDIARIES_SHOWN)
        )
    )
