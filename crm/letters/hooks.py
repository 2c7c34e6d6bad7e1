"""What other features do when one of their letters is issued or received (a case starts
its stage clock, a supply-chain invitation marks the vendor invited, a cover letter
attaches to its agreement): letters call these hooks and never import those features.

A feature registers `@on_issued` / `@on_received` in a module the app imports (its jobs
module, listed in JOB_MODULES). Hooks run inside the issuing or receiving transaction,
after the letter's own change; they must be idempotent and must not commit. A received
hook may refuse with a ServiceError: the receipt is then not recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from crm.hooks import Hook

ISSUED_HOOKS: list[Callable] = []


def on_issued(func: Callable) -> Callable:
    """Register func(letter) to run when a letter is issued."""
    if func not in ISSUED_HOOKS:
        ISSUED_HOOKS.append(func)
    return func


def run_issued_hooks(letter) -> None:
    for hook in ISSUED_HOOKS:
        hook(letter)


RECEIVED_HOOKS: list[Callable] = []


def on_received(func: Callable) -> Callable:
    """Register func(letter, day, actor, today) to run when a letter's receipt is recorded."""
    if func not in RECEIVED_HOOKS:
        RECEIVED_HOOKS.append(func)
    return func


def run_received_hooks(letter, day, actor, today) -> None:
    for hook in RECEIVED_HOOKS:
        hook(letter, day, actor, today)


deadline_days_of = Hook(
    "letters.deadline_days",
    "func(days, letter_type, on) -> days: the working days a letter of this type gives its "
    "addressee, on a date. A case letter's days are its stage's deadline rule (crm.cases), "
    "so the case clock and the sentence in the letter come from one setting.",
)


context_of = Hook(
    "letters.context",
    "func(context, letter) -> context: facts a feature above letters adds to a letter's "
    "render context (the Denda rate and window in force on the letter's date: crm.cases).",
)
