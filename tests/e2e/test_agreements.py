"""Acceptance, as a new user would: create an MoU and a PKS under it, upload the signed PDF,
and try a renamed .exe and a 30 MB file (both refused with a message, nothing stored)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from crm.partners.models import Agreement, AgreementDocument
from tests.factories import BranchFactory, InstitutionFactory, UserFactory
from tests.support.agreements import EXE_BYTES, pdf_bytes
from tests.support.browser import shot, sign_in


def test_rm_creates_mou_and_pks_and_uploads_the_signed_pdf(db, page: Page, live_server, tmp_path):
    rm = UserFactory(role="rm", email="rm-mou@e2e.test", name="Dewi Lestari")
    InstitutionFactory(name="Kementerian Dalam Negeri", rm=rm)
    BranchFactory(name="Jakarta Sudirman")
    BranchFactory(name="Surabaya Rungkut")
    db.session.commit()
    errors: list[str] = []
    # A refused form answers 400 on purpose; Chromium logs that status as a console error.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 400" not in m.text else None
        ),
    )
    sign_in(page, live_server, rm.email)

    page.goto(f"{live_server}/agreements/")
    expect(page.get_by_text("Belum ada kerja sama")).to_be_visible()
    page.get_by_role("link", name="MoU baru").click()
    page.get_by_label("Institusi mitra").select_option(label="Kementerian Dalam Negeri")
    page.get_by_label("Judul").fill("MoU Perlindungan Pekerja Non-ASN")
    page.get_by_label("Nomor BPJS Ketenagakerjaan").fill("MOU/04/KEP/2026")
    page.get_by_label("Nomor pihak mitra").fill("119/1034/SJ")
    page.get_by_label("Berlaku mulai").fill("2026-01-01")
    page.get_by_label("Berlaku sampai").fill("2025-12-31")  # wrong on purpose
    page.get_by_label("Jakarta Sudirman").check()
    page.get_by_label("Surabaya Rungkut").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("harus sesudah tanggal mulai berlaku")).to_be_visible()
    shot(page, "agreement-new-error")
    page.get_by_label("Berlaku sampai").fill("2028-12-31")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Kerja sama disimpan sebagai draf.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MoU Perlindungan Pekerja")

    page.get_by_role("link", name="Tambah PKS").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PKS baru")
    page.get_by_label("Judul").fill("PKS Pemda Jawa Timur")
    page.get_by_label("Berlaku mulai").fill("2026-03-01")
    page.get_by_label("Berlaku sampai").fill("2029-06-30")  # after the MoU: a warning
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("PKS ini berakhir sesudah MoU-nya (MoU berlaku")).to_be_visible()
    page.get_by_label("Saya mengerti PKS ini berakhir sesudah MoU-nya.").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Kerja sama disimpan sebagai draf.")).to_be_visible()
    expect(page.get_by_role("link", name="MoU Perlindungan Pekerja Non-ASN").first).to_be_visible()
    page.get_by_role("link", name="MoU Perlindungan Pekerja Non-ASN").first.click()

    signed = tmp_path / "MoU ditandatangani.pdf"
    signed.write_bytes(pdf_bytes("MoU"))
    page.get_by_label("Berkas PDF").set_input_files(str(signed))
    page.get_by_role("button", name="Unggah").click()
    expect(page.get_by_text("Naskah ditandatangani versi 1 diunggah.")).to_be_visible()
    expect(page.get_by_role("link", name="MoU ditandatangani.pdf")).to_be_visible()

    exe = tmp_path / "naskah.pdf"
    exe.write_bytes(EXE_BYTES)
    page.get_by_label("Berkas PDF").set_input_files(str(exe))
    page.get_by_role("button", name="Unggah").click()
    expect(page.get_by_text("Berkas ini bukan PDF")).to_be_visible()
    shot(page, "agreement-exe-refused")

    big = tmp_path / "besar.pdf"
    big.write_bytes(pdf_bytes() + b"\n%" + b"x" * (30 * 2**20))
    page.get_by_label("Berkas PDF").set_input_files(str(big))
    page.get_by_role("button", name="Unggah").click()
    expect(page.get_by_text("Berkas terlalu besar: paling besar 20 MB")).to_be_visible()
    shot(page, "agreement-big-refused")

    with page.expect_download() as download:
        page.get_by_role("link", name="MoU ditandatangani.pdf").click()
    assert download.value.suggested_filename == "MoU ditandatangani.pdf"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AgreementDocument)) == 1
    kinds = set(db.session.scalars(select(Agreement.kind)))
    assert kinds == {"mou", "pks"}
    assert errors == []


def test_agreement_page_fits_a_phone_screen(db, page: Page, live_server):
    """390 px wide: the facts stack, long numbers wrap; only the matrix scrolls in its box."""
    from datetime import date

    from tests.support.agreements import make_team, mou

    team = make_team()
    agreement = mou(
        team,
        start=date(2026, 1, 1),
        status="active",
        our_number="PKS/11/KEP/032025/DIREKTORAT-KEPESERTAAN-KORPORASI",
        partner_number="119/2210/BAK/SEKRETARIAT-JENDERAL",
    )
    team.rm.email = "rm-phone@e2e.test"
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, team.rm.email)
    page.goto(f"{live_server}/agreements/{agreement.id}")
    expect(page.get_by_role("heading", name="Rincian")).to_be_visible()
    shot(page, "agreement-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
