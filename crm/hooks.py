"""Named extension points: a feature calls its own hooks, and the features above it register
what they do there, so no feature imports one that builds on it (see DESIGN.md, layers).

A hook's functions run in registration order, inside the caller's transaction; they flush,
never commit. Features register in a module the app imports at start (a feature's jobs
module, listed in JOB_MODULES, or one named in crm.create_app).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """One extension point; `register` is used as a decorator."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self.funcs: list[Callable] = []

    def register(self, func: Callable) -> Callable:
        if func not in self.funcs:  # a module imported twice registers once
            self.funcs.append(func)
        return func

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Run every registered function; returns their results in order."""
        return [func(*args, **kwargs) for func in self.funcs]

    def fold(self, value: Any, *args: Any) -> Any:
        """Pass `value` through every registered function: each returns the next value (a
        query a feature refines, a context it adds to)."""
        for func in self.funcs:
            value = func(value, *args)
        return value

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self.funcs)}>"
