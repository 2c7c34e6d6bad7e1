"""Supply-chain review: regressions found by trying the feature as a new user (an NPP of
another company, fractions read as thousands, a double click on a large campaign, the
month's close of the snapshots, a parent matching itself by NPWP)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.compliance.services import today_local
from crm.extensions import db as _db
from crm.imports.tickets import recent_runs
from crm.jobs.models import BackgroundJob
from crm.letters.models import Letter, LetterBatch
from crm.services import ServiceError
from crm.supply_chain import campaign, coverage
from crm.supply_chain.coverage import add_months
from crm.supply_chain.imports import ENTITY, VENDORS
from crm.supply_chain.jobs import close_and_snapshot
from crm.supply_chain.models import SupplyChainLink, SupplyChainSnapshot
from crm.supply_chain.reconcile import reconcile_prospects
from crm.supply_chain.services import (
    create_vendor,
    parse_workers,
    register_vendor,
)
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.queue import work
from tests.support.supply_chain import (
    confirm,
    count,
    parent_with_rm,
    prospect,
    registered,
    to_csv,
    upload,
    vendor_row,
)


def fresh(db, obj):
    return db.session.get(type(obj), obj.id, populate_existing=True)


# -- registering with an NPP of another company ---------------------------------------------------


def test_an_npp_of_a_company_with_another_npwp_does_not_register_the_prospect(db):
    parent = parent_with_rm()
    other = AccountFactory(name="Kementerian Lain", npp="96988645", npwp="0008747400200843")
    link = prospect(parent, "PT Makmur Logistik", npwp="0014882678563382")
    with pytest.raises(ServiceError, match="Kementerian Lain") as err:
        register_vendor(link, "96988645", parent.rm)
    assert err.value.field == "npp"
    assert link.vendor_account_id is None and link.campaign_status == "not_contacted"
    assert count(AuditLog, AuditLog.action == "supply_chain.vendor_register") == 0
    # Without an NPWP on the prospect the NPP decides (nothing to compare it with).
    bare = prospect(parent, "PT Tanpa NPWP")
    assert register_vendor(bare, "96988645", parent.rm).id == other.id


def test_the_register_page_refuses_an_npp_of_another_company(db, client, login_as):
    parent = parent_with_rm()
    AccountFactory(name="PT Orang Lain", npp="11112222", npwp="0999888877776666")
    link = prospect(parent, "PT Vendor Asli", npwp="0123456789012345")
    db.session.commit()
    login_as(parent.rm)
    resp = post_form(
        client, f"/supply-chain/{parent.id}/vendors/{link.id}/register", {"npp": "11112222"}
    )
    assert resp.status_code == 400 and "PT Orang Lain" in resp.get_data(as_text=True)
    assert fresh(db, link).vendor_account_id is None


def test_an_import_row_with_an_npp_of_a_company_with_another_npwp_is_refused(db, client, login_as):
    parent = parent_with_rm()
    AccountFactory(name="PT Pemilik NPP", npp="33334444", npwp="0111222233334444")
    db.session.commit()
    login_as(parent.rm)
    rows = [vendor_row("PT Salah Ketik", npwp="0999999999999999", npp="33334444")]
    page = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert "PT Pemilik NPP" in page and "NPWP lain" in page
    assert 'name="ticket"' not in page and count(SupplyChainLink) == 0


def test_a_parent_without_npp_matching_itself_by_npwp_is_an_error_not_a_prospect(
    db, client, login_as
):
    parent = parent_with_rm(npp=None, npwp="0555666677778888")
    db.session.commit()
    login_as(parent.rm)
    rows = [vendor_row("PT Induk Lagi", npwp="05.556.666.7-777.8888")]
    page = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert "vendornya sendiri" in page and 'name="ticket"' not in page


# -- estimated workers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.250", 1250), ("1,250", 1250), ("1.250.000", 1_250_000), ("0", 0), (" 45 ", 45)],
)
def test_estimated_workers_read_thousands_separators(app, raw, expected):
    with app.test_request_context():
        assert parse_workers(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12.5", "bilangan bulat"),  # was read as 125
        ("12,5", "bilangan bulat"),
        ("1.25", "bilangan bulat"),
        ("1 250", "bilangan bulat"),
        ("²", "bilangan bulat"),  # isdigit() but int() refuses it: was a 500
        ("9" * 5000, "terlalu besar"),  # int() refuses > 4,300 digits: was a 500
        ("-5", "negatif"),
        ("seratus", "bilangan bulat"),
    ],
)
def test_estimated_workers_refuse_fractions_and_oddities(app, raw, message):
    with app.test_request_context(), pytest.raises(ServiceError, match=message):
        parse_workers(raw)


def test_an_import_row_with_a_fraction_of_workers_is_refused(db, client, login_as):
    parent = parent_with_rm()
    db.session.commit()
    login_as(parent.rm)
    rows = [
        vendor_row("PT Pecahan", perkiraan_pekerja="12.5"),
        vendor_row("PT Ribuan", perkiraan_pekerja="1.250"),
    ]
    page = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert "bilangan bulat" in page and 'name="ticket"' not in page


# -- the campaign: a double click ---------------------------------------------------------------


def test_a_double_click_on_a_large_campaign_makes_one_batch_and_one_job(
    app, db, client, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "LETTER_BULK_SYNC_MAX", 2)
    parent = parent_with_rm()
    for i in range(4):
        prospect(parent, f"PT Klik {i}")
    db.session.commit()
    login_as(parent.rm)
    first = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    second = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    assert first.status_code == second.status_code == 302
    assert "/jobs/" in first.headers["Location"]
    assert first.headers["Location"] == second.headers["Location"]
    assert count(LetterBatch) == 1
    assert count(BackgroundJob, BackgroundJob.kind == campaign.DRAFT_KIND) == 1
    work(app)
    assert count(Letter, Letter.letter_type == campaign.LETTER_TYPE) == 4
    # Once drafted, nothing is left to invite: a later click says so.
    batch = db.session.scalar(select(LetterBatch))
    batch.created_at -= timedelta(minutes=5)
    db.session.commit()
    later = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    assert later.status_code == 400 and count(LetterBatch) == 1


def test_the_campaign_job_skips_vendors_the_author_may_no_longer_write_for(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_BULK_SYNC_MAX", 1)
    parent = parent_with_rm()
    for i in range(3):
        prospect(parent, f"PT Pindah {i}")
    batch, job = campaign.start_campaign(parent, parent.rm)
    parent.rm = UserFactory(role="rm")  # the portfolio moved while the job waited
    db.session.commit()
    work(app)
    job = fresh(db, job)
    assert job.status == "done", job.error
    assert job.result["drafted"] == 0 and job.result["skipped"] == 3
    assert job.result["link"] == f"/letters/batches/{batch.id}"


def test_a_campaign_batch_source_is_a_safe_link(db):
    parent = parent_with_rm()
    prospect(parent, "PT Sumber", contract="Jasa & kebersihan #1")
    batch, _ = campaign.start_campaign(parent, parent.rm, "Jasa & kebersihan #1")
    assert batch.source == f"/supply-chain/{parent.id}?kontrak=Jasa+%26+kebersihan+%231"


# -- snapshots at the month's turn ----------------------------------------------------------------


def test_the_first_run_of_a_month_closes_the_previous_month(db):
    parent = parent_with_rm()
    prospect(parent, "PT Awal")
    close_and_snapshot(date(2026, 11, 30))  # 01:30 on the last day of November
    registered(parent, AccountFactory(npp="77778888"))  # later that day
    close_and_snapshot(date(2026, 12, 1))
    close_and_snapshot(date(2026, 12, 1))  # a second run changes nothing
    rows = db.session.execute(
        select(SupplyChainSnapshot.month, SupplyChainSnapshot.vendors_registered)
        .where(SupplyChainSnapshot.parent_id == parent.id)
        .order_by(SupplyChainSnapshot.month)
    ).all()
    assert rows == [(date(2026, 11, 1), 1), (date(2026, 12, 1), 1)]
    close_and_snapshot(date(2026, 12, 2))  # later days leave November alone
    assert count(SupplyChainSnapshot, SupplyChainSnapshot.parent_id == parent.id) == 2


# -- the import page's latest imports -------------------------------------------------------------


def test_the_import_page_lists_this_parents_imports_even_behind_busy_parents(db, client, login_as):
    quiet = parent_with_rm()
    busy = parent_with_rm()
    db.session.commit()
    login_as(quiet.rm)
    page = upload(client, quiet.id, to_csv([vendor_row("PT Tenang")])).get_data(as_text=True)
    assert confirm(client, quiet.id, page).status_code == 302
    for n in range(210):  # other parents' imports since then
        db.session.add(
            AuditLog(
                action="supply_chain.import",
                entity_type=ENTITY,
                entity_id=f"{busy.id}.{n:024d}",
                summary="x",
                after={"parent_id": busy.id, "filename": "lain.csv"},
            )
        )
    db.session.commit()
    recent = recent_runs(VENDORS, quiet.id)
    assert [r.after["filename"] for r in recent] == ["vendor.csv"]
    assert recent[0].entity_id.startswith(f"{quiet.id}.")
    assert len(recent_runs(VENDORS, busy.id)) == 5
    assert "vendor.csv" in client.get(f"/supply-chain/{quiet.id}/import").get_data(as_text=True)


# -- the trend: a month without a snapshot --------------------------------------------------------


def _snapshot(parent, month: date, registered_: int) -> None:
    _db.session.add(
        SupplyChainSnapshot(
            parent_id=parent.id,
            month=month,
            vendors_total=4,
            vendors_registered=registered_,
            workers_estimated=400,
            workers_registered=100,
        )
    )


def test_a_month_without_a_snapshot_is_a_gap_on_the_axis_not_skipped(db, client, login_as):
    parent = parent_with_rm()
    prospect(parent, "PT Celah")
    this = today_local().replace(day=1)
    _snapshot(parent, coverage.add_months(this, -14), 0)  # older than the window
    _snapshot(parent, coverage.add_months(this, -4), 1)
    _snapshot(parent, coverage.add_months(this, -1), 3)  # the task missed -3 and -2
    db.session.commit()
    points = coverage.trend(parent.id, today_local(), coverage.parent_coverage(parent.id, this))
    assert [p.month for p in points] == [coverage.add_months(this, n) for n in range(-4, 1)]
    assert [p.coverage.vendors_registered if p.coverage else None for p in points] == [
        1,
        None,
        None,
        3,
        0,
    ]
    login_as(parent.rm)
    page = client.get(f"/supply-chain/{parent.id}")
    assert page.status_code == 200 and "tidak ada foto bulanan" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [(date(2026, 12, 1), 1, date(2027, 1, 1)), (date(2026, 1, 1), -1, date(2025, 12, 1))],
)
def test_month_arithmetic_crosses_years(start, n, expected):
    assert add_months(start, n) == expected
    assert add_months(start, -11 * 12) == date(start.year - 11, start.month, 1)


# -- a company registered elsewhere ---------------------------------------------------------------


def test_a_vendor_added_with_the_npwp_of_a_registered_company_is_registered_at_once(db):
    parent = parent_with_rm(npp="10101010", npwp="0101010101010101")
    company = AccountFactory(name="PT Sudah Ada", npp="12121212", npwp="0444555566667777")
    link = create_vendor(parent, {"name": "PT Sudah Ada", "npwp": "0444555566667777"}, parent.rm)
    assert link.vendor_account_id == company.id and link.campaign_status == "registered"
    unregistered = AccountFactory(name="PT Tanpa NPP", npp=None, npwp="0444555566668888")
    other = create_vendor(parent, {"name": "PT Lain", "npwp": "0444555566668888"}, parent.rm)
    assert other.vendor_account_id is None and unregistered.npp is None
    with pytest.raises(ServiceError, match="vendornya sendiri"):
        create_vendor(parent, {"name": "PT Induk", "npwp": parent.npwp}, parent.rm)


def test_the_daily_task_registers_prospects_registered_elsewhere(db):
    first, second, third = parent_with_rm(), parent_with_rm(), parent_with_rm()
    here = prospect(first, "PT Dua Induk", npwp="0333444455556666")
    there = prospect(second, "PT Dua Induk", npwp="0333444455556666")
    already = prospect(third, "PT Dua Induk", npwp="0333444455556666")
    register_vendor(here, "45454545", first.rm)  # creates the company's account
    company = here.vendor
    listed = registered(third, company)  # the third parent lists the account already
    assert listed.id != already.id
    close_and_snapshot(date(2026, 12, 15))
    db.session.expire_all()
    there = db.session.get(SupplyChainLink, there.id)
    assert there.vendor_account_id == company.id and there.campaign_status == "registered"
    assert db.session.get(SupplyChainLink, already.id).vendor_account_id is None
    audit_rows = db.session.scalars(
        select(AuditLog).where(
            AuditLog.action == "supply_chain.vendor_register",
            AuditLog.entity_id == str(there.id),
        )
    ).all()
    assert len(audit_rows) == 1 and audit_rows[0].actor_label == "system"
    assert reconcile_prospects() == 0  # the third parent's duplicate is left for its RM


def test_a_campaign_does_not_invite_a_company_registered_elsewhere(db):
    parent = parent_with_rm()
    AccountFactory(npp="67676767", npwp="0222333344445555")
    prospect(parent, "PT Terdaftar Di Tempat Lain", npwp="0222333344445555")
    prospect(parent, "PT Belum")
    batch, _job = campaign.start_campaign(parent, parent.rm)
    assert batch.size == 1
    assert [x.addressee_company for x in batch.letters] == ["PT Belum"]


def test_the_campaign_button_shows_only_when_someone_is_left_to_invite(db, client, login_as):
    parent = parent_with_rm()
    link = prospect(parent, "PT Menolak Saja")
    link.campaign_status = "refused"  # a prospect, but not one a campaign invites
    db.session.commit()
    login_as(parent.rm)
    url = f"/supply-chain/{parent.id}"
    assert "Kirim surat ajakan" not in client.get(url).get_data(as_text=True)
    prospect(parent, "PT Belum Dihubungi")
    db.session.commit()
    assert "Kirim surat ajakan" in client.get(url).get_data(as_text=True)


# -- vendors known by name only -------------------------------------------------------------------


def test_a_pt_and_a_cv_of_the_same_name_are_two_vendors(db, client, login_as):
    parent = parent_with_rm()
    db.session.commit()
    login_as(parent.rm)
    rows = [
        vendor_row("PT Maju Jaya", perkiraan_pekerja="10"),
        vendor_row("CV Maju Jaya", perkiraan_pekerja="20"),
    ]
    page = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert "sudah ada di baris" not in page
    assert confirm(client, parent.id, page).status_code == 302
    again = [vendor_row("PT. MAJU JAYA", perkiraan_pekerja="99")]
    page = upload(client, parent.id, to_csv(again)).get_data(as_text=True)
    assert confirm(client, parent.id, page).status_code == 302
    workers = dict(
        db.session.execute(
            select(SupplyChainLink.name, SupplyChainLink.estimated_workers).where(
                SupplyChainLink.parent_id == parent.id
            )
        ).all()
    )
    assert workers == {"PT. MAJU JAYA": 99, "CV Maju Jaya": 20}


def test_a_vendor_added_with_the_npwp_of_a_listed_company_is_refused_on_that_field(db):
    parent = parent_with_rm()
    company = AccountFactory(name="PT Tercatat", npp="13131313", npwp="0777888899990000")
    registered(parent, company)
    with pytest.raises(ServiceError, match="PT Tercatat") as err:
        create_vendor(parent, {"name": "PT Tercatat Lagi", "npwp": "0777888899990000"}, parent.rm)
    assert err.value.field == "npwp"


def test_a_second_user_meets_the_first_users_running_campaign_without_a_404(
    app, db, client, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "LETTER_BULK_SYNC_MAX", 1)
    parent = parent_with_rm()
    for i in range(3):
        prospect(parent, f"PT Antre {i}")
    campaign.start_campaign(parent, UserFactory(role="supervisor"))
    db.session.commit()
    login_as(parent.rm)
    resp = post_form(client, f"/supply-chain/{parent.id}/campaign", {"contract": ""})
    assert resp.headers["Location"].endswith(f"/supply-chain/{parent.id}")
    assert "pengguna lain" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert count(LetterBatch) == 1


def test_registering_a_vendor_cancels_its_invitation_still_in_draft(db):
    parent = parent_with_rm()
    first = prospect(parent, "PT Daftar Duluan")
    second = prospect(parent, "PT Masih Prospek")
    batch, _job = campaign.start_campaign(parent, parent.rm)
    assert batch.size == 2
    register_vendor(first, "24242424", parent.rm)
    assert first.letter.status == "cancelled" and second.letter.status == "draft"
    assert first.campaign_status == "registered"


def test_a_prospect_converted_by_an_import_loses_its_draft_invitation(db, client, login_as):
    parent = parent_with_rm()
    link = prospect(parent, "PT Cocok", npwp="0666777788889999")
    campaign.start_campaign(parent, parent.rm)
    AccountFactory(name="PT Cocok", npp="56565656", npwp="0666777788889999")  # registers later
    db.session.commit()
    login_as(parent.rm)
    rows = [vendor_row("PT Cocok", npwp="0666777788889999", npp="56565656")]
    page = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert confirm(client, parent.id, page).status_code == 302
    link = fresh(db, link)
    assert link.campaign_status == "registered"
    assert fresh(db, link.letter).status == "cancelled"
