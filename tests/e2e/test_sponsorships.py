"""The sponsorship acceptance flow in the browser: an RM creates a 12-month SERTAKAN
sponsorship from the sponsor's account page, adds two workers by hand and eight from a CSV
file, sees the commitment of 10 x 12 x Rp 16.800; a worker sponsored by another company is
refused with that sponsor named; another RM sees only masked NIKs; the RM's full-NIK view is
audited."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from crm.audit import AuditLog
from crm.compliance.services import today_local
from crm.sponsorships.nik import mask_nik
from tests.factories import AccountFactory, UserFactory
from tests.support.browser import shot, sign_in, switch_user
from tests.support.sponsorships import make_sponsorship, nik


def test_rm_sponsors_ten_workers_for_a_year_and_niks_stay_masked_for_others(
    app, db, page: Page, live_server, tmp_path
):
    rm = UserFactory(role="rm", email="rm-sertakan@e2e.test", name="Rina Kartika")
    other = UserFactory(role="rm", email="rm-lain@e2e.test", name="Oki Saputra")
    account = AccountFactory(rm=rm, name="PT Sponsor Peduli")
    rival = AccountFactory(rm=other, name="PT Tetangga Baik")
    db.session.flush()
    make_sponsorship(rival, other, today_local(), workers=[99])
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server, rm.email)
    page.goto(f"{live_server}/accounts/{account.id}")
    page.get_by_role("link", name="Buat sponsorship").click()
    page.get_by_label("Skema").select_option("sertakan")
    page.get_by_label("Lama").select_option("12")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Sponsorship dibuat")).to_be_visible()
    detail = page.url

    for n in (1, 2):
        page.get_by_role("link", name="Tambah pekerja").click()
        page.get_by_label("NIK").fill(nik(n))
        page.get_by_label("Nama").fill(f"Pekerja {n}")
        page.get_by_label("Pekerjaan").fill("Pengemudi ojek")
        page.get_by_role("button", name="Simpan", exact=True).click()
        expect(page.get_by_text("Penerima manfaat ditambahkan")).to_be_visible()

    csv_file = tmp_path / "pekerja.csv"
    rows = "\n".join(f"{nik(n)},Pekerja {n},Satpam" for n in range(3, 11))
    csv_file.write_text("nik,nama,pekerjaan\n" + rows + "\n")
    page.get_by_role("link", name="Impor CSV/XLSX").click()
    page.get_by_label("File CSV atau XLSX").set_input_files(str(csv_file))
    page.get_by_role("button", name="Periksa file").click()
    expect(page.get_by_text("Semua baris valid")).to_be_visible()
    shot(page, "sponsorship-import-preview")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("8 penerima manfaat ditambahkan")).to_be_visible()
    expect(page.locator("#uang")).to_contain_text("Rp 2.016.000")  # 10 x 12 x Rp 16.800
    expect(page.locator("#penerima")).to_contain_text(mask_nik(nik(1)))
    shot(page, "sponsorship-detail")

    page.get_by_role("link", name="Tambah pekerja").click()
    page.get_by_label("NIK").fill(nik(99))
    page.get_by_label("Nama").fill("Pekerja Tetangga")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator(".errors")).to_contain_text("PT Tetangga Baik")
    shot(page, "sponsorship-refused")

    switch_user(page, live_server, other.email)
    page.goto(detail)
    expect(page.locator("#penerima")).to_contain_text(mask_nik(nik(1)))
    assert nik(1) not in page.content()
    expect(page.get_by_role("button", name="Lihat NIK")).to_have_count(0)

    switch_user(page, live_server, rm.email)
    page.goto(detail)
    page.get_by_role("row", name=f"{mask_nik(nik(1))} Pekerja 1 ").get_by_role(
        "button", name="Lihat NIK"
    ).click()
    expect(page.get_by_text(nik(1))).to_be_visible()
    views = db.session.scalars(select(AuditLog).where(AuditLog.action == "sponsorship.nik_view"))
    assert [v.actor_id for v in views] == [rm.id]
    assert [e for e in errors if "status of 400" not in e] == []  # the refusal answers 400
