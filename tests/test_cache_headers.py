"""Pages and files with personal data are never stored by a browser or proxy cache."""

from __future__ import annotations

from datetime import date

from tests.factories import AccountFactory, UserFactory
from tests.support.sponsorships import make_sponsorship


def _plain_get_paths(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_every_page_a_signed_in_user_sees_is_no_store(app, client, login_as):
    login_as(UserFactory(role="admin"))
    checked = 0
    for path in _plain_get_paths(app):
        resp = client.get(path)
        if resp.status_code == 200:
            assert "no-store" in resp.headers.get("Cache-Control", ""), path
            checked += 1
    assert checked > 30


def test_the_beneficiary_export_is_no_store(db, client, login_as):
    rm = UserFactory(role="rm")
    sponsorship = make_sponsorship(AccountFactory(rm=rm), rm, date(2026, 3, 1))
    login_as(rm)
    for fmt in ("csv", "xlsx"):
        resp = client.get(f"/sponsorships/{sponsorship.id}/beneficiaries.{fmt}")
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(app, client, login_as):
    login_as(UserFactory(role="rm"))
    resp = client.get("/static/css/app.css")
    assert resp.status_code == 200
    assert resp.headers.get("Cache-Control") != "no-store"
