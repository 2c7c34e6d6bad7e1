"""The supply-chain acceptance flow in the browser, as a new user would try it: an RM imports
a parent's vendor list with bad rows (refused with reasons), fixes them and imports it;
sees the coverage; registers one prospect and watches the coverage move; sends invitation
letters to the rest in bulk; the supervisor approves them, and once issued the vendors
show as invited."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from crm.compliance.models import CompliancePeriod
from crm.compliance.services import today_local
from crm.supply_chain.models import SupplyChainLink
from tests.factories import AccountFactory, UserFactory
from tests.support.browser import run_queue, shot, sign_in, switch_user

HEADER = "nama,npwp,npp,kontak,telepon,email,perkiraan_pekerja,kontrak\n"
BAD = HEADER + (
    "PT Beton Mitra,,11223344,,,,200,Subkontraktor struktur\n"
    "PT Angkut Cepat,01.234.567.8-901.234,,Pak Dedi,0812-1111-2222,,120,Angkutan material\n"
    ",02.111.222.3-444.555,,,,,50,Katering proyek\n"
    "PT Jaga Aman,123,,,,bukan-surel,80,Jasa keamanan\n"
)
GOOD = HEADER + (
    "PT Beton Mitra,,11223344,,,,200,Subkontraktor struktur\n"
    "PT Angkut Cepat,01.234.567.8-901.234,,Pak Dedi,0812-1111-2222,,120,Angkutan material\n"
    "PT Dapur Proyek,02.111.222.3-444.555,,Bu Sari,,,50,Katering proyek\n"
    "PT Jaga Aman,03.999.888.7-666.555,,,,hrd@jaga.test,80,Jasa keamanan\n"
)


def test_import_coverage_register_and_invite(app, db, page: Page, live_server, tmp_path):
    rm = UserFactory(role="rm", email="rm-rantai@e2e.test", name="Rina Kartika")
    supervisor = UserFactory(role="supervisor", email="spv-rantai@e2e.test", name="Bambang")
    parent = AccountFactory(rm=rm, name="PT Karya Induk (Persero)", ownership="bumn")
    beton = AccountFactory(name="PT Beton Mitra", npp="11223344")
    db.session.flush()
    db.session.add(
        CompliancePeriod(
            account_id=beton.id, period=today_local().replace(day=1), workers_registered=180
        )
    )
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm prompts
    base = f"{live_server}/supply-chain/{parent.id}"

    sign_in(page, live_server, rm.email)
    page.goto(f"{live_server}/supply-chain/")
    expect(page.get_by_text("Belum ada induk dengan daftar vendor")).to_be_visible()
    page.goto(base)
    expect(page.get_by_text("Belum ada vendor.")).to_be_visible()

    # A file with bad rows: refused, every reason listed, nothing saved.
    page.get_by_role("link", name="Impor daftar vendor").click()
    bad = tmp_path / "vendor.csv"
    bad.write_text(BAD)
    page.get_by_label("File CSV atau XLSX").set_input_files(str(bad))
    page.get_by_role("button", name="Periksa file").click()
    expect(page.get_by_role("heading", name="2 baris bermasalah")).to_be_visible()
    expect(page.get_by_text("Nama vendor wajib diisi.")).to_be_visible()
    expect(page.get_by_text("NPWP harus 15 atau 16 digit (tertulis 3).")).to_be_visible()
    expect(page.get_by_text("Alamat surel tidak valid.")).to_be_visible()
    expect(page.get_by_role("button", name="Simpan semua baris")).to_have_count(0)
    shot(page, "supply-chain-01-refused")

    # The fixed file: previewed, then saved at once.
    page.get_by_role("link", name="Unggah file lain").click()
    good = tmp_path / "vendor-perbaikan.csv"
    good.write_text(GOOD)
    page.get_by_label("File CSV atau XLSX").set_input_files(str(good))
    page.get_by_role("button", name="Periksa file").click()
    expect(page.get_by_role("heading", name="Semua baris valid")).to_be_visible()
    page.get_by_role("button", name="Simpan semua baris").click()
    expect(page.get_by_text("Daftar vendor disimpan: 4 vendor baru")).to_be_visible()

    # The coverage: 1 of 4 vendors (the one matched by NPP), 180 of 450 workers.
    expect(page.get_by_text("vendor terdaftar: 1 dari 4")).to_be_visible()
    expect(page.get_by_text("pekerja terdaftar: 180 dari perkiraan 450")).to_be_visible()
    expect(page.locator("svg.trend")).to_be_visible()
    shot(page, "supply-chain-02-coverage")

    # One prospect registers: the coverage moves.
    page.get_by_role("link", name="PT Angkut Cepat").click()
    page.get_by_label("NPP", exact=True).fill("5566 7788")
    page.get_by_role("button", name="Catat pendaftaran").click()
    expect(page.get_by_text("PT Angkut Cepat tercatat terdaftar (NPP 55667788).")).to_be_visible()
    expect(page.get_by_text("vendor terdaftar: 2 dari 4")).to_be_visible()
    page.get_by_role("link", name="PT Angkut Cepat").click()
    expect(page.get_by_text("Diimpor", exact=True)).to_be_visible()
    expect(page.get_by_text("Terdaftar sebagai akun")).to_be_visible()
    shot(page, "supply-chain-03-registered")

    # Invitation letters to the other two, in bulk.
    page.goto(base)
    page.get_by_role("link", name="Kirim surat ajakan").click()
    expect(page.locator("p.stat")).to_have_text("2")
    page.get_by_role("button", name="Buat surat ajakan").click()
    expect(page.get_by_text("2 surat ajakan dibuat sebagai draf.")).to_be_visible()
    page.get_by_role("button", name="Ajukan semua").click()
    expect(page.get_by_text("2 surat diajukan.")).to_be_visible()
    batch_url = page.url

    switch_user(page, live_server, supervisor.email)
    page.goto(batch_url)
    page.get_by_role("button", name="Setujui semua").click()
    expect(page.get_by_text("2 surat disetujui; PDF sedang dibuat.")).to_be_visible()
    run_queue(app)

    switch_user(page, live_server, rm.email)
    page.goto(f"{base}?status=invited")
    expect(page.get_by_role("link", name="PT Dapur Proyek")).to_be_visible()
    expect(page.get_by_role("link", name="PT Jaga Aman")).to_be_visible()
    shot(page, "supply-chain-04-invited")
    page.goto(f"{live_server}/supply-chain/")
    expect(page.get_by_role("link", name="PT Karya Induk (Persero)")).to_be_visible()
    shot(page, "supply-chain-05-rollup")
    statuses = {link.name: link.campaign_status for link in db.session.query(SupplyChainLink)}
    assert statuses == {
        "PT Beton Mitra": "registered",
        "PT Angkut Cepat": "registered",
        "PT Dapur Proyek": "invited",
        "PT Jaga Aman": "invited",
    }
    assert errors == []
