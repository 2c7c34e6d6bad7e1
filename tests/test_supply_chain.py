"""Supply chain: vendor links and their rules, conversion of a prospect, coverage figures,
monthly snapshots and trend, the pages and who may see and change them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, event, select

from crm.accounts.models import Account
from crm.audit import AuditLog
from crm.compliance.services import today_local
from crm.extensions import db as _db
from crm.services import ServiceError
from crm.supply_chain import coverage
from crm.supply_chain.jobs import daily_snapshot
from crm.supply_chain.models import SupplyChainEvent, SupplyChainLink, SupplyChainSnapshot
from crm.supply_chain.services import (
    create_vendor,
    register_vendor,
    set_campaign_status,
    update_vendor,
)
from tests.conftest import post_form
from tests.factories import AccountFactory, BranchFactory, UserFactory
from tests.support.supply_chain import count, month, parent_with_rm, prospect, registered


def months() -> tuple[date, date, date]:
    """Today, this month and last month (Jakarta time)."""
    today = today_local()
    this = today.replace(day=1)
    return today, this, (this - timedelta(days=1)).replace(day=1)


def kinds(link) -> list[str]:
    return list(
        _db.session.scalars(
            select(SupplyChainEvent.kind)
            .where(SupplyChainEvent.link_id == link.id)
            .order_by(SupplyChainEvent.id)
        )
    )


# -- vendors and conversion ---------------------------------------------------------------------


def test_a_prospect_is_added_with_normalized_fields_an_event_and_an_audit_row(db):
    parent = parent_with_rm()
    link = create_vendor(
        parent,
        {
            "name": "  PT  Mitra   Bersih ",
            "npwp": "01.234.567.8-901.234",
            "estimated_workers": "1.250",
            "email": "hrd@mitra.test",
            "contract": "Jasa kebersihan",
        },
        parent.rm,
    )
    assert (link.name, link.npwp, link.estimated_workers) == (
        "PT Mitra Bersih",
        "0012345678901234",
        1250,
    )
    assert link.campaign_status == "not_contacted" and not link.is_registered
    assert kinds(link) == ["created"]
    assert count(AuditLog, AuditLog.action == "supply_chain.vendor_create") == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", " "),
        ("npwp", "12345"),
        ("email", "bukan-surel"),
        ("estimated_workers", "banyak"),
        ("estimated_workers", "-5"),
        ("phone", "telepon saya"),
    ],
)
def test_bad_vendor_fields_are_refused_with_the_field_named(db, field, value):
    parent = parent_with_rm()
    data = {"name": "PT Mitra", field: value}
    with pytest.raises(ServiceError) as exc:
        create_vendor(parent, data, parent.rm)
    assert exc.value.field == field
    assert count(SupplyChainLink) == 0


def test_the_same_npwp_twice_under_one_parent_is_refused(db):
    parent = parent_with_rm()
    create_vendor(parent, {"name": "PT A", "npwp": "012345678901234"}, parent.rm)
    with pytest.raises(ServiceError, match="NPWP"):
        create_vendor(parent, {"name": "PT B", "npwp": "0012345678901234"}, parent.rm)
    other = parent_with_rm()
    create_vendor(other, {"name": "PT B", "npwp": "012345678901234"}, other.rm)  # another parent


def test_another_rm_and_a_partner_cannot_change_the_vendors(db):
    parent = parent_with_rm()
    with pytest.raises(PermissionError):
        create_vendor(parent, {"name": "PT X"}, UserFactory(role="rm"))
    link = prospect(parent, "PT Y")
    with pytest.raises(PermissionError):
        register_vendor(link, "12345678", UserFactory(role="rm"))
    with pytest.raises(PermissionError):
        set_campaign_status(link, "refused", UserFactory(role="partner"))


def test_registering_a_prospect_creates_its_account_with_the_parents_branch_and_rm(db):
    branch = BranchFactory()
    parent = parent_with_rm(branch_office=branch)
    link = create_vendor(
        parent,
        {"name": "PT Angkut Jaya", "npwp": "012345678901234", "estimated_workers": "80"},
        parent.rm,
    )
    set_campaign_status(link, "in_progress", parent.rm)
    account = register_vendor(link, "1234-5678", parent.rm)
    assert (account.npp, account.npwp, account.headcount) == ("12345678", "0012345678901234", 80)
    assert account.branch_office_id == branch.id and account.rm_id == parent.rm_id
    assert link.vendor_account_id == account.id and link.campaign_status == "registered"
    # The same link row keeps its whole history.
    assert kinds(link) == ["created", "status_changed", "registered"]
    assert count(AuditLog, AuditLog.action == "account.create") == 1


def test_registering_with_an_npp_already_held_links_that_account(db):
    parent = parent_with_rm()
    existing = AccountFactory(npp="87654321", name="PT Sudah Ada")
    link = prospect(parent, "PT Sudah Ada (nama lama)")
    account = register_vendor(link, "87654321", parent.rm)
    assert account.id == existing.id and link.vendor_account_id == existing.id
    assert _db.session.scalar(select(Account).where(Account.npp == "87654321")).id == existing.id


def test_an_npp_and_npwp_of_two_different_companies_are_refused(db):
    parent = parent_with_rm()
    AccountFactory(npp="11111111", npwp="0000000000000001")
    link = prospect(parent, "PT Campur", npwp="0000000000000001")
    with pytest.raises(ServiceError, match="NPWP"):
        register_vendor(link, "22222222", parent.rm)
    assert link.vendor_account_id is None


def test_a_vendor_already_in_the_list_cannot_be_linked_twice(db):
    parent = parent_with_rm()
    account = AccountFactory(npp="33333333")
    registered(parent, account)
    link = prospect(parent, "PT Duplikat")
    with pytest.raises(ServiceError, match="sudah ada"):
        register_vendor(link, "33333333", parent.rm)
    with pytest.raises(ServiceError, match="sendiri"):
        register_vendor(link, parent.npp or _set_npp(parent), parent.rm)


def _set_npp(account) -> str:
    account.npp = "44444444"
    _db.session.flush()
    return account.npp


def test_status_changes_and_edits_are_history_and_registered_is_not_manual(db):
    parent = parent_with_rm()
    link = prospect(parent, "PT Ragu")
    set_campaign_status(link, "refused", parent.rm, "tidak berminat")
    with pytest.raises(ServiceError):
        set_campaign_status(link, "registered", parent.rm)
    update_vendor(link, {"name": "PT Ragu Ragu", "contact_name": "Bu Sari"}, parent.rm)
    assert kinds(link) == ["status_changed", "updated"]
    assert link.search_name == "ragu ragu"


# -- coverage ---------------------------------------------------------------------------------


def _parent_with_figures():
    TODAY, THIS_MONTH, LAST_MONTH = months()
    parent = parent_with_rm()
    a, b = AccountFactory(npp="50000001"), AccountFactory(npp="50000002")
    registered(parent, a, workers=100)
    registered(parent, b, workers=300)
    prospect(parent, "PT Belum 1", workers=200)
    prospect(parent, "PT Belum 2", workers=None)
    month(a, LAST_MONTH, 50)
    month(a, THIS_MONTH, 90)  # the latest month counts
    month(b, LAST_MONTH, 120)  # no month yet this month: the last one counts
    month(b, date(TODAY.year + 1, 1, 1), 999)  # a future month does not
    return parent


def test_coverage_counts_vendors_and_latest_registered_workers(db):
    TODAY, _this_month, _last_month = months()
    parent = _parent_with_figures()
    cov = coverage.parent_coverage(parent.id, TODAY)
    assert (cov.vendors_total, cov.vendors_registered, cov.prospects) == (4, 2, 2)
    assert (cov.workers_estimated, cov.workers_registered) == (600, 210)
    assert cov.vendors_share == 0.5 and cov.workers_share == pytest.approx(0.35)
    assert coverage.parent_coverage(AccountFactory().id, TODAY).vendors_share is None


def test_registering_a_prospect_moves_the_coverage(db):
    TODAY, THIS_MONTH, _last_month = months()
    parent = parent_with_rm()
    link = prospect(parent, "PT Baru", workers=40)
    prospect(parent, "PT Lain", workers=60)
    before = coverage.parent_coverage(parent.id, TODAY)
    account = register_vendor(link, "60000001", parent.rm)
    month(account, THIS_MONTH, 35)
    after = coverage.parent_coverage(parent.id, TODAY)
    assert (before.vendors_registered, after.vendors_registered) == (0, 1)
    assert (before.workers_registered, after.workers_registered) == (0, 35)


def test_snapshots_are_one_row_per_parent_and_month_and_feed_the_trend(db):
    TODAY, THIS_MONTH, LAST_MONTH = months()
    parent = _parent_with_figures()
    other = parent_with_rm()
    prospect(other, "PT Sendiri")
    daily_snapshot()
    daily_snapshot()  # idempotent: the month's row is replaced, not duplicated
    rows = _db.session.scalars(select(SupplyChainSnapshot).order_by(SupplyChainSnapshot.parent_id))
    # (on the 1st the run also closes last month: tested in test_supply_chain_review)
    rows = [r for r in rows if r.parent_id in (parent.id, other.id) and r.month == THIS_MONTH]
    assert [(r.parent_id, r.month, r.vendors_total) for r in rows] == [
        (parent.id, THIS_MONTH, 4),
        (other.id, THIS_MONTH, 1),
    ]
    _db.session.execute(
        delete(SupplyChainSnapshot).where(
            SupplyChainSnapshot.parent_id == parent.id, SupplyChainSnapshot.month == LAST_MONTH
        )
    )
    _db.session.add(
        SupplyChainSnapshot(
            parent_id=parent.id,
            month=LAST_MONTH,
            vendors_total=4,
            vendors_registered=1,
            workers_estimated=600,
            workers_registered=50,
        )
    )
    current = coverage.parent_coverage(parent.id, TODAY)
    points = coverage.trend(parent.id, TODAY, current)
    assert [(p.month, p.coverage.vendors_registered, p.live) for p in points] == [
        (LAST_MONTH, 1, False),
        (THIS_MONTH, 2, True),
    ]


# -- pages and access ---------------------------------------------------------------------------


def test_rollup_shows_all_parents_to_a_supervisor_and_own_to_an_rm(db, client, login_as):
    mine = _parent_with_figures()
    theirs = parent_with_rm(name="PT Induk Lain")
    prospect(theirs, "PT V")
    login_as(UserFactory(role="supervisor"))
    html = client.get("/supply-chain/").get_data(as_text=True)
    assert mine.name in html and theirs.name in html
    client.get("/logout")
    post_form(client, "/logout")
    login_as(mine.rm)
    html = client.get("/supply-chain/").get_data(as_text=True)
    assert mine.name in html and theirs.name not in html
    assert "50%" in html  # 2 of 4 vendors


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("other_rm", 403), ("supervisor", 200), ("partner", 403)]
)
def test_who_may_open_a_parent_page(db, client, login_as, who, status):
    parent = _parent_with_figures()
    user = parent.rm if who == "owner" else UserFactory(role=who.replace("other_", ""))
    login_as(user)
    assert client.get(f"/supply-chain/{parent.id}").status_code == status
    assert client.get("/supply-chain/999999").status_code in (403, 404)


def statements_of(client, url: str) -> tuple[int, str]:
    """(SQL statements run, HTML) of one GET after a warm-up GET."""
    client.get(url)
    statements = []
    engine = _db.engines[None].engine

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        resp = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert resp.status_code == 200
    return len(statements), resp.get_data(as_text=True)


def test_parent_page_shows_figures_chart_and_vendors_without_n_plus_one(db, client, login_as):
    parent = _parent_with_figures()
    login_as(parent.rm)
    few, _html = statements_of(client, f"/supply-chain/{parent.id}")
    for i in range(30):
        registered(parent, AccountFactory(npp=f"{70000000 + i}"), workers=10)
    many, html = statements_of(client, f"/supply-chain/{parent.id}")
    assert "<svg" in html and "PT Belum 1" in html and "style=" not in html
    assert many == few, "statements grow with the vendors shown"


def test_rollup_and_vendor_history_without_n_plus_one(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    parent = _parent_with_figures()
    few, _ = statements_of(client, "/supply-chain/")
    for _ in range(5):
        prospect(parent_with_rm(), "PT Vendor")
    many, html = statements_of(client, "/supply-chain/")
    assert many == few and html.count("/supply-chain/") >= 6
    link = prospect(parent, "PT Riwayat")
    for status in ("invited", "in_progress", "refused"):
        set_campaign_status(link, status, UserFactory(role="supervisor"))
    url = f"/supply-chain/{parent.id}/vendors/{link.id}/edit"
    count_one, html = statements_of(client, url)
    assert html.count("Status diubah") == 3
    set_campaign_status(link, "not_contacted", UserFactory(role="supervisor"))
    assert statements_of(client, url)[0] == count_one


def test_the_snapshot_is_a_daily_periodic_task():
    from crm.jobs.scheduler import PERIODIC

    task = PERIODIC["supply_chain.snapshot"]
    assert task.func is daily_snapshot and task.every({}) == 24 * 3600


def test_vendor_list_filters_and_pages(db, client, login_as, app, monkeypatch):
    parent = parent_with_rm()
    for i in range(7):
        prospect(parent, f"PT Halaman {i:02d}", npwp=f"{i:016d}")
    set_campaign_status(prospect(parent, "PT Menolak"), "refused", parent.rm)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    login_as(parent.rm)
    first = client.get(f"/supply-chain/{parent.id}").get_data(as_text=True)
    assert "PT Halaman 00" in first and "PT Halaman 05" not in first and "after=" in first
    assert "PT Menolak" in client.get(f"/supply-chain/{parent.id}?status=refused").get_data(True)
    html = client.get(f"/supply-chain/{parent.id}?q=0000000000000003").get_data(as_text=True)
    assert "PT Halaman 03" in html and "PT Halaman 04" not in html
    empty = client.get(f"/supply-chain/{parent.id}?q=tidakada").get_data(as_text=True)
    assert "Tidak ada vendor yang cocok" in empty


def test_add_edit_register_and_delete_through_the_pages(db, client, login_as):
    parent = parent_with_rm()
    login_as(parent.rm)
    url = f"/supply-chain/{parent.id}/vendors/new"
    bad = post_form(client, url, {"name": "PT Baik", "npwp": "123"})
    assert bad.status_code == 400 and "NPWP" in bad.get_data(as_text=True)
    assert post_form(client, url, {"name": "PT Baik", "estimated_workers": "12"}).status_code == 302
    link = _db.session.scalar(select(SupplyChainLink).where(SupplyChainLink.name == "PT Baik"))
    base = f"/supply-chain/{parent.id}/vendors/{link.id}"
    assert "Catat pendaftaran" in client.get(f"{base}/edit").get_data(as_text=True)
    wrong = post_form(client, f"{base}/register", {"npp": "123"})
    assert wrong.status_code == 400 and "8 digit" in wrong.get_data(as_text=True)
    assert post_form(client, f"{base}/register", {"npp": "90000001"}).status_code == 302
    link = _db.session.get(SupplyChainLink, link.id, populate_existing=True)
    assert link.vendor.npp == "90000001"
    link_id, account_id = link.id, link.vendor_account_id
    assert post_form(client, f"{base}/delete").status_code == 302
    assert count(SupplyChainLink, SupplyChainLink.id == link_id) == 0
    assert count(Account, Account.id == account_id) == 1  # the vendor's account stays


def test_another_rms_vendor_pages_are_refused(db, client, login_as):
    parent = parent_with_rm()
    link = prospect(parent, "PT Orang Lain")
    login_as(UserFactory(role="rm"))
    base = f"/supply-chain/{parent.id}"
    assert client.get(f"{base}/vendors/new").status_code == 403
    assert client.get(f"{base}/vendors/{link.id}/edit").status_code == 403
    assert (
        post_form(client, f"{base}/vendors/{link.id}/register", {"npp": "12345678"}).status_code
        == 403
    )
    assert client.get(f"{base}/import").status_code == 403
    assert client.get(f"{base}/campaign").status_code == 403
    assert link.vendor_account_id is None


def test_a_link_of_another_parent_is_404(db, client, login_as):
    parent, other = parent_with_rm(), parent_with_rm()
    link = prospect(other, "PT Salah Induk")
    login_as(UserFactory(role="supervisor"))
    assert client.get(f"/supply-chain/{parent.id}/vendors/{link.id}/edit").status_code == 404


def _panel(app, user, account) -> str:
    """The account page's supply-chain card as that user sees it (rendered on its own: the
    whole account page also holds other features' cards)."""
    from flask import render_template_string
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template_string(
            '{% include "supply_chain/_account_panel.html" %}', account=account
        )


def test_account_page_panel_shows_parent_coverage_and_vendor_of(app, db):
    parent = _parent_with_figures()
    vendor_id = _db.session.scalar(
        select(SupplyChainLink.vendor_account_id)
        .where(
            SupplyChainLink.parent_id == parent.id, SupplyChainLink.vendor_account_id.is_not(None)
        )
        .limit(1)
    )
    vendor = _db.session.get(Account, vendor_id)
    html = _panel(app, UserFactory(role="supervisor"), parent)
    assert "Rantai pasok" in html and "2 / 4" in html and f"/supply-chain/{parent.id}" in html
    html = _panel(app, UserFactory(role="supervisor"), vendor)
    assert "Vendor dari" in html and parent.name in html
    # Another RM sees the parent's name but no link to a page they may not open.
    html = _panel(app, UserFactory(role="rm"), vendor)
    assert parent.name in html and f"/supply-chain/{parent.id}" not in html
    assert "Belum ada vendor" in _panel(app, parent.rm, AccountFactory(rm=parent.rm))
