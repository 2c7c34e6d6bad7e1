"""Fixtures: one app per session on a migrated database, a rollback per test, Redis, clients.

The database is SQLite in a temp folder unless DATABASE_URL names another (CI's PostgreSQL
pass). Tests marked `live` commit for real (worker processes must see their rows) and the
tables are emptied afterwards.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from crm import create_app
from crm.config import ROOT, TestConfig
from crm.extensions import db as _db
from crm.queue import redis_connection, start_embedded_redis
from tests.support.demo import cheap_password_hash, demo  # noqa: F401 - fixtures
from tests.support.mail import smtp_server  # noqa: F401 - a fixture for every test module

PASSWORD = "test-Password-2026"


def pytest_configure(config):
    config.addinivalue_line("markers", "live: commits for real; tables are emptied afterwards")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis")
    sock = folder / "redis.sock"
    proc = start_embedded_redis(folder, sock)
    yield f"unix://{sock}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API for the whole session: moto's server on a free local port, with one
    bucket; each test that uses it works under a prefix of its own (fixture `s3_store`)."""
    import boto3
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        # Credentials the server accepts, for every client boto3 makes in this process.
        mp.setenv("AWS_ACCESS_KEY_ID", "relasi-test")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "relasi-test-secret")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=S3_BUCKET)
        try:
            yield endpoint
        finally:
            server.stop()


S3_BUCKET = "relasi-test"


@pytest.fixture
def s3_store(app, s3_endpoint, monkeypatch) -> str:
    """The app's file store is the moto bucket, under a fresh prefix (an empty store)."""
    url = f"s3://{S3_BUCKET}/t-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(app.config, "FILE_STORE", url)
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", "us-east-1")
    return url


@pytest.fixture(params=["local", "s3"])
def store_backend(request, app, monkeypatch) -> str:
    """Run the test once on a local folder and once on the S3 bucket, each empty at first."""
    if request.param == "s3":
        request.getfixturevalue("s3_store")
    else:
        folder = request.getfixturevalue("tmp_path") / "files"
        monkeypatch.setitem(app.config, "FILE_STORE", folder)
    return request.param


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return (
        os.environ.get("DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )


def reset_database(url: str) -> None:
    """Start from an empty database: drop the PostgreSQL schema (a SQLite file is new)."""
    if url.startswith("postgresql"):
        with _db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


class RequestClient(FlaskClient):
    """Each request in a fresh app context, as in production (so `g` never leaks between
    requests); afterwards the test's own session forgets what it had loaded."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url, redis_url):
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(TestConfig(database_url, redis_url, Path(instance)))
    application.test_client_class = RequestClient
    with application.app_context():
        reset_database(database_url)
        upgrade(directory=str(ROOT / "migrations"))  # the schema exists only through migrations
        remember_seeded_rows()
        _db.session.remove()
    return application


# Rows the migrations seed (stage deadlines, arrears rules, cadence policies...): a `live`
# test empties every table afterwards, and puts these back so later tests find them.
SEEDED: dict[str, list[dict]] = {}


def remember_seeded_rows() -> None:
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in conn.execute(table.select())]
            if rows:
                SEEDED[table.name] = rows


def empty_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for t in tables:
                if t == "account":
                    # user <-> account is a cycle (partner users point at their institution):
                    # the sort order cannot put both first, so partners go before accounts.
                    conn.execute(text('DELETE FROM "user" WHERE account_id IS NOT NULL'))
                conn.execute(text(f'DELETE FROM "{t}"'))  # noqa: S608 - our own table names
        for table in _db.metadata.sorted_tables:
            if table.name in SEEDED:
                conn.execute(table.insert(), SEEDED[table.name])


@pytest.fixture(autouse=True)
def db(app, request):
    """Each test in an outer transaction that is rolled back; `live` tests commit for real."""
    ctx = app.app_context()
    ctx.push()
    redis_connection().flushdb()
    if request.node.get_closest_marker("live"):
        try:
            yield _db
        finally:
            _db.session.remove()
            empty_tables()
            redis_connection().flushdb()
            ctx.pop()
        return
    engines = _db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection  # every session of this test binds to the outer transaction
    try:
        yield _db
    finally:
        _db.session.remove()
        engines[None] = engine
        outer.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client) -> str:
    """A valid CSRF token for this client's session, read from a page's meta tag."""
    for path in ("/profile", "/login"):
        resp = client.get(path)
        match = CSRF_META.search(resp.get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError("no page gave a CSRF token")


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does: with the session's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


class AuthActions:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False):
        return post_form(
            self.client, "/login", {"email": email, "password": password}, follow_redirects=follow
        )

    def logout(self):
        return post_form(self.client, "/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth):
    """login_as(user) signs the client in as that user (made by a factory)."""

    def do(user):
        resp = auth.login(user.email)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return user

    return do
