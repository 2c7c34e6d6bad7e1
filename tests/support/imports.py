"""Helpers for tests of the import pipeline: a stored, signed ticket and a dry run without the
upload form."""

from __future__ import annotations

from crm.imports.registry import KINDS, Run
from crm.imports.runs import dry_run
from crm.imports.tickets import Ticket, new_ticket


def ticket_for(kind: str, data: bytes, rows: int, actor, scope=None, name: str = "f.csv") -> Ticket:
    """What the preview hands the confirm step, for `rows` rows of `data`."""
    return new_ticket(KINDS[kind], data, name, rows, actor, scope)


def check_file(kind: str, data: bytes, actor, scope=None, name: str = "f.csv"):
    """The dry run of a file as the upload page makes it."""
    import_kind = KINDS[kind]
    return dry_run(import_kind, data, name, Run(import_kind, actor, scope))
