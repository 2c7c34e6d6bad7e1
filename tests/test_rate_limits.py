"""Rate limits on the expensive or guessable pages: the letter samples per user, the public
verification per address; a friendly 429 with Retry-After, audited once per window."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.letters.template_context import LETTER_TYPES
from tests.factories import UserFactory

SAMPLE = next(iter(LETTER_TYPES))


@pytest.fixture
def quick_samples(app, monkeypatch):
    """Two samples a minute (each a real WeasyPrint render)."""
    monkeypatch.setitem(app.config, "LETTER_PREVIEW_LIMIT", "2 per minute")


def test_letter_samples_are_limited_per_user(app, client, auth, login_as, quick_samples):
    login_as(UserFactory(role="rm"))
    url = f"/letters/preview/{SAMPLE}.pdf"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    html = refused.get_data(as_text=True)
    assert "Terlalu banyak permintaan" in html and "Coba lagi dalam 1 menit" in html
    auth.logout()
    login_as(UserFactory(role="supervisor"))  # another user, same address: a counter of its own
    assert client.get(url).status_code == 200


def test_letter_sample_limit_is_audited_once(db, client, login_as, quick_samples):
    user = login_as(UserFactory(role="rm"))
    for _ in range(5):
        client.get(f"/letters/preview/{SAMPLE}.pdf")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "security.throttle")).all()
    assert len(rows) == 1 and f"user:{user.id}" in rows[0].summary


@pytest.mark.parametrize("role", [None, "partner"])
def test_letter_samples_stay_closed_to_anonymous_and_partners(client, login_as, role):
    if role:
        login_as(UserFactory(role=role))
    resp = client.get(f"/letters/preview/{SAMPLE}.pdf")
    assert resp.status_code in (302, 403)


def test_verification_is_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT", "3 per minute")
    codes = [f"tebakan{i:012d}" for i in range(4)]
    assert [client.get(f"/verify/{c}").status_code for c in codes[:3]] == [404, 404, 404]
    refused = client.get(f"/verify/{codes[3]}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Coba lagi dalam" in refused.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert other.get(f"/verify/{codes[3]}").status_code == 404


def test_a_limited_json_client_gets_a_json_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_LIMIT", "1 per minute")
    client.get("/verify/tebakan000000000000")
    resp = client.get("/verify/tebakan000000000001", headers={"Accept": "application/json"})
    assert resp.status_code == 429 and resp.is_json and resp.headers["Retry-After"]
