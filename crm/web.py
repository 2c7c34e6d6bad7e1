"""The Flask application class: a request commits once, when its view returns; on SQLite a
request that only reads never takes the write lock, and one that turns out to write starts
again as a writer.

One commit per request (as indico's RH.process): services flush, views never commit. When
the view returns, the request's transaction commits; any exception rolls it back (the error
handler, and the session's removal at teardown). A refusal a view shows on its form is
rolled back by crm.services.show_error. Jobs commit through the job runner, CLI commands
through crm.services.unit_of_work.

SQLite has one writer at a time. A transaction that writes must take the lock at BEGIN
(BEGIN IMMEDIATE: it then waits its turn on busy_timeout); a deferred transaction that
reads first and writes later may be refused the upgrade at once, because another writer
committed since its snapshot. So a GET or HEAD request begins read-only (a deferred BEGIN,
no lock: WAL lets readers run beside the writer), and every other method as a writer. A
GET that does write (a download log, a refreshed cached figure) is stopped at its first
write statement, before anything was written (crm.db.WriteInReadTransaction), rolled back
and dispatched once more from the start as a writer. PostgreSQL is unaffected: its
transactions take row locks only where they write.
"""

from __future__ import annotations

import logging

from flask import Flask, request

from crm.db import WriteInReadTransaction, expecting_writes
from crm.extensions import db
from crm.services import commit_if_open

log = logging.getLogger(__name__)

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class App(Flask):
    def full_dispatch_request(self):
        if request.method not in READ_ONLY_METHODS:
            with expecting_writes(True):
                return super().full_dispatch_request()
        try:
            with expecting_writes(False):
                return super().full_dispatch_request()
        except Exception as exc:
            if not is_write_in_read(exc):
                raise
            log.debug(
                "%s %s writes (%r): dispatched again as a writer", request.method, request.path, exc
            )
            db.session.rollback()
            with expecting_writes(True):
                return super().full_dispatch_request()

    def dispatch_request(self):
        rv = super().dispatch_request()
        # Inside dispatch: a failed commit (a lock timeout, a write in a read transaction) is
        # handled as the view's own exception would be.
        commit_if_open()
        return rv

    def handle_user_exception(self, e):
        # Not an error to show: full_dispatch_request above starts the request again.
        if is_write_in_read(e):
            raise e
        return super().handle_user_exception(e)


def is_write_in_read(exc: BaseException) -> bool:
    """Our refusal, raw or wrapped by SQLAlchemy (StatementError keeps it as .orig)."""
    return isinstance(exc, WriteInReadTransaction) or isinstance(
        getattr(exc, "orig", None), WriteInReadTransaction
    )
