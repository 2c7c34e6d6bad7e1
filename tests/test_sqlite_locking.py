"""SQLite under several users: a page that only reads never waits for the write lock, a
GET that writes starts again as a writer, and a writer that cannot get the lock in time is
answered 503 with Retry-After (nothing saved), never a 500."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

import crm.db
from crm.accounts.models import Account
from crm.audit import AuditLog
from crm.db import is_write_statement
from crm.extensions import db as _db
from tests.conftest import post_form
from tests.factories import AccountFactory, InstitutionFactory, UserFactory

sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite's single-writer lock",
)


@contextmanager
def write_lock_held(database_url: str):
    """Another process's writer: a connection of its own holding BEGIN IMMEDIATE."""
    path = database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def short_busy_timeout(ms: int):
    """Connections opened inside give up waiting for the lock after `ms` (the setting is
    read when a connection is opened, so the pool is emptied around it)."""
    old = crm.db.BUSY_TIMEOUT_MS
    crm.db.BUSY_TIMEOUT_MS = ms
    _db.engine.dispose()
    try:
        yield
    finally:
        crm.db.BUSY_TIMEOUT_MS = old
        _db.engine.dispose()


def test_write_statements_are_told_from_reads():
    assert not is_write_statement("SELECT 1")
    assert not is_write_statement("  select * from account")
    assert not is_write_statement("WITH x AS (SELECT 1) SELECT * FROM x")
    assert not is_write_statement("SAVEPOINT sa_1")
    assert is_write_statement("INSERT INTO audit_log VALUES (1)")
    assert is_write_statement("update letter set status='approved'")
    assert is_write_statement("WITH x AS (SELECT 1) DELETE FROM account WHERE id IN x")


@sqlite_only
@pytest.mark.live
def test_pages_that_only_read_answer_while_another_writer_holds_the_lock(
    db, client, login_as, database_url
):
    supervisor = UserFactory(role="supervisor")
    account_id = AccountFactory(name="PT Baca Saja").id
    _db.session.commit()
    login_as(supervisor)
    with write_lock_held(database_url):
        started = time.monotonic()
        listing = client.get("/accounts/")
        detail = client.get(f"/accounts/{account_id}")
        home = client.get("/")
        took = time.monotonic() - started
    assert listing.status_code == 200 and "PT Baca Saja" in listing.get_data(as_text=True)
    assert detail.status_code == 200
    assert home.status_code in (200, 302)
    # Before, each waited for the lock (BEGIN IMMEDIATE) up to the 15 s busy timeout.
    assert took < 5, took


@sqlite_only
@pytest.mark.live
def test_a_writer_that_cannot_get_the_lock_in_time_gets_503_with_retry_after(
    db, client, login_as, database_url
):
    supervisor = UserFactory(role="supervisor")
    _db.session.commit()
    login_as(supervisor)
    token_page = client.get("/accounts/new")
    assert token_page.status_code == 200
    with short_busy_timeout(200), write_lock_held(database_url):
        resp = post_form(
            client,
            "/accounts/new",
            {"name": "PT Tidak Tersimpan", "kind": "company", "segment": "corporate"},
        )
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    body = resp.get_data(as_text=True)
    assert "coba lagi dalam beberapa detik" in body and "Traceback" not in body
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).where(Account.name == "PT Tidak Tersimpan")) == 0


@sqlite_only
@pytest.mark.live
def test_a_get_that_writes_starts_again_as_a_writer_and_its_row_is_saved(db, client, login_as):
    institution = InstitutionFactory()
    partner = UserFactory(role="partner", account=institution)
    _db.session.commit()
    login_as(partner)
    before = _db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "portal.denied")
    )
    _db.session.rollback()  # the test's own transaction holds no lock during the request
    # A guessed document URL: the portal answers 404 and writes a `portal.denied` audit
    # row from a GET, whose transaction began read-only.
    resp = client.get("/portal/agreements/2147480000")
    assert resp.status_code == 404
    _db.session.expire_all()
    after = _db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "portal.denied")
    )
    assert after == before + 1
