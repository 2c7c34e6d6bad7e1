"""What other features do when one of their letters is issued (a supply-chain invitation
marks the vendor invited, a cover letter attaches to its agreement).

A feature registers `@on_issued` in a module the app imports (its jobs module, listed in
JOB_MODULES). Hooks run inside the issuing transaction, after the letter is issued; they
must be idempotent and must not commit.
"""

from __future__ import annotations

from collections.abc import Callable

ISSUED_HOOKS: list[Callable] = []


def on_issued(func: Callable) -> Callable:
    """Register func(letter) to run when a letter is issued."""
    if func not in ISSUED_HOOKS:
        ISSUED_HOOKS.append(func)
    return func


def run_issued_hooks(letter) -> None:
    for hook in ISSUED_HOOKS:
        hook(letter)
