"""Server-side revocable sessions, the idle timeout and absolute lifetime, a form kept
across a new sign-in, and CSRF tokens bounded to the session."""

from __future__ import annotations

import types
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.admin import services as admin_services
from crm.auth import sessions
from crm.db import utcnow
from crm.i18n import local_date
from crm.meetings.models import Interaction
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.factories import AccountFactory, UserFactory

LONG_MINUTES = "Rapat dengan GM Human Capital. " * 60 + "Tindak lanjut: data pekerja baru."


class Clock:
    """The sessions' clock, moved by hand."""

    def __init__(self, monkeypatch) -> None:
        self.now = utcnow()
        monkeypatch.setattr(sessions, "utcnow", lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def replay(app, cookie_value: str):
    """A new browser holding a saved copy of a session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


@pytest.fixture
def rm_with_account(db):
    rm = UserFactory(role="rm")
    return rm, AccountFactory(rm=rm)


def test_a_replayed_cookie_opens_nothing_after_logout(app, client, auth, rm_with_account):
    rm, account = rm_with_account
    auth.login(rm.email)
    cookie = saved_cookie(client)
    assert replay(app, cookie).get(f"/accounts/{account.id}").status_code == 200
    auth.logout()
    resp = replay(app, cookie).get(f"/accounts/{account.id}")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_logout_ends_the_users_sessions_on_every_device(app, client, auth, rm_with_account):
    rm, account = rm_with_account
    laptop = app.test_client()
    post_form(laptop, "/login", {"email": rm.email, "password": PASSWORD})
    auth.login(rm.email)
    auth.logout()
    assert laptop.get(f"/accounts/{account.id}").status_code == 302


@pytest.mark.parametrize("change", ["deactivate", "role", "password"])
def test_deactivation_role_and_password_changes_end_saved_sessions(
    app, db, client, auth, rm_with_account, change
):
    rm, account = rm_with_account
    auth.login(rm.email)
    cookie = saved_cookie(client)
    admin = UserFactory(role="admin")
    if change == "deactivate":
        admin_services.set_user_active(rm, False, admin)
    elif change == "role":
        admin_services.update_user(
            rm,
            email=rm.email,
            name=rm.name,
            role="supervisor",
            branch_office_id=rm.branch_office_id,
            account_id=None,
            actor=admin,
        )
    else:
        rm.set_password("baru-Sandi-2027")
    db.session.flush()
    resp = replay(app, cookie).get(f"/accounts/{account.id}", follow_redirects=True)
    assert resp.request.path == "/login"
    assert "Sesi Anda sudah diakhiri." in resp.get_data(as_text=True)


def test_an_idle_session_ends_after_two_hours_with_a_clear_message(
    client, auth, clock, rm_with_account
):
    rm, account = rm_with_account
    auth.login(rm.email)
    for _ in range(4):  # active every 100 minutes: still signed in after more than 6 hours
        clock.advance(minutes=100)
        assert client.get(f"/accounts/{account.id}").status_code == 200
    clock.advance(hours=2, minutes=1)
    resp = client.get(f"/accounts/{account.id}", follow_redirects=True)
    assert resp.request.path == "/login"
    html = resp.get_data(as_text=True)
    assert "Sesi Anda berakhir karena tidak ada aktivitas selama 120 menit." in html
    assert client.get("/").status_code == 302  # and it stays ended


def test_a_session_ends_twelve_hours_after_signing_in_however_active(
    client, auth, clock, rm_with_account
):
    rm = rm_with_account[0]
    auth.login(rm.email)
    for _ in range(11):
        clock.advance(hours=1)
        assert client.get("/").status_code == 200
    clock.advance(hours=1, minutes=1)
    resp = client.get("/", follow_redirects=True)
    assert resp.request.path == "/login"
    assert "sudah 12 jam sejak Anda masuk" in resp.get_data(as_text=True)


def test_the_lifetimes_are_settings(app, client, auth, clock, monkeypatch, rm_with_account):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    auth.login(rm_with_account[0].email)
    clock.advance(minutes=6)
    assert client.get("/").status_code == 302


def meeting_form(**changes) -> dict:
    form = {
        "type": "formal_meeting",
        "status": "planned",
        "day": (local_date(utcnow()) + timedelta(days=1)).isoformat(),
        "start": "09:00",
        "end": "10:30",
        "place": "Kantor Pusat",
        "online_link": "",
        "agenda": "Kepatuhan iuran",
        "minutes": LONG_MINUTES,
        "outcome": "",
        "sentiment": "",
    }
    form.update(changes)
    return form


def test_minutes_sent_after_the_session_ended_come_back_after_signing_in(
    db, client, auth, clock, rm_with_account
):
    rm, account = rm_with_account
    auth.login(rm.email)
    url = f"/meetings/new?account={account.id}"
    token = csrf_token(client)  # the form was opened...
    clock.advance(hours=3)  # ...and typed for three hours
    resp = client.post(url, data={**meeting_form(), "csrf_token": token})
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Sesi Anda berakhir" in page and "Isian formulir yang Anda kirim disimpan" in page
    assert (
        db.session.scalar(select(Interaction).where(Interaction.account_id == account.id)) is None
    )

    back = auth.login(rm.email)
    assert back.headers["Location"] == url
    form_page = client.get(url).get_data(as_text=True)
    assert "Tindak lanjut: data pekerja baru." in form_page
    assert "Kepatuhan iuran" in form_page
    # Sent again, with a fresh token: saved once.
    assert post_form(client, url, meeting_form()).status_code == 302
    saved = db.session.scalar(select(Interaction).where(Interaction.account_id == account.id))
    assert saved is not None and saved.minutes == LONG_MINUTES
    assert LONG_MINUTES[-30:] not in client.get(url).get_data(as_text=True)  # shown once


def test_a_kept_form_is_given_only_to_its_own_user(app, client, auth, clock, rm_with_account):
    rm, account = rm_with_account
    auth.login(rm.email)
    url = f"/meetings/new?account={account.id}"
    token = csrf_token(client)
    clock.advance(hours=3)
    client.post(url, data={**meeting_form(), "csrf_token": token})
    other = UserFactory(role="rm")
    resp = auth.login(other.email)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "Tindak lanjut" not in client.get(url).get_data(as_text=True)


def test_an_anonymous_post_is_sent_to_sign_in_and_keeps_nothing(client, rm_with_account):
    _, account = rm_with_account
    url = f"/meetings/new?account={account.id}"
    resp = client.post(url, data={**meeting_form(), "csrf_token": csrf_token(client)})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert "Isian formulir" not in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_csrf_token_lives_as_long_as_a_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == app.config["SESSION_LIFETIME_HOURS"] * 3600
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 12 * 3600


def itsdangerous_clock(monkeypatch, ahead: timedelta) -> None:
    import time as real_time

    import itsdangerous.timed

    fake = types.SimpleNamespace(time=lambda: real_time.time() + ahead.total_seconds())
    monkeypatch.setattr(itsdangerous.timed, "time", fake)


def test_an_expired_form_token_gives_the_form_back_with_a_message(
    db, client, auth, monkeypatch, rm_with_account
):
    rm, account = rm_with_account
    auth.login(rm.email)
    url = f"/meetings/new?account={account.id}"
    token = csrf_token(client)
    itsdangerous_clock(monkeypatch, timedelta(hours=12, minutes=1))
    resp = client.post(url, data={**meeting_form(), "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "Formulir ini terbuka terlalu lama" in page
    assert "Tindak lanjut: data pekerja baru." in page
    assert (
        db.session.scalar(select(Interaction).where(Interaction.account_id == account.id)) is None
    )


def test_an_expired_token_on_the_sign_in_page_is_a_message_not_an_error(
    client, monkeypatch, rm_with_account
):
    token = csrf_token(client)
    itsdangerous_clock(monkeypatch, timedelta(hours=13))
    resp = client.post(
        "/login",
        data={"email": rm_with_account[0].email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=True,
    )
    assert resp.status_code == 200 and resp.request.path == "/login"
    assert "Formulir ini terbuka terlalu lama" in resp.get_data(as_text=True)


def test_a_forged_token_is_still_refused(client, login_as, rm_with_account):
    login_as(rm_with_account[0])
    resp = client.post("/meetings/new", data={**meeting_form(), "csrf_token": "forged"})
    assert resp.status_code == 400
