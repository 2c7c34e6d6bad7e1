"""The seeded demo as a fixture (registered in tests/conftest.py), seeded with a cheap
password hash: the demo's passwords are not what its tests check."""

from __future__ import annotations

import pytest

from crm.demo import seed


@pytest.fixture
def cheap_password_hash(monkeypatch):
    """scrypt takes 0.14 s per demo user; passwords are not what these tests check."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "crm.auth.models.generate_password_hash",
        lambda password, method=None: generate_password_hash(password, "pbkdf2:sha256:1"),
    )


@pytest.fixture
def demo(db, cheap_password_hash):
    seed("demo-relasi-2026")
    db.session.flush()
    return db
