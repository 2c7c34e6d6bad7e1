"""The sponsorship pages: the acceptance flow through forms, NIK masking and the audited
full view, permissions by role and owner, the import, totals, the account panel, the
piagam letter and the admin's rates page."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.compliance.arrears import add_months
from crm.compliance.services import today_local
from crm.jobs.models import BackgroundJob
from crm.letters.context import letter_context
from crm.letters.models import Letter
from crm.letters.render import render_letter
from crm.sponsorships import services
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary, SponsorshipRate
from crm.sponsorships.nik import mask_nik
from tests.conftest import post_form
from tests.factories import AccountFactory, BranchFactory, UserFactory
from tests.support import imports
from tests.support.db import count_statements
from tests.support.pdf import page_texts
from tests.support.queue import work
from tests.support.sponsorships import make_sponsorship, nik, worker

TICKET = re.compile(r'name="ticket" type="hidden" value="([^"]+)"')


@pytest.fixture
def team(db):
    rm = UserFactory(role="rm", name="Rina")
    other_rm = UserFactory(role="rm", name="Oki")
    supervisor = UserFactory(role="supervisor")
    branch = BranchFactory(name="Kantor Bandung")
    sponsor = AccountFactory(name="PT Sponsor Satu", rm=rm, branch_office=branch)
    rival = AccountFactory(name="PT Sponsor Lain", rm=other_rm)
    return {
        "rm": rm,
        "other_rm": other_rm,
        "supervisor": supervisor,
        "sponsor": sponsor,
        "rival": rival,
        "branch": branch,
    }


def this_month() -> str:
    return today_local().strftime("%Y-%m")


def beneficiary_form(n: int, **extra) -> dict:
    values = worker(n) | {"kpj": ""}
    return values | extra


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- acceptance ------------------------------------------------------------------------------


def test_twelve_months_for_ten_workers_then_a_worker_sponsored_elsewhere_is_refused(
    db, client, login_as, team
):
    today = today_local()
    make_sponsorship(team["rival"], team["other_rm"], today, workers=[99])
    login_as(team["rm"])
    resp = post_form(
        client,
        f"/sponsorships/new?account={team['sponsor'].id}",
        {"scheme": "sertakan", "package": "jkk_jkm", "months": "12", "start_month": this_month()},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    s = db.session.scalar(select(Sponsorship).where(Sponsorship.account_id == team["sponsor"].id))
    for n in range(1, 11):
        resp = post_form(client, f"/sponsorships/{s.id}/beneficiaries/new", beneficiary_form(n))
        assert resp.status_code == 302, resp.get_data(as_text=True)
    html = client.get(f"/sponsorships/{s.id}").get_data(as_text=True)
    assert "Rp 2.016.000" in html  # 10 x 12 x Rp 16.800
    resp = post_form(client, f"/sponsorships/{s.id}/beneficiaries/new", beneficiary_form(99))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "PT Sponsor Lain" in page and mask_nik(nik(99)) in page
    assert page.count(nik(99)) == 1  # only in the field the RM typed it into
    assert count(db, SponsorshipBeneficiary, SponsorshipBeneficiary.sponsorship_id == s.id) == 10


def test_niks_are_masked_for_everyone_in_lists_and_shown_in_full_only_through_the_audited_view(
    db, client, auth, login_as, team
):
    s = make_sponsorship(team["sponsor"], team["rm"], today_local(), workers=[1, 2])
    b = db.session.scalar(
        select(SponsorshipBeneficiary).where(SponsorshipBeneficiary.nik == nik(1))
    )
    for user in (team["other_rm"], team["rm"]):
        auth.logout()
        login_as(user)
        html = client.get(f"/sponsorships/{s.id}").get_data(as_text=True)
        assert mask_nik(nik(1)) in html and nik(1) not in html
        assert ("Lihat NIK" in html) == (user is team["rm"])
    auth.logout()
    login_as(team["other_rm"])
    url = f"/sponsorships/{s.id}/beneficiaries/{b.id}/nik"
    assert post_form(client, url).status_code == 403
    assert count(db, AuditLog, AuditLog.action == "sponsorship.nik_view") == 0
    auth.logout()
    login_as(team["rm"])
    resp = post_form(client, url)
    assert resp.status_code == 200 and nik(1) in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    assert client.get(url).status_code == 405  # never by a plain link
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "sponsorship.nik_view"))
    assert (row.actor_id, row.entity_id) == (team["rm"].id, str(b.id))
    edit = client.get(f"/sponsorships/{s.id}/beneficiaries/{b.id}/edit").get_data(as_text=True)
    assert nik(1) not in edit  # the edit form does not show it either


# -- permissions -----------------------------------------------------------------------------


def test_other_rms_can_read_but_not_change_and_partners_see_nothing(
    db, client, auth, login_as, team
):
    s = make_sponsorship(team["sponsor"], team["rm"], today_local(), workers=[1])
    b = db.session.scalar(select(SponsorshipBeneficiary))
    login_as(team["other_rm"])
    assert client.get("/sponsorships/").status_code == 200
    assert client.get(f"/sponsorships/{s.id}").status_code == 200
    for url in (
        f"/sponsorships/new?account={team['sponsor'].id}",
        f"/sponsorships/{s.id}/edit",
        f"/sponsorships/{s.id}/payments",
        f"/sponsorships/{s.id}/renew",
        f"/sponsorships/{s.id}/cancel",
        f"/sponsorships/{s.id}/import",
        f"/sponsorships/{s.id}/beneficiaries/new",
        f"/sponsorships/{s.id}/beneficiaries/{b.id}/edit",
        f"/sponsorships/{s.id}/beneficiaries/{b.id}/delete",
    ):
        assert client.get(url).status_code == 403, url
    assert (
        post_form(
            client, f"/sponsorships/{s.id}/beneficiaries/new", beneficiary_form(5)
        ).status_code
        == 403
    )
    assert post_form(client, f"/sponsorships/{s.id}/piagam").status_code == 403
    assert client.get("/admin/sponsorship-rates/").status_code == 403
    auth.logout()
    login_as(UserFactory(role="partner"))
    assert client.get("/sponsorships/").status_code == 403
    auth.logout()
    login_as(team["supervisor"])
    assert client.get(f"/sponsorships/{s.id}/edit").status_code == 200
    assert client.get("/sponsorships/999999").status_code == 404


def test_bad_input_gets_a_message_and_changes_nothing(db, client, login_as, team):
    login_as(team["rm"])
    url = f"/sponsorships/new?account={team['sponsor'].id}"
    resp = post_form(
        client,
        url,
        {
            "scheme": "gn_lingkaran",
            "package": "jkk_jkm",
            "months": "1",
            "start_month": this_month(),
        },
    )
    assert resp.status_code == 400 and "GN Lingkaran berjalan 3, 6, 12 bulan" in resp.get_data(
        as_text=True
    )
    resp = post_form(
        client,
        url,
        {"scheme": "sertakan", "package": "jkk_jkm", "months": "12", "start_month": "bulan depan"},
    )
    assert resp.status_code == 400 and "YYYY-MM" in resp.get_data(as_text=True)
    resp = post_form(
        client,
        url,
        {"scheme": "x", "package": "jkk_jkm", "months": "7", "start_month": this_month()},
    )
    assert resp.status_code == 400
    assert count(db, Sponsorship) == 0
    s = make_sponsorship(team["sponsor"], team["rm"], today_local())
    resp = post_form(
        client,
        f"/sponsorships/{s.id}/beneficiaries/new",
        beneficiary_form(1, nik="1234", name="", kpj="12", phone="1"),
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for message in (
        "NIK harus 16 digit",
        "Nama wajib diisi",
        "KPJ harus 11 digit",
        "Nomor telepon",
    ):
        assert message in html
    resp = post_form(
        client, f"/sponsorships/{s.id}/payments", {"paid_on": "kemarin", "amount": "abc"}
    )
    assert resp.status_code == 400
    assert count(db, SponsorshipBeneficiary) == 0 and s.paid_total == 0


def test_payments_edit_cancel_and_renew_through_the_pages(db, client, login_as, team):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1, 2], months=1)
    login_as(team["rm"])
    resp = post_form(
        client,
        f"/sponsorships/{s.id}/payments",
        {"paid_on": today.isoformat(), "amount": "100.000", "reference": "TRF"},
    )
    assert resp.status_code == 400 and "Melebihi sisa komitmen" in resp.get_data(as_text=True)
    resp = post_form(
        client,
        f"/sponsorships/{s.id}/payments",
        {"paid_on": today.isoformat(), "amount": "33.600", "reference": "TRF"},
    )
    assert resp.status_code == 302
    db.session.refresh(s)
    assert (s.status, s.paid_total, s.outstanding) == ("active", 33_600, 0)
    assert "Batalkan sponsorship" in client.get(f"/sponsorships/{s.id}/cancel").get_data(
        as_text=True
    )
    post_form(client, f"/sponsorships/{s.id}/cancel")
    db.session.refresh(s)
    assert s.status == "active"  # a paid sponsorship is not cancelled
    resp = post_form(
        client,
        f"/sponsorships/{s.id}/renew",
        {
            "package": "jkk_jkm_jht",
            "months": "3",
            "start_month": add_months(s.start_month, 1).strftime("%Y-%m"),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    new = db.session.scalar(select(Sponsorship).where(Sponsorship.renewed_from_id == s.id))
    assert (new.beneficiary_count, new.commitment) == (2, 2 * 3 * 36_800)
    assert client.get(f"/sponsorships/{s.id}/renew").status_code == 302  # renewed once


# -- register, totals, account panel -----------------------------------------------------------


def test_the_register_filters_and_its_statements_do_not_grow_with_the_rows(
    db, client, login_as, team
):
    today = today_local()
    login_as(team["supervisor"])

    def build(n, first):
        for i in range(n):
            make_sponsorship(
                team["sponsor"] if i % 2 else team["rival"],
                team["supervisor"],
                today,
                workers=[first + i],
                scheme="gn_lingkaran" if i % 3 == 0 else "sertakan",
                months=3,
            )

    build(2, 1)
    client.get("/sponsorships/")
    few = count_statements(lambda: client.get("/sponsorships/"))
    build(30, 100)
    many = count_statements(lambda: client.get("/sponsorships/"))
    assert many == few <= 6  # user, page, branch and RM choices, savepoints
    html = client.get("/sponsorships/?scheme=gn_lingkaran").get_data(as_text=True)
    assert html.count("<tr>") - 1 == 11
    html = client.get(f"/sponsorships/?branch={team['branch'].id}&status=pledged").get_data(
        as_text=True
    )
    assert "PT Sponsor Lain" not in html and "PT Sponsor Satu" in html
    assert "Tidak ada sponsorship" in client.get("/sponsorships/?status=expired").get_data(
        as_text=True
    )
    assert (
        client.get("/sponsorships/?status=nope&end_from=x&branch=abc&after=%%%").status_code == 200
    )


def test_totals_by_month_sponsor_scheme_and_branch_with_a_chart(db, client, login_as, team):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=range(1, 11))
    services.record_payment(s, today, 1_000_000, "", team["rm"], today)
    make_sponsorship(
        team["rival"], team["other_rm"], today, workers=[50], scheme="gn_lingkaran", months=3
    )
    login_as(team["other_rm"])
    for by in ("month", "sponsor", "scheme", "branch"):
        resp = client.get(f"/sponsorships/totals?by={by}&year={today.year}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "<svg" in html and "style=" not in html, by
        assert "Rp 2.016.000" in html or by in ("month", "scheme", "branch")
        assert "Rp 2.066.400" in html  # 2,016,000 + 3 x 16,800 committed this year
    html = client.get("/sponsorships/totals?by=branch").get_data(as_text=True)
    assert "Kantor Bandung" in html and "Tanpa kantor cabang" in html
    assert client.get("/sponsorships/totals?by=zzz&year=1").status_code == 200


def test_the_account_page_shows_its_sponsorships(db, client, auth, login_as, team):
    make_sponsorship(team["sponsor"], team["rm"], today_local(), workers=[1, 2, 3])
    login_as(team["rm"])
    html = client.get(f"/accounts/{team['sponsor'].id}").get_data(as_text=True)
    assert "Sponsor SERTAKAN" in html and "Rp 604.800" in html and "Buat sponsorship" in html
    auth.logout()
    login_as(team["other_rm"])
    html = client.get(f"/accounts/{team['rival'].id}").get_data(as_text=True)
    assert "belum menjadi sponsor" in html


# -- import ----------------------------------------------------------------------------------


def to_csv(rows: list[dict]) -> bytes:
    return imports.to_csv(rows, ["nik", "nama", "pekerjaan", "kota", "telepon", "kpj"])


def upload(client, sponsorship_id: int, data: bytes, filename="pekerja.csv"):
    return post_form(
        client,
        f"/sponsorships/{sponsorship_id}/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def line(n: int, **o) -> dict:
    return {"nik": nik(n), "nama": f"Pekerja {n}", "pekerjaan": "Satpam", "kota": "Bandung"} | o


def test_an_import_lists_every_bad_row_writes_nothing_then_writes_a_clean_file_once(
    db, client, login_as, team
):
    today = today_local()
    make_sponsorship(team["rival"], team["other_rm"], today, workers=[77])
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1])
    login_as(team["rm"])
    bad = [line(1), line(2), line(2, nama="Dobel"), line(77), line(3, nik="12"), line(4, nama="")]
    html = upload(client, s.id, to_csv(bad)).get_data(as_text=True)
    assert "5 baris bermasalah" in html and "Semua baris valid" not in html
    assert "sudah ada di sponsorship ini" in html and "sudah ada di baris 3" in html
    assert "PT Sponsor Lain" in html and "NIK harus 16 digit" in html and "Nama wajib" in html
    assert nik(77) not in html and nik(2) not in html
    assert count(db, SponsorshipBeneficiary, SponsorshipBeneficiary.sponsorship_id == s.id) == 1
    html = upload(client, s.id, to_csv([line(n) for n in range(2, 12)])).get_data(as_text=True)
    assert "Semua baris valid" in html
    ticket = TICKET.search(html).group(1)
    assert (
        post_form(client, f"/sponsorships/{s.id}/import/confirm", {"ticket": ticket}).status_code
        == 302
    )
    post_form(client, f"/sponsorships/{s.id}/import/confirm", {"ticket": ticket})  # twice
    db.session.refresh(s)
    assert (s.beneficiary_count, s.commitment) == (11, 11 * 12 * 16_800)
    other = make_sponsorship(
        team["sponsor"], team["rm"], today, months=1, start=add_months(today.replace(day=1), 12)
    )
    resp = post_form(client, f"/sponsorships/{other.id}/import/confirm", {"ticket": ticket})
    assert resp.status_code == 302 and other.beneficiary_count == 0  # bound to its sponsorship
    assert (
        client.get("/sponsorships/import/template.csv")
        .get_data(as_text=True)
        .lstrip("\ufeff")
        .startswith("nik,nama")
    )
    assert client.get("/sponsorships/import/template.xlsx").status_code == 200
    assert upload(client, s.id, b"", "kosong.csv").status_code == 400


def test_a_large_import_is_written_by_a_background_job(db, client, login_as, team, app):
    s = make_sponsorship(team["sponsor"], team["rm"], today_local())
    login_as(team["rm"])
    saved = app.config["IMPORT_SYNC_MAX_ROWS"]
    app.config["IMPORT_SYNC_MAX_ROWS"] = 2
    try:
        html = upload(client, s.id, to_csv([line(n) for n in range(1, 6)])).get_data(as_text=True)
        ticket = TICKET.search(html).group(1)
        resp = post_form(client, f"/sponsorships/{s.id}/import/confirm", {"ticket": ticket})
    finally:
        app.config["IMPORT_SYNC_MAX_ROWS"] = saved
    assert "/jobs/" in resp.headers["Location"]
    job = db.session.scalar(
        select(BackgroundJob).where(BackgroundJob.kind == "sponsorships.import")
    )
    assert job.params["ticket"]["sponsorship_id"] == s.id
    assert count(db, SponsorshipBeneficiary) == 0  # written by the job, not the request
    work(app)
    job = db.session.get(BackgroundJob, job.id, populate_existing=True)
    assert job.status == "done", job.error
    assert job.result["created"] == 5
    assert count(db, SponsorshipBeneficiary, SponsorshipBeneficiary.sponsorship_id == s.id) == 5
    assert db.session.get(Sponsorship, s.id, populate_existing=True).commitment == 5 * 12 * 16_800


# -- piagam ----------------------------------------------------------------------------------


def test_the_piagam_lists_the_workers_masked_and_the_amount_received(db, client, login_as, team):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=range(1, 6))
    login_as(team["rm"])
    resp = post_form(client, f"/sponsorships/{s.id}/piagam")
    assert resp.status_code == 302 and "/sponsorships/" in resp.headers["Location"]  # unpaid
    services.record_payment(s, today, 5 * 12 * 16_800, "", team["rm"], today)
    resp = post_form(client, f"/sponsorships/{s.id}/piagam")
    assert "/letters/" in resp.headers["Location"]
    post_form(client, f"/sponsorships/{s.id}/piagam")  # the second click opens the same draft
    letter = db.session.scalar(select(Letter))
    assert count(db, Letter) == 1 and db.session.get(Sponsorship, s.id).letter_id == letter.id
    block = letter.facts["sponsorship"]
    assert (block["sponsor"], block["workers"], block["amount"]) == (
        "PT Sponsor Satu",
        5,
        1_008_000,
    )
    assert block["beneficiaries"][0]["nik"] == mask_nik(nik(1))
    text = " ".join(page_texts(render_letter(letter_context(letter))))
    assert "PIAGAM PENGHARGAAN" in text and "Rp 1.008.000" in text
    assert mask_nik(nik(1)) in text and nik(1) not in text and "Pekerja 0005" in text


# -- admin rates -----------------------------------------------------------------------------


def test_the_admin_adds_a_future_price_and_deletes_it_after_confirming(db, client, login_as):
    login_as(UserFactory(role="admin"))
    html = client.get("/admin/sponsorship-rates/").get_data(as_text=True)
    assert "Rp 16.800" in html and "Rp 36.800" in html
    next_month = add_months(today_local().replace(day=1), 1)
    resp = post_form(
        client,
        "/admin/sponsorship-rates/",
        {
            "package": "jkk_jkm",
            "price": "17500",
            "effective_from": today_local().replace(day=1).isoformat(),
        },
    )
    assert resp.status_code == 400 and "surut" in resp.get_data(as_text=True)
    resp = post_form(
        client,
        "/admin/sponsorship-rates/",
        {"package": "jkk_jkm", "price": "17500", "effective_from": next_month.isoformat()},
    )
    assert resp.status_code == 302
    rate_id = db.session.scalar(select(SponsorshipRate.id).where(SponsorshipRate.price == 17_500))
    assert "Ya, hapus" in client.get(f"/admin/sponsorship-rates/{rate_id}/delete").get_data(
        as_text=True
    )
    assert count(db, SponsorshipRate, SponsorshipRate.id == rate_id) == 1
    post_form(client, f"/admin/sponsorship-rates/{rate_id}/delete")
    assert count(db, SponsorshipRate, SponsorshipRate.id == rate_id) == 0
    seeded_id = db.session.scalar(
        select(SponsorshipRate.id).where(SponsorshipRate.effective_from == date(2022, 9, 1))
    )
    post_form(client, f"/admin/sponsorship-rates/{seeded_id}/delete")
    assert count(db, SponsorshipRate, SponsorshipRate.id == seeded_id) == 1


def test_a_new_sponsorship_starts_by_choosing_one_of_the_rms_accounts(db, client, login_as, team):
    login_as(team["rm"])
    html = client.get("/sponsorships/new").get_data(as_text=True)
    assert "PT Sponsor Satu" in html and "PT Sponsor Lain" not in html
    assert "PT Sponsor Satu" not in client.get("/sponsorships/new?q=lain").get_data(as_text=True)
    assert client.get("/sponsorships/new?account=abc").status_code == 404
    assert client.get("/sponsorships/new?account=999999").status_code == 404


def test_the_sponsorship_page_costs_the_same_statements_for_5_or_40_workers(
    db, client, login_as, team
):
    today = today_local()
    small = make_sponsorship(team["sponsor"], team["rm"], today, workers=range(1, 6))
    services.record_payment(small, today, 16_800, "", team["rm"], today)
    big = make_sponsorship(team["rival"], team["other_rm"], today, workers=range(100, 140))
    services.record_payment(big, today, 16_800, "", team["other_rm"], today)
    login_as(team["supervisor"])
    client.get(f"/sponsorships/{small.id}")
    few = count_statements(lambda: client.get(f"/sponsorships/{small.id}"))
    many = count_statements(lambda: client.get(f"/sponsorships/{big.id}"))
    assert many == few <= 8
    html = client.get(f"/sponsorships/{big.id}").get_data(as_text=True)
    assert html.count("Lihat NIK") == 40 and "Berikutnya" not in html


def test_the_beneficiary_list_downloads_with_masked_niks_for_managers_only(
    db, client, auth, login_as, team
):
    s = make_sponsorship(team["sponsor"], team["rm"], today_local(), workers=[1, 2])
    login_as(team["rm"])
    text = client.get(f"/sponsorships/{s.id}/beneficiaries.csv").get_data(as_text=True)
    assert mask_nik(nik(1)) in text and nik(1) not in text and "Pekerja 0002" in text
    assert client.get(f"/sponsorships/{s.id}/beneficiaries.xlsx").status_code == 200
    assert client.get(f"/sponsorships/{s.id}/beneficiaries.pdf").status_code == 404
    auth.logout()
    login_as(team["other_rm"])
    assert client.get(f"/sponsorships/{s.id}/beneficiaries.csv").status_code == 403


def test_an_xlsx_file_with_english_headers_imports_too(db, client, login_as, team):
    from openpyxl import Workbook

    s = make_sponsorship(team["sponsor"], team["rm"], today_local())
    login_as(team["rm"])
    book = Workbook()
    sheet = book.active
    sheet.append(["NIK", "name", "occupation", "city", "phone", "KPJ"])
    sheet.append([nik(5), "Siti Aminah", "Asisten rumah tangga", "Bandung", "0812 3456 7890", ""])
    sheet.append([int(nik(6)), "Budi", "Satpam", "Bandung", "", "12345678901"])
    out = io.BytesIO()
    book.save(out)
    html = upload(client, s.id, out.getvalue(), "pekerja.xlsx").get_data(as_text=True)
    assert "Semua baris valid" in html, html
    post_form(
        client, f"/sponsorships/{s.id}/import/confirm", {"ticket": TICKET.search(html).group(1)}
    )
    rows = db.session.scalars(select(SponsorshipBeneficiary).order_by(SponsorshipBeneficiary.nik))
    assert [(b.nik, b.phone, b.kpj) for b in rows] == [
        (nik(5), "081234567890", None),
        (nik(6), "", "12345678901"),
    ]
