"""Review of the partner portal: the defects found by trying it as an attacker and as a new
user, each with its regression test, and the properties checked that already held."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from crm.admin.services import set_user_active, update_user
from crm.audit import AuditLog
from crm.auth.models import User
from crm.extensions import db as _db
from crm.partners import invitations
from crm.partners.portal_models import PartnerInvitation
from crm.services import ServiceError
from tests.conftest import post_form
from tests.factories import InstitutionFactory, UserFactory
from tests.support.partners import partner_world

PASSWORD = "Mitra-Baru-2026"


@pytest.fixture
def world(db):
    return partner_world()


@pytest.fixture
def institution(db):
    return InstitutionFactory(name="Kementerian Uji Tinjauan", rm=UserFactory(role="rm"))


def invite(institution, email="siti@kemendagri.test"):
    invitation, token = invitations.invite_partner(
        institution, email, "Siti Aminah", institution.rm
    )
    _db.session.commit()
    return invitation, token


def accept(client, token, name="Siti A.", password=PASSWORD, confirm=None):
    return post_form(
        client,
        f"/portal/welcome/{token}",
        {"name": name, "password": password, "confirm": password if confirm is None else confirm},
    )


def partners_named(email: str) -> int:
    return _db.session.scalar(select(func.count(User.id)).where(User.email == email))


# -- the welcome page: the token stays in the address bar only ------------------------------


def test_welcome_page_sends_no_referrer_and_loads_only_own_files(app, institution):
    _, token = invite(institution)
    anon = app.test_client()
    for resp in (anon.get(f"/portal/welcome/{token}"), anon.get("/portal/welcome/tidak-ada")):
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert "noindex" in resp.headers["X-Robots-Tag"]
        assert resp.headers["Cache-Control"] == "private, no-store"
        html = resp.get_data(as_text=True)
        assert '<meta name="referrer" content="no-referrer">' in html
        # No third-party content: every src/href is a path on this site.
        for url in re.findall(r'(?:src|href)="([^"]*)"', html):
            assert url.startswith("/") and not url.startswith("//"), url
    # Elsewhere the site-wide policy stays.
    assert anon.get("/login").headers["Referrer-Policy"] == "same-origin"


def test_accepting_starts_a_fresh_session(app, institution):
    """Session fixation: nothing from the pre-acceptance session survives the sign-in."""
    _, token = invite(institution)
    anon = app.test_client()
    anon.get(f"/portal/welcome/{token}")
    with anon.session_transaction() as sess:
        sess["planted"] = "by-someone-else"
        before = dict(sess)
    assert accept(anon, token).status_code == 302
    with anon.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("csrf_token") != before.get("csrf_token")
        user = _db.session.scalar(select(User).where(User.email == "siti@kemendagri.test"))
        assert sess["_user_id"] == user.get_id()


# -- bad input on the welcome form: a message, nothing created ------------------------------


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("Siti\x1b[2JAminah", PASSWORD, "karakter kontrol"),  # a terminal escape in logs
        ("Siti \u202eanimA", PASSWORD, "karakter kontrol"),  # a name that reads backwards
        ("Siti", "Mitra\x01Baru-2026", "tidak boleh berisi karakter kontrol"),
        ("Siti", "Mitra-Baru-2026" + "x" * 200, "paling panjang 128"),
        ("   ", PASSWORD, "Wajib diisi"),
        ("x" * 121, PASSWORD, "120"),
    ],
)
def test_welcome_refuses_bad_names_and_passwords(app, institution, name, password, message):
    invitation, token = invite(institution)
    resp = accept(app.test_client(), token, name=name, password=password)
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    _db.session.refresh(invitation)
    assert invitation.used_at is None and partners_named(invitation.email) == 0


def test_nul_bytes_are_refused_before_the_form(app, institution):
    """crm.routing refuses NUL anywhere in a form (PostgreSQL would 500 on it)."""
    invitation, token = invite(institution)
    for name, password in (("Siti\x00", PASSWORD), ("Siti", "Mitra\x00Baru-2026")):
        resp = accept(app.test_client(), token, name=name, password=password)
        assert resp.status_code == 400 and "NUL" in resp.get_data(as_text=True)
    _db.session.refresh(invitation)
    assert invitation.used_at is None and partners_named(invitation.email) == 0


def test_invite_form_refuses_control_characters(client, login_as, institution):
    login_as(institution.rm)
    resp = post_form(
        client,
        f"/accounts/{institution.id}/partner-users",
        {"email": "siti@kemendagri.test", "name": "Siti\x07"},
    )
    assert resp.status_code == 400 and "karakter kontrol" in resp.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(PartnerInvitation.id))) == 0


# -- expiry with a frozen clock; reuse; revoke; the audit trail -----------------------------


@pytest.fixture
def frozen(monkeypatch):
    """frozen(moment) stops the invitations' clock there."""

    def freeze(moment):
        monkeypatch.setattr(invitations, "utcnow", lambda: moment)

    return freeze


def test_link_works_until_its_last_second_then_expires(app, institution, frozen):
    invitation, token = invite(institution)
    created = invitation.created_at
    anon = app.test_client()
    lifetime = timedelta(days=app.config["PARTNER_INVITE_DAYS"])
    frozen(created + lifetime - timedelta(seconds=5))
    assert anon.get(f"/portal/welcome/{token}").status_code == 200
    frozen(created + lifetime + timedelta(seconds=1))
    page = anon.get(f"/portal/welcome/{token}")
    assert page.status_code == 410 and "kedaluwarsa" in page.get_data(as_text=True)
    resp = accept(anon, token)
    assert resp.status_code == 410 and partners_named(invitation.email) == 0


def test_invitation_lifecycle_leaves_an_audit_row_each(client, login_as, app, institution):
    login_as(institution.rm)
    first, _ = invite(institution, email="satu@kemendagri.test")
    second, token = invite(institution, email="dua@kemendagri.test")
    post_form(client, f"/accounts/{institution.id}/partner-users/invitations/{first.id}/revoke")
    accept(app.test_client(), token)
    rows = {
        (row.action, row.entity_id, row.actor_id)
        for row in _db.session.scalars(
            select(AuditLog).where(AuditLog.action.like("partner_invitation.%"))
        )
    }
    partner = _db.session.scalar(select(User).where(User.email == "dua@kemendagri.test"))
    assert rows == {
        ("partner_invitation.create", str(first.id), institution.rm.id),
        ("partner_invitation.create", str(second.id), institution.rm.id),
        ("partner_invitation.revoke", str(first.id), institution.rm.id),
        ("partner_invitation.accept", str(second.id), partner.id),
    }
    # A revoked link is dead, and a used one cannot be revoked afterwards.
    assert app.test_client().get(f"/portal/welcome/{_}").status_code == 410
    with pytest.raises(ServiceError):
        invitations.revoke_invitation(second, institution.rm)


# -- a partner's access follows the admin's changes at once ---------------------------------


def test_deactivated_partner_loses_access_on_the_next_request(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    assert client.get(f"/portal/agreements/{k.mou.id}").status_code == 200
    set_user_active(k.partner, False, actor=None)
    _db.session.commit()
    for url in (f"/portal/agreements/{k.mou.id}", f"/portal/documents/{k.documents['annex'].id}"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_partner_moved_to_another_institution_sees_only_the_new_one(client, login_as, world):
    k, b = world.kemendagri, world.bgn
    login_as(k.partner)
    assert client.get(f"/portal/agreements/{k.mou.id}").status_code == 200
    update_user(
        k.partner,
        email=k.partner.email,
        name=k.partner.name,
        role="partner",
        branch_office_id=None,
        account_id=b.account.id,
        actor=None,
    )
    _db.session.commit()
    # The move ends the old session; signed in again, only the new institution shows.
    assert client.get(f"/portal/agreements/{b.mou.id}").status_code == 302
    login_as(k.partner)
    assert client.get(f"/portal/agreements/{k.mou.id}").status_code == 404
    assert client.get(f"/portal/documents/{k.documents['annex'].id}").status_code == 404
    assert client.get(f"/portal/agreements/{b.mou.id}").status_code == 200


def test_partner_made_staff_leaves_the_portal(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    update_user(
        k.partner,
        email=k.partner.email,
        name=k.partner.name,
        role="rm",
        branch_office_id=None,
        account_id=None,
        actor=None,
    )
    _db.session.commit()
    assert client.get("/portal/").status_code == 302  # the new role ends the old session
    login_as(k.partner)
    assert client.get("/portal/").status_code == 403


# -- the invitation mail --------------------------------------------------------------------


def test_mail_with_a_line_break_in_the_institution_name_is_still_sent(
    app,
    client,
    login_as,
    smtp_server,
):
    rm = UserFactory(role="rm")
    account = InstitutionFactory(name="Kementerian\r\nBcc: semua@luar.test", rm=rm)
    login_as(rm)
    resp = post_form(
        client,
        f"/accounts/{account.id}/partner-users",
        {"email": "siti@kemendagri.test", "name": "Siti"},
    )
    assert resp.status_code == 302  # mailed, not a 500
    [envelope] = smtp_server.messages
    assert envelope["rcpt"] == ["<siti@kemendagri.test>"]
    message = message_from_bytes(envelope["data"], policy=policy.default)
    assert message["Bcc"] is None
    assert message["Subject"] == "Undangan Portal Mitra Relasi: Kementerian Bcc: semua@luar.test"


# -- the RM's pages: bounded, no query per row ----------------------------------------------


def _download_by_many(world, n: int, start: int = 0) -> None:
    from crm.partners.downloads import log_download

    k = world.kemendagri
    for i in range(start, start + n):
        user = UserFactory(role="partner", account=k.account, email=f"mitra{i}@uji.test")
        invitations.invite_partner(k.account, f"undang{i}@uji.test", f"Undang {i}", k.rm)
        log_download(k.documents["signed_v1" if i % 2 else "annex"], user, "10.0.0.1")
    _db.session.commit()


def test_rm_pages_do_not_query_per_row(client, login_as, world):
    from tests.support.db import count_statements

    k = world.kemendagri
    _download_by_many(world, 2)
    login_as(k.rm)
    urls = (
        f"/agreements/{k.mou.id}/downloads",
        f"/accounts/{k.account.id}/partner-users",
    )
    before = [count_statements(lambda u=u: client.get(u)) for u in urls]
    _download_by_many(world, 12, start=2)
    after = [count_statements(lambda u=u: client.get(u)) for u in urls]
    assert after == before
    for url in urls:
        assert client.get(url).status_code == 200


def test_partner_user_lists_say_when_they_are_cut(app, client, login_as, world, monkeypatch):
    k = world.kemendagri
    for i in range(3):
        UserFactory(role="partner", account=k.account, email=f"tambahan{i}@uji.test")
    _db.session.commit()
    monkeypatch.setattr(invitations, "LIST_LIMIT", 2)
    login_as(k.rm)
    page = client.get(f"/accounts/{k.account.id}/partner-users").get_data(as_text=True)
    assert "Menampilkan 2 dari 4 pengguna mitra" in page
    with app.test_request_context():
        from flask_login import login_user

        from crm.partners.invitation_views import agreement_portal_panel

        login_user(k.rm)
        panel = agreement_portal_panel(k.mou)
        assert (len(panel["users"]), panel["user_total"]) == (2, 4)


def test_inviting_a_deactivated_partner_says_what_to_do(client, login_as, world):
    k = world.kemendagri
    set_user_active(k.partner, False, actor=None)
    _db.session.commit()
    login_as(k.rm)
    resp = post_form(
        client,
        f"/accounts/{k.account.id}/partner-users",
        {"email": k.partner.email.upper(), "name": "Mitra Lama"},
    )
    assert resp.status_code == 400 and "Minta admin" in resp.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(PartnerInvitation.id))) == 0


def test_welcome_without_the_csrf_token_changes_nothing(app, institution):
    invitation, token = invite(institution)
    anon = app.test_client()
    anon.get(f"/portal/welcome/{token}")
    resp = anon.post(
        f"/portal/welcome/{token}",
        data={"name": "Siti", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert resp.status_code == 400
    _db.session.refresh(invitation)
    assert invitation.used_at is None and partners_named(invitation.email) == 0
