"""Each role signs in through the browser and lands on its own home page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import InstitutionFactory, UserFactory
from tests.support.browser import sign_in

HOMES = {
    "admin": ("/admin/", "Administrasi"),
    "supervisor": ("/", "Papan supervisor"),
    "rm": ("/", "Hari ini"),
    "partner": ("/portal/", "Portal mitra"),
}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_signs_in_and_sees_its_home(db, page: Page, live_server, role):
    kwargs = (
        {"account": InstitutionFactory(name="Kementerian Dalam Negeri")}
        if role == "partner"
        else {}
    )
    user = UserFactory(role=role, email=f"{role}@e2e.test", **kwargs)
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, user.email)
    path, heading = HOMES[role]
    expect(page).to_have_url(f"{live_server}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    if role == "partner":
        expect(page.get_by_text("Kementerian Dalam Negeri")).to_be_visible()
    assert errors == []  # no CSP violations or script errors


def test_wrong_password_shows_a_message_and_stays_on_login(db, page: Page, live_server):
    user = UserFactory(role="rm", email="salah@e2e.test")
    db.session.commit()
    sign_in(page, live_server, user.email, "bukan-sandinya-1")
    expect(page.get_by_text("Email atau kata sandi salah.")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/login")


def test_sign_out_from_the_menu(db, page: Page, live_server):
    user = UserFactory(role="supervisor", email="keluar@e2e.test")
    db.session.commit()
    sign_in(page, live_server, user.email)
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()


def test_english_switch_on_the_login_page(page: Page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
