"""Sign-in, lockout, safe redirects, CSRF, sessions and passwords."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.auth.views import safe_next
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("role", "home"),
    [("admin", "/admin/"), ("supervisor", "/"), ("rm", "/"), ("partner", "/portal/")],
)
def test_each_role_lands_on_its_home(client, auth, role, home):
    user = UserFactory(role=role)
    resp = auth.login(user.email)
    assert resp.status_code == 302
    final = client.get("/", follow_redirects=True)
    assert final.request.path == home
    assert final.status_code == 200


def test_wrong_password_is_refused_with_a_message(client, auth):
    user = UserFactory()
    resp = auth.login(user.email, "salah-sekali-123")
    assert resp.status_code == 200
    assert "Email atau kata sandi salah." in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_email_is_matched_case_insensitively(client, auth):
    UserFactory(email="andi@relasi.test")
    assert auth.login("  Andi@Relasi.TEST ").status_code == 302


def test_inactive_user_cannot_sign_in(auth):
    user = UserFactory(active=False)
    resp = auth.login(user.email)
    assert resp.status_code == 200
    assert "Email atau kata sandi salah." in resp.get_data(as_text=True)


THROTTLED = "Terlalu banyak percobaan masuk yang gagal"


def from_address(app, address: str):
    """A test client whose requests come from `address`."""
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


@pytest.mark.parametrize("known", [True, False])
def test_failures_slow_the_address_down_without_revealing_if_the_email_exists(client, auth, known):
    email = UserFactory().email if known else "tidak-ada@relasi.test"
    for _ in range(5):
        resp = auth.login(email, "salah-1234567")
        assert resp.status_code == 200
        assert "Email atau kata sandi salah." in resp.get_data(as_text=True)
    sixth = auth.login(email, PASSWORD)  # even the right password waits its turn
    assert sixth.status_code == 429
    assert THROTTLED in sixth.get_data(as_text=True)
    assert 0 < int(sixth.headers["Retry-After"]) <= 60


def test_no_account_is_ever_locked_the_owner_gets_in_from_another_address(app, auth):
    user = UserFactory()
    for _ in range(12):  # an attacker's burst, far past the old five-strikes lock
        auth.login(user.email, "salah-1234567")
    assert auth.login(user.email, "salah-1234567").status_code == 429
    owner = from_address(app, "10.20.30.40")
    resp = post_form(owner, "/login", {"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302
    assert owner.get("/").status_code == 200


def test_the_wait_grows_with_more_failures(app, auth, monkeypatch):
    # The default tiers (5 a minute, 10 per 15 minutes, 20 a day) shrunk to seconds.
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT_ADDRESS", "3 per 2 seconds; 5 per hour")
    user = UserFactory()
    for _ in range(3):
        auth.login(user.email, "salah-1234567")
    first = auth.login(user.email, "salah-1234567")
    assert first.status_code == 429 and int(first.headers["Retry-After"]) <= 2
    time.sleep(2.1)
    for _ in range(2):
        assert auth.login(user.email, "salah-1234567").status_code == 200
    second = auth.login(user.email, PASSWORD)
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 60


def test_an_address_spraying_many_emails_is_slowed_down(client, auth):
    statuses = [auth.login(f"orang{i}@relasi.test", "salah-1234567").status_code for i in range(40)]
    assert 429 in statuses
    assert statuses.index(429) <= 10
    assert statuses.count(429) >= 25
    resp = auth.login("orang99@relasi.test", "salah-1234567")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "Coba lagi dalam" in resp.get_data(as_text=True)


def test_a_right_password_does_not_count_as_a_failure(client, auth):
    user = UserFactory()
    for _ in range(8):
        assert auth.login(user.email).status_code == 302
        auth.logout()


def test_throttles_are_audited_once_per_window(db, auth):
    for _ in range(9):
        auth.login("siapa@relasi.test", "salah-1234567")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "security.throttle")).all()
    assert len(rows) == 1
    assert "siapa@relasi.test" in rows[0].summary and rows[0].entity_id == "auth.login"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil",
        " //evil.example",
        "/\t/evil.example",
    ],
)
def test_next_never_leaves_the_site(client, auth, target):
    user = UserFactory()
    token = csrf_token(client)
    resp = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "next": target, "csrf_token": token},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] in ("/", "/admin/")


def test_next_local_path_is_followed(client):
    user = UserFactory(role="admin")
    resp = post_form(
        client,
        "/login",
        {"email": user.email, "password": PASSWORD, "next": "/admin/audit/?action=x"},
    )
    assert resp.headers["Location"] == "/admin/audit/?action=x"


def test_safe_next_accepts_only_local_paths():
    assert safe_next("/jobs/") == "/jobs/"
    assert safe_next("//x") is None
    assert safe_next("https://x/") is None
    assert safe_next("jobs") is None
    assert safe_next(None) is None


def test_post_without_csrf_token_is_400(client):
    user = UserFactory()
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 400
    assert "Formulir kedaluwarsa" in resp.get_data(as_text=True)


def test_post_with_a_forged_csrf_token_is_400(client, login_as):
    login_as(UserFactory(role="admin"))
    resp = client.post(
        "/admin/branches/new",
        data={"csrf_token": "forged", "code": "X", "name": "X", "region": "Y"},
    )
    assert resp.status_code == 400


def test_session_cookie_is_httponly_and_samesite_lax(client):
    user = UserFactory()
    resp = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_needs_a_post_and_ends_the_session(client, auth, login_as):
    login_as(UserFactory())
    assert client.get("/logout").status_code == 200  # a confirm page, not a sign-out
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_deactivation_ends_existing_sessions(db, client, login_as):
    user = login_as(UserFactory())
    assert client.get("/").status_code == 200
    user.active = False
    user.session_version += 1
    db.session.flush()
    assert client.get("/").status_code == 302


def test_password_change_invalidates_other_sessions(db, app, client, login_as):
    user = login_as(UserFactory())
    other = app.test_client()
    post_form(other, "/login", {"email": user.email, "password": PASSWORD})
    assert other.get("/").status_code == 200
    resp = post_form(
        client,
        "/profile",
        {
            "pw-current": PASSWORD,
            "pw-new": "baru-Sandi-2027",
            "pw-confirm": "baru-Sandi-2027",
            "pw-submit": "1",
        },
    )
    assert resp.status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/").status_code == 302  # the other one is signed out
    assert user.check_password("baru-Sandi-2027")


@pytest.mark.parametrize(
    ("new", "message"),
    [("pendek1", "minimal 10 karakter"), ("hanyahurufsaja", "campuran huruf")],
)
def test_weak_new_password_is_refused(client, login_as, new, message):
    user = login_as(UserFactory())
    resp = post_form(
        client,
        "/profile",
        {"pw-current": PASSWORD, "pw-new": new, "pw-confirm": new, "pw-submit": "1"},
    )
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    assert user.check_password(PASSWORD)


def test_wrong_current_password_is_refused(client, login_as):
    user = login_as(UserFactory())
    resp = post_form(
        client,
        "/profile",
        {
            "pw-current": "bukan-ini-123",
            "pw-new": "baru-Sandi-2027",
            "pw-confirm": "baru-Sandi-2027",
            "pw-submit": "1",
        },
    )
    assert "Kata sandi sekarang salah." in resp.get_data(as_text=True)
    assert user.check_password(PASSWORD)


def test_temporary_password_must_be_changed_first(client, login_as):
    login_as(UserFactory(must_change_password=True))
    resp = client.get("/jobs/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/profile")


def test_passwords_are_hashed_with_scrypt():
    user = UserFactory()
    user.set_password("sebuah-Sandi-99")
    assert user.password_hash.startswith("scrypt:")
    assert "sebuah-Sandi-99" not in user.password_hash


def test_english_can_be_chosen_before_signing_in(client):
    post_form(client, "/language", {"lang-locale": "en"})
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in" in html and 'lang="en"' in html


def test_user_language_preference_applies(db, client, login_as):
    user = login_as(UserFactory(role="admin"))
    post_form(client, "/profile", {"lang-locale": "en", "lang-submit": "1"})
    assert user.locale == "en"
    assert "Users" in client.get("/admin/").get_data(as_text=True)
