"""The letter register's query: which letters a user may see under the register's filters
(the register page and the account 360° page's letters panel read it)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.inputs import contains_text
from crm.letters import services
from crm.letters.models import STATUSES, TYPES, Letter


def register_query(user, status: str, letter_type: str, q: str, rm_id: int | None):
    """Letters the user may see under the filters; an RM sees their portfolio's letters and
    their own drafts."""
    stmt = (
        select(Letter)
        .join(Letter.account)
        .options(contains_eager(Letter.account), joinedload(Letter.created_by))
    )
    if not services.is_supervisor(user):
        stmt = stmt.where(or_(Account.rm_id == user.id, Letter.created_by_id == user.id))
    if status in STATUSES:
        stmt = stmt.where(Letter.status == status)
    if letter_type in TYPES:
        stmt = stmt.where(Letter.letter_type == letter_type)
    if rm_id is not None:
        stmt = stmt.where(Account.rm_id == rm_id)
    if q:
        needle = search_name(q)
        stmt = stmt.where(
            or_(contains_text(Account.search_name, needle), Letter.number == q.strip())
        )
    return stmt
