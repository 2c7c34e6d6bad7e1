"""The case board as a source of letter batches: letters for the open cases it shows."""

from __future__ import annotations

from crm.cases.board import case_query, filters_from_args
from crm.cases.models import EscalationCase
from crm.compliance.services import today_local
from crm.extensions import db
from crm.letters.bulk import Target, target_source


@target_source("cases", "/cases/")
def targets_from_board(args: dict, user, limit: int) -> list[Target]:
    """The open cases of the board's filters (the user's own for an RM), at most `limit` + 1."""
    stmt = (
        case_query(filters_from_args(args), user, today_local())
        .where(EscalationCase.status == "open")
        .with_only_columns(EscalationCase.account_id, EscalationCase.id)
        .order_by(EscalationCase.id)
        .limit(limit + 1)
    )
    return [(a, c) for a, c in db.session.execute(stmt)]
