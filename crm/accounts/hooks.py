"""Where the features built on accounts join in: accounts call these hooks and never import
meetings, cases, compliance or letters (crm.hooks)."""

from __future__ import annotations

from crm.hooks import Hook

rm_changed = Hook(
    "accounts.rm_changed",
    "func(account_ids, rm_id, actor): accounts moved to another RM (flushed already).",
)
key_person_left = Hook(
    "accounts.key_person_left",
    "func(position, successor, actor) -> a follow-up task or None: a key person left.",
)
list_filter = Hook(
    "accounts.list_filter",
    "func(stmt, filters) -> stmt: refine the account list's select for a filter of the "
    "list that another feature owns (the meeting cadence).",
)
overview = Hook(
    "accounts.overview",
    "func(context, account, user, args) -> context: add a feature's panel of the 360° page "
    "(crm.accounts.overview) to its template context.",
)
