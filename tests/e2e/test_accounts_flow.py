"""The accounts acceptance flow, in the browser, as a new RM would try it."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.factories import UserFactory
from tests.support.browser import sign_in


def add_person(page: Page, name: str, title: str, level: str, boss: str | None = None) -> None:
    page.get_by_role("link", name="Tambah key person").click()
    page.get_by_label("Nama").fill(name)
    page.get_by_label("Jabatan", exact=True).fill(title)
    page.get_by_label("Tingkat").select_option(label=level)
    if level in ("BOD", "BOD-1"):
        page.get_by_label("Pengambil keputusan").check()
    if boss:
        page.get_by_label("Melapor kepada").select_option(label=boss)
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text(f"{name} ditambahkan.")).to_be_visible()


def test_new_rm_creates_an_account_adds_people_and_marks_one_left(db, page: Page, live_server):
    rm = UserFactory(role="rm", email="rm-baru@e2e.test", name="Rudi Hartono")
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, rm.email)

    page.get_by_role("link", name="Akun", exact=True).click()
    expect(page.get_by_text("Portofolio Anda masih kosong.")).to_be_visible()
    page.get_by_role("link", name="Tambah akun").first.click()
    page.get_by_label("Nama").fill("PT Logam Sentosa Abadi")
    page.get_by_label("NPP", exact=True).fill("1234")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("NPP harus 8 digit (tertulis 4).")).to_be_visible()

    page.get_by_label("NPP", exact=True).fill("8765 4321")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PT Logam Sentosa Abadi")
    expect(page.get_by_text("87654321")).to_be_visible()

    add_person(page, "Sari Wulandari", "Direktur SDM", "BOD")
    add_person(page, "Agus Salim", "GM Human Capital", "BOD-1", "Sari Wulandari · Direktur SDM")
    add_person(page, "Rina Kartika", "Manajer Payroll", "BOD-2", "Agus Salim · GM Human Capital")

    page.get_by_role("link", name="Bagan organisasi").click()
    chart = page.locator(".orgchart")
    expect(chart.locator("li li li").get_by_text("Rina Kartika")).to_be_visible()
    expect(chart.get_by_text("2 bawahan langsung")).to_have_count(0)
    page.get_by_role("link", name="PT Logam Sentosa Abadi").click()

    page.get_by_role("row", name="Agus Salim").get_by_role("link", name="Keluar…").click()
    page.get_by_label("Tanggal keluar").fill(date.today().isoformat())  # positions start today
    page.get_by_role("button", name="Tandai keluar").click()
    expect(page.get_by_text("Agus Salim ditandai keluar.")).to_be_visible()
    expect(page.get_by_text("Kekosongan key person sejak")).to_be_visible()
    # The task shows under open tasks and in the interaction timeline.
    expect(
        page.get_by_text("Bangun kembali hubungan dengan PT Logam Sentosa Abadi").first
    ).to_be_visible()

    page.get_by_role("link", name="Akun", exact=True).click()
    expect(page.get_by_role("link", name="PT Logam Sentosa Abadi")).to_be_visible()
    assert errors == []
