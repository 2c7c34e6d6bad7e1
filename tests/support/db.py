"""Counting the SQL statements a piece of code sends (no N+1 queries)."""

from __future__ import annotations

from sqlalchemy import event

from crm.extensions import db as _db


def count_statements(fn):
    statements = []
    engine = _db.engines[None].engine

    def count(conn, cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    import os

    if os.environ.get("SHOWSQL"):
        print("\n".join(s[:150].replace("\n", " ") for s in statements), "\n----")
    return len(statements)
