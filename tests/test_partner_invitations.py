"""Partner-user invitations: who may invite, the single-use expiring link, accepting it, and
the mail through a real (local) SMTP server or the link shown to the RM."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db as _db
from crm.partners.invitations import hash_token
from crm.partners.portal_models import PartnerInvitation
from tests.conftest import post_form
from tests.factories import AccountFactory, InstitutionFactory, UserFactory
from tests.support.partners import make_agreement

LINK = re.compile(r'value="(http://[^"]+/portal/welcome/([A-Za-z0-9_-]+))"')
NEW_PASSWORD = "Mitra-Baru-2026"


@pytest.fixture
def institution(db):
    rm = UserFactory(role="rm", name="Rina RM")
    return InstitutionFactory(name="Kementerian Dalam Negeri Uji", rm=rm)


def invite(client, account, email="siti@kemendagri.test", name="Siti Aminah"):
    return post_form(
        client, f"/accounts/{account.id}/partner-users", {"email": email, "name": name}
    )


def invitations_of(account) -> list[PartnerInvitation]:
    return list(
        _db.session.scalars(
            select(PartnerInvitation)
            .where(PartnerInvitation.account_id == account.id)
            .order_by(PartnerInvitation.id)
        )
    )


def shown_link(resp) -> tuple[str, str]:
    match = LINK.search(resp.get_data(as_text=True))
    assert match, resp.get_data(as_text=True)[:3000]
    return match.group(1), match.group(2)


def test_rm_invites_and_the_link_is_shown_once_without_smtp(client, login_as, institution):
    login_as(institution.rm)
    resp = invite(client, institution)
    assert resp.status_code == 200
    _, token = shown_link(resp)
    assert resp.headers["Cache-Control"] == "private, no-store"
    [invitation] = invitations_of(institution)
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert (
        invitation.email == "siti@kemendagri.test" and invitation.invited_by_id == institution.rm.id
    )
    days = (invitation.expires_at - utcnow()).total_seconds() / 86400
    assert 6.9 < days <= 7
    assert _db.session.scalar(
        select(AuditLog).where(AuditLog.action == "partner_invitation.create")
    )
    # The list page shows the pending invitation, but never the link again.
    page = client.get(f"/accounts/{institution.id}/partner-users").get_data(as_text=True)
    assert "siti@kemendagri.test" in page and token not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("account_rm", 200),
        ("agreement_rm", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("other_rm", 403),
        ("partner", 403),
    ],
)
def test_who_may_invite(client, login_as, institution, who, status):
    agreement_rm = UserFactory(role="rm")
    make_agreement(institution, rm=agreement_rm)
    user = {
        "account_rm": institution.rm,
        "agreement_rm": agreement_rm,
        "supervisor": UserFactory(role="supervisor"),
        "admin": UserFactory(role="admin"),
        "other_rm": UserFactory(role="rm"),
        "partner": UserFactory(role="partner", account=institution),
    }[who]
    login_as(user)
    assert client.get(f"/accounts/{institution.id}/partner-users").status_code == status
    resp = invite(client, institution)
    assert resp.status_code == status
    assert len(invitations_of(institution)) == (1 if status == 200 else 0)


def test_unknown_account_is_404(client, login_as, db):
    login_as(UserFactory(role="supervisor"))
    assert client.get("/accounts/987654321/partner-users").status_code == 404


def test_duplicate_email_gets_a_clear_message(client, login_as, institution):
    UserFactory(email="ada@kemendagri.test")
    login_as(institution.rm)
    resp = invite(client, institution, email="ADA@kemendagri.test")
    assert resp.status_code == 400
    assert "Email ini sudah dipakai pengguna lain" in resp.get_data(as_text=True)
    assert invitations_of(institution) == []


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("bukan-email", "Siti", "Alamat email tidak valid."),
        ("", "Siti", "Isi email pengguna."),
        ("siti@kemendagri.test", "", "Isi nama pengguna."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(
    client, login_as, institution, email, name, message
):
    login_as(institution.rm)
    resp = invite(client, institution, email=email, name=name)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert invitations_of(institution) == []


def test_company_accounts_get_no_partner_users(client, login_as, db):
    rm = UserFactory(role="rm")
    company = AccountFactory(rm=rm)
    login_as(rm)
    resp = invite(client, company)
    assert resp.status_code == 400
    assert "hanya untuk institusi" in resp.get_data(as_text=True)


def test_inviting_again_replaces_the_earlier_link(app, client, login_as, institution):
    login_as(institution.rm)
    _, first = shown_link(invite(client, institution))
    _, second = shown_link(invite(client, institution))
    old, new = invitations_of(institution)
    assert old.revoked_at is not None and new.revoked_at is None
    anon = app.test_client()
    assert anon.get(f"/portal/welcome/{first}").status_code == 410
    assert anon.get(f"/portal/welcome/{second}").status_code == 200


def accept(client, token, password=NEW_PASSWORD, confirm=None, name="Siti A."):
    return post_form(
        client,
        f"/portal/welcome/{token}",
        {"name": name, "password": password, "confirm": confirm or password},
    )


def test_accepting_creates_the_partner_logs_in_and_lands_on_the_portal(
    app, institution, login_as, client
):
    login_as(institution.rm)
    _, token = shown_link(invite(client, institution))
    anon = app.test_client()
    page = anon.get(f"/portal/welcome/{token}")
    assert page.status_code == 200 and "siti@kemendagri.test" in page.get_data(as_text=True)
    resp = accept(anon, token)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/")
    user = _db.session.scalar(select(User).where(User.email == "siti@kemendagri.test"))
    assert (user.role, user.account_id, user.name) == ("partner", institution.id, "Siti A.")
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
    [invitation] = invitations_of(institution)
    assert invitation.used_at is not None and invitation.user_id == user.id
    portal = anon.get("/portal/")
    assert portal.status_code == 200 and institution.name in portal.get_data(as_text=True)
    # The link is single-use: a second visit changes nothing.
    other = app.test_client()
    again = accept(other, token, name="Penyusup")
    assert again.status_code == 410
    assert "sudah dipakai" in again.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(User.id)).where(User.role == "partner")) == 1
    # And the new user signs in with the password they chose.
    fresh = app.test_client()
    login = post_form(fresh, "/login", {"email": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("pendek1", None, "minimal 10 karakter"),
        ("hanyahurufsaja", None, "campuran huruf"),
        (NEW_PASSWORD, "Lain-Sekali-2026", "Kedua kata sandi tidak sama."),
    ],
)
def test_password_rules_apply_and_nothing_changes(app, institution, password, confirm, message):
    invitation, token = _invitation(institution)
    anon = app.test_client()
    resp = accept(anon, token, password=password, confirm=confirm)
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    assert invitation.used_at is None
    assert _db.session.scalar(select(User).where(User.email == invitation.email)) is None


def _invitation(institution, **changes):
    from crm.partners.invitations import invite_partner

    invitation, token = invite_partner(
        institution, "siti@kemendagri.test", "Siti Aminah", institution.rm
    )
    for key, value in changes.items():
        setattr(invitation, key, value)
    _db.session.flush()
    return invitation, token


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"expires_at": utcnow() - timedelta(minutes=1)}, 410, "sudah kedaluwarsa"),
        ({"revoked_at": utcnow()}, 410, "sudah dibatalkan"),
        ({"used_at": utcnow()}, 410, "sudah dipakai"),
    ],
)
def test_dead_links_show_a_message_and_change_nothing(app, institution, changes, status, message):
    _, token = _invitation(institution, **changes)
    anon = app.test_client()
    for resp in (anon.get(f"/portal/welcome/{token}"), accept(anon, token)):
        assert resp.status_code == status and message in resp.get_data(as_text=True)
    assert _db.session.scalar(select(User).where(User.email == "siti@kemendagri.test")) is None


def test_unknown_token_is_404_with_a_message(app, db):
    anon = app.test_client()
    resp = anon.get("/portal/welcome/tidak-ada-token-seperti-ini")
    assert resp.status_code == 404 and "tidak dikenal" in resp.get_data(as_text=True)


def test_email_taken_meanwhile_is_refused_cleanly(app, institution):
    invitation, token = _invitation(institution)
    UserFactory(email="siti@kemendagri.test")  # e.g. an admin created the user by hand
    resp = accept(app.test_client(), token)
    assert resp.status_code == 409 and "sudah dipakai" in resp.get_data(as_text=True)
    _db.session.refresh(invitation)
    assert invitation.used_at is None  # the claim was rolled back with the failed user


def test_signed_in_user_cannot_accept(app, institution, login_as, client):
    _, token = _invitation(institution)
    login_as(institution.rm)
    resp = client.get(f"/portal/welcome/{token}")
    assert resp.status_code == 409 and "Keluar dulu" in resp.get_data(as_text=True)


def test_revoke_from_the_list(client, login_as, institution):
    invitation, _ = _invitation(institution)
    login_as(institution.rm)
    resp = post_form(
        client,
        f"/accounts/{institution.id}/partner-users/invitations/{invitation.id}/revoke",
    )
    assert resp.status_code == 302
    _db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    again = post_form(
        client,
        f"/accounts/{institution.id}/partner-users/invitations/{invitation.id}/revoke",
    )
    assert again.status_code == 302  # a clear message, not an error
    page = client.get(f"/accounts/{institution.id}/partner-users").get_data(as_text=True)
    assert "sudah tidak berlaku" in page


def test_revoke_needs_the_right_account_and_role(client, auth, login_as, institution):
    invitation, _ = _invitation(institution)
    other = InstitutionFactory(rm=institution.rm)
    login_as(institution.rm)
    url = f"/accounts/{other.id}/partner-users/invitations/{invitation.id}/revoke"
    assert post_form(client, url).status_code == 404
    auth.logout()
    login_as(UserFactory(role="rm"))
    url = f"/accounts/{institution.id}/partner-users/invitations/{invitation.id}/revoke"
    assert post_form(client, url).status_code == 403
    _db.session.refresh(invitation)
    assert invitation.revoked_at is None


# -- mail through SMTP ----------------------------------------------------------------------


def test_with_smtp_the_link_is_mailed_not_shown(app, client, login_as, institution, smtp_server):
    login_as(institution.rm)
    resp = invite(client, institution)
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Undangan dikirim ke siti@kemendagri.test." in page
    assert "/portal/welcome/" not in page
    [envelope] = smtp_server.messages
    assert envelope["rcpt"] == ["<siti@kemendagri.test>"]
    message = email.message_from_bytes(envelope["data"], policy=policy.default)
    assert message["To"] == "siti@kemendagri.test"
    assert "Kementerian Dalam Negeri Uji" in message["Subject"]
    body = message.get_content()
    token = re.search(r"/portal/welcome/([A-Za-z0-9_-]+)", body).group(1)
    [invitation] = invitations_of(institution)
    assert invitation.token_hash == hash_token(token)
    assert accept(app.test_client(), token).status_code == 302  # the mailed link works


def test_smtp_down_falls_back_to_showing_the_link(app, client, login_as, institution, smtp_server):
    smtp_server.shutdown()
    smtp_server.server_close()  # configured, but nobody answers
    login_as(institution.rm)
    resp = invite(client, institution)
    assert resp.status_code == 200
    _, token = shown_link(resp)
    [invitation] = invitations_of(institution)
    assert invitation.token_hash == hash_token(token)


def test_links_use_the_public_base_url_when_set(app, client, login_as, institution, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://relasi.example.go.id/")
    login_as(institution.rm)
    resp = invite(client, institution, email="publik@kemendagri.test")
    body = resp.get_data(as_text=True)
    assert 'value="https://relasi.example.go.id/portal/welcome/' in body


def test_partner_users_url_global_only_for_those_who_may_manage(app, institution):
    from flask_login import login_user

    from crm.partners.invitation_views import partner_users_url

    with app.test_request_context("/"):
        login_user(institution.rm)
        assert partner_users_url(institution) == f"/accounts/{institution.id}/partner-users"
        assert partner_users_url(AccountFactory(rm=institution.rm)) is None  # a company
    with app.test_request_context("/"):
        login_user(UserFactory(role="rm"))
        assert partner_users_url(institution) is None
