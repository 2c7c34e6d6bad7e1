"""Accounts: create with validation and duplicate guard, edit rights, list, 360° page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.audit import AuditLog
from tests.conftest import post_form
from tests.factories import AccountFactory, BranchFactory, UserFactory
from tests.support.accounts import FORM


def accounts_named(db, name):
    return db.session.scalar(select(func.count()).select_from(Account).where(Account.name == name))


def test_search_name_drops_legal_forms():
    assert search_name("PT Semen Gresik (Persero) Tbk") == "semen gresik"
    assert search_name("  PT. Bank Rakyat   Indonesia ") == "bank rakyat indonesia"


def test_bad_npp_is_refused_next_to_the_field_and_nothing_is_saved(db, client, login_as):
    login_as(UserFactory(role="rm"))
    resp = post_form(client, "/accounts/new", {**FORM, "npp": "1234"})
    assert resp.status_code == 200
    assert "NPP harus 8 digit (tertulis 4)." in resp.get_data(as_text=True)
    assert accounts_named(db, "PT Baja Nusantara") == 0


def test_good_account_is_created_in_the_rms_portfolio_and_audited(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    resp = post_form(
        client, "/accounts/new", {**FORM, "npp": "1234 5678", "npwp": "01.234.567.8-901.234"}
    )
    assert resp.status_code == 302
    account = db.session.scalar(select(Account).where(Account.name == "PT Baja Nusantara"))
    assert account.npp == "12345678" and account.npwp == "0012345678901234"
    assert account.rm_id == rm.id and account.search_name == "baja nusantara"
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.create"))
    assert row.after["npp"] == "12345678" and row.actor_id == rm.id
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "01.234.567.8-901.234" in page


@pytest.mark.parametrize("field", ["npp", "npwp", "nib"])
def test_duplicate_identifier_is_refused_with_the_owner_named(db, client, login_as, field):
    AccountFactory(
        name="PT Lama Sekali", npp="87654321", npwp="0098765432109876", nib="1234567890123"
    )
    login_as(UserFactory(role="rm"))
    value = {"npp": "87654321", "npwp": "09.876.543.2-109.876", "nib": "1234567890123"}[field]
    resp = post_form(client, "/accounts/new", {**FORM, field: value})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "sudah dipakai oleh PT Lama Sekali" in html
    assert accounts_named(db, "PT Baja Nusantara") == 0


def test_similar_name_is_warned_with_a_link_and_needs_confirmation(db, client, login_as):
    existing = AccountFactory(name="PT Baja Nusantara (Persero) Tbk")
    login_as(UserFactory(role="rm"))
    resp = post_form(client, "/accounts/new", FORM)
    html = resp.get_data(as_text=True)
    assert "mirip dengan akun yang sudah ada" in html
    assert f"/accounts/{existing.id}" in html
    assert accounts_named(db, "PT Baja Nusantara") == 0
    resp = post_form(client, "/accounts/new", {**FORM, "confirm_similar": "y"})
    assert resp.status_code == 302 and accounts_named(db, "PT Baja Nusantara") == 1


def test_rm_cannot_edit_another_rms_account(db, client, login_as):
    other = UserFactory(role="rm")
    account = AccountFactory(rm=other, name="PT Milik Orang Lain")
    login_as(UserFactory(role="rm"))
    assert client.get(f"/accounts/{account.id}").status_code == 200  # reading is fine
    assert client.get(f"/accounts/{account.id}/edit").status_code == 403
    resp = post_form(client, f"/accounts/{account.id}/edit", {**FORM, "name": "Dibajak"})
    assert resp.status_code == 403
    db.session.refresh(account)
    assert account.name == "PT Milik Orang Lain"


def test_rm_cannot_move_an_account_to_another_portfolio(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    other = UserFactory(role="rm")
    account = AccountFactory(rm=rm, name="PT Punyaku")
    resp = post_form(
        client,
        f"/accounts/{account.id}/edit",
        {**FORM, "name": "PT Punyaku", "rm_id": str(other.id)},
    )
    assert resp.status_code == 302  # the disabled RM field is ignored, the rest saved
    db.session.refresh(account)
    assert account.rm_id == rm.id


def test_supervisor_edits_any_account_and_reassignment_is_audited(db, client, login_as):
    rm1, rm2 = UserFactory(role="rm"), UserFactory(role="rm")
    account = AccountFactory(rm=rm1, name="PT Pindah Tangan")
    login_as(UserFactory(role="supervisor"))
    resp = post_form(
        client,
        f"/accounts/{account.id}/edit",
        {**FORM, "name": "PT Pindah Tangan", "rm_id": str(rm2.id)},
    )
    assert resp.status_code == 302
    db.session.refresh(account)
    assert account.rm_id == rm2.id
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.update"))
    assert row.before["rm_id"] == rm1.id and row.after["rm_id"] == rm2.id


def test_bulk_portfolio_reassignment(db, client, login_as):
    rm1, rm2 = UserFactory(role="rm"), UserFactory(role="rm")
    for i in range(3):
        AccountFactory(rm=rm1, name=f"PT Portofolio {i}")
    login_as(UserFactory(role="supervisor"))
    resp = post_form(
        client, "/accounts/reassign", {"from_rm": rm1.id, "to_rm": rm2.id, "branch_office_id": 0}
    )
    assert resp.status_code == 302
    assert (
        db.session.scalar(select(func.count()).select_from(Account).where(Account.rm_id == rm2.id))
        == 3
    )
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "portfolio.reassign"))


def test_rm_cannot_reassign_portfolios(client, login_as):
    login_as(UserFactory(role="rm"))
    assert client.get("/accounts/reassign").status_code == 403


def test_partner_sees_none_of_the_accounts(db, client, login_as):
    account = AccountFactory()
    login_as(UserFactory(role="partner"))
    for path in (
        "/accounts/",
        f"/accounts/{account.id}",
        "/accounts/new",
        f"/accounts/{account.id}/org-chart",
    ):
        assert client.get(path).status_code == 403, path


def test_rm_default_view_is_my_portfolio(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    AccountFactory(rm=rm, name="PT Punya Saya")
    AccountFactory(name="PT Punya Orang")
    html = client.get("/accounts/").get_data(as_text=True)
    assert "Portofolio saya" in html and "PT Punya Saya" in html and "PT Punya Orang" not in html
    html = client.get("/accounts/?rm=all").get_data(as_text=True)
    assert "PT Punya Orang" in html


def test_list_search_by_name_fragment_and_identifier(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    AccountFactory(name="PT Semen Baturaja", npp="11112222", npwp="0011122233344455")
    AccountFactory(name="PT Kereta Api")
    assert "PT Semen Baturaja" in client.get("/accounts/?q=baturaja").get_data(as_text=True)
    assert "PT Kereta Api" not in client.get("/accounts/?q=baturaja").get_data(as_text=True)
    assert "PT Semen Baturaja" in client.get("/accounts/?q=1111-2222").get_data(as_text=True)
    assert "PT Semen Baturaja" in client.get("/accounts/?q=01.112.223.3-344.455").get_data(
        as_text=True
    )


def test_list_filters(db, client, login_as):
    branch = BranchFactory()
    login_as(UserFactory(role="supervisor"))
    AccountFactory(name="PT Asing Satu", ownership="foreign", branch_office=branch)
    AccountFactory(name="PT Negara Dua", ownership="bumn", status="prospect")
    html = client.get("/accounts/?ownership=foreign").get_data(as_text=True)
    assert "PT Asing Satu" in html and "PT Negara Dua" not in html
    html = client.get(f"/accounts/?branch={branch.id}").get_data(as_text=True)
    assert "PT Asing Satu" in html and "PT Negara Dua" not in html
    html = client.get("/accounts/?status=prospect").get_data(as_text=True)
    assert "PT Negara Dua" in html and "PT Asing Satu" not in html


def test_list_pages_by_keyset_without_overlap_or_gap(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    for i in range(120):
        AccountFactory(name=f"PT Halaman {i:03d}")
    import re

    seen, url = [], "/accounts/?q=halaman"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r">(PT Halaman \d{3})<", html)
        nxt = re.search(r'href="([^"]+after=[^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == [f"PT Halaman {i:03d}" for i in range(120)]


def test_malformed_cursor_and_filters_do_not_break_the_list(client, login_as):
    login_as(UserFactory(role="supervisor"))
    for path in (
        "/accounts/?after=!!!",
        "/accounts/?branch=abc&rm=xyz&sort=evil",
        "/accounts/?q=%27%22%3C",  # a NUL is refused for every page: tests/test_app.py
        "/accounts/?after=WzFd",
    ):
        assert client.get(path).status_code == 200, path


def test_empty_list_says_so(client, login_as):
    login_as(UserFactory(role="rm"))
    assert "Portofolio Anda masih kosong." in client.get("/accounts/").get_data(as_text=True)


def test_account_page_shows_profile_and_placeholders(db, client, login_as):
    login_as(UserFactory(role="rm"))
    parent = AccountFactory(name="PT Induk Holding (Persero)", npp="10000001")
    child = AccountFactory(name="PT Anak Usaha", parent=parent)
    html = client.get(f"/accounts/{child.id}").get_data(as_text=True)
    assert "PT Induk Holding (Persero)" in html
    for section in ("Linimasa interaksi", "Surat", "Kasus kepatuhan", "Rantai pasok"):
        assert section in html
    assert "PT Anak Usaha" in client.get(f"/accounts/{parent.id}").get_data(as_text=True)


def test_group_parent_by_npp(db, client, login_as):
    parent = AccountFactory(name="PT Holding", npp="20000002")
    login_as(UserFactory(role="supervisor"))
    resp = post_form(client, "/accounts/new", {**FORM, "parent_npp": "99999999"})
    assert "Tidak ada akun dengan NPP ini." in resp.get_data(as_text=True)
    resp = post_form(client, "/accounts/new", {**FORM, "parent_npp": "20000002"})
    assert resp.status_code == 302
    child = db.session.scalar(select(Account).where(Account.name == "PT Baja Nusantara"))
    assert child.parent_id == parent.id


def test_unknown_account_is_404(client, login_as):
    login_as(UserFactory(role="rm"))
    assert client.get("/accounts/999999").status_code == 404
    assert client.get("/accounts/999999/edit").status_code == 404


def test_list_pages_backwards_by_name_without_overlap_or_gap(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    for i in range(120):
        AccountFactory(name=f"PT Mundur {i:03d}")
    import re

    seen, url = [], "/accounts/?q=mundur&sort=-name"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r">(PT Mundur \d{3})<", html)
        nxt = re.search(r'href="([^"]+after=[^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == [f"PT Mundur {i:03d}" for i in reversed(range(120))]


def test_list_count_is_capped_for_broad_lists_and_exact_for_narrow_ones(
    db, client, login_as, monkeypatch
):
    monkeypatch.setattr("crm.accounts.views.COUNT_CAP", 5)
    monkeypatch.setattr("crm.accounts.views.PER_PAGE", 3)
    login_as(UserFactory(role="supervisor"))
    for i in range(8):
        AccountFactory(name=f"PT Banyak Sekali {i}")
    assert "5+ akun" in client.get("/accounts/?q=banyak").get_data(as_text=True)
    AccountFactory(name="PT Sedikit Saja")
    assert "1 akun" in client.get("/accounts/?q=sedikit").get_data(as_text=True)
    assert "0 akun" in client.get("/accounts/?q=tidakada").get_data(as_text=True)


def test_list_search_treats_wildcards_as_text(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    AccountFactory(name="PT Kereta Api")
    AccountFactory(name="PT Diskon 100% Jaya")
    html = client.get("/accounts/?q=%25").get_data(as_text=True)
    assert "PT Diskon 100% Jaya" in html and "PT Kereta Api" not in html
    assert "PT Kereta Api" not in client.get("/accounts/?q=_").get_data(as_text=True)


def test_filter_accounts_without_a_bod1_meeting_this_month(db, client, login_as, monkeypatch):
    from datetime import date

    from crm.meetings import cadence
    from tests.factories import PositionFactory
    from tests.support.meetings import at, log

    monkeypatch.setattr(cadence, "utcnow", lambda: at(2026, 11, 12, 12))  # the clock
    rm = login_as(UserFactory(role="rm"))
    met = AccountFactory(rm=rm, name="PT Sudah Bertemu", segment="corporate")
    staff_only = AccountFactory(rm=rm, name="PT Hanya Staf", segment="corporate")
    AccountFactory(rm=rm, name="PT Belum Bertemu", segment="corporate")
    gm = PositionFactory(account=met, level="bod1", start_date=date(2025, 1, 1))
    clerk = PositionFactory(account=staff_only, level="operational", start_date=date(2025, 1, 1))
    log(met, rm, at(2026, 11, 10), people=[gm.person])
    log(staff_only, rm, at(2026, 11, 10), people=[clerk.person])
    html = client.get("/accounts/?cadence=no_bod1").get_data(as_text=True)
    assert "PT Belum Bertemu" in html and "PT Hanya Staf" in html
    assert "PT Sudah Bertemu" not in html
    html = client.get("/accounts/?cadence=on_track").get_data(as_text=True)
    assert "PT Sudah Bertemu" in html
    assert client.get("/accounts/?cadence=evil").status_code == 200  # unknown: no filter


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_portfolio_move_page_shows_sizes_and_moves_one_rm_to_another(db, client, login_as, role):
    rm_a, rm_b = UserFactory(role="rm", name="RM Asal"), UserFactory(role="rm", name="RM Tujuan")
    moved = [AccountFactory(rm=rm_a, name=f"PT Dipindah {i}") for i in range(3)]
    kept = AccountFactory(rm=rm_b, name="PT Tetap")
    login_as(UserFactory(role=role))
    page = client.get("/accounts/reassign")
    assert page.status_code == 200
    assert "RM Asal" in page.get_data(as_text=True)

    resp = post_form(
        client,
        "/accounts/reassign",
        {"from_rm": rm_a.id, "to_rm": rm_b.id, "branch_office_id": 0},
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "3 akun dipindahkan" in resp.get_data(as_text=True)
    for account in [*moved, kept]:
        db.session.refresh(account)
        assert account.rm_id == rm_b.id
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "portfolio.reassign"))
    assert row.entity_id == str(rm_a.id)
    assert sorted(row.after["accounts"]) == sorted(a.id for a in moved)


def test_portfolio_move_to_a_non_rm_is_refused_and_changes_nothing(db, client, login_as):
    rm_a = UserFactory(role="rm")
    account = AccountFactory(rm=rm_a)
    login_as(UserFactory(role="supervisor"))
    admin = UserFactory(role="admin")
    resp = post_form(
        client,
        "/accounts/reassign",
        {"from_rm": rm_a.id, "to_rm": admin.id, "branch_office_id": 0},
    )
    assert resp.status_code == 200
    assert "RM tujuan harus pengguna aktif" in resp.get_data(as_text=True)
    db.session.refresh(account)
    assert account.rm_id == rm_a.id
    assert not db.session.scalar(select(AuditLog).where(AuditLog.action == "portfolio.reassign"))
