"""The letters acceptance flow in the browser: an account in arrears enters the Pemberitahuan
stage of its case, which drafts the letter for its RM; the RM edits its body and submits it;
the supervisor approves it (number given); the PDF is rendered through the real queue; the
RM downloads it, records its dispatch and receipt and sees the addressee's deadline; anyone
can verify the PDF at /verify/<code>, and a PDF with one byte changed is rejected."""

from __future__ import annotations

import io
import os
import re
import subprocess

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from crm.cases import services as case_services
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.services import today_local
from crm.i18n import long_date
from crm.letters.models import Letter, LetterEvent
from tests.factories import AccountFactory, UserFactory
from tests.support.browser import SHOTS, open_when_issued, run_queue, shot, sign_in, switch_user
from tests.support.letters import arrears_months

EDIT = "Kami telah menghubungi Bapak melalui telepon pada minggu lalu tanpa tanggapan."


def test_rm_drafts_supervisor_approves_and_the_issued_letter_is_delivered_and_verified(
    app, db, page: Page, live_server, tmp_path
):
    rm = UserFactory(role="rm", email="rm-surat@e2e.test", name="Rina Kartika")
    supervisor = UserFactory(role="supervisor", email="spv-surat@e2e.test", name="Bambang")
    account = AccountFactory(
        rm=rm, name="PT Baja Nusantara", address="Jl. Industri 7", city="Bekasi"
    )
    db.session.flush()
    arrears_months(account)
    case = case_services.open_case(account, "arrears", rm)
    case_services.advance_case(case, "pemberitahuan", rm)  # the case drafts its letter
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The RM opens the stage letter from the case and edits it.
    sign_in(page, live_server, rm.email)
    page.goto(f"{live_server}/cases/{case.id}")
    page.get_by_role("link", name="Buka surat").click()
    page.get_by_role("link", name="Ubah").click()
    body = page.get_by_label("Isi surat")
    expect(body).to_contain_text("tercatat masih memiliki kewajiban")
    body.fill(body.input_value() + "\n\n" + EDIT)
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.get_by_text("Perubahan surat disimpan.")).to_be_visible()
    expect(page.get_by_text(EDIT)).to_be_visible()
    shot(page, "letters-01-draft")
    page.get_by_role("button", name="Ajukan untuk persetujuan").click()
    expect(page.get_by_text("Surat diajukan untuk persetujuan.")).to_be_visible()
    letter_url = page.url
    letter_id = int(letter_url.rstrip("/").rsplit("/", 1)[1])

    # The supervisor approves it: it gets its number and waits for its PDF.
    switch_user(page, live_server, supervisor.email)
    page.goto(letter_url)
    page.get_by_role("button", name="Setujui dan beri nomor").click()
    expect(page.get_by_text("Surat disetujui dan diberi nomor; PDF sedang dibuat.")).to_be_visible()
    letter = db.session.get(Letter, letter_id, populate_existing=True)
    number, code = letter.number, letter.verify_code
    db.session.commit()
    assert number and letter.status == "approved"
    expect(page.get_by_text(number).first).to_be_visible()

    # The real queue renders it; the RM reloads the page until it shows issued.
    run_queue(app)
    switch_user(page, live_server, rm.email)
    open_when_issued(page, letter_url)
    expect(page.locator(".badge.render-done")).to_have_text("Selesai")
    shot(page, "letters-02-issued")

    # Its PDF: the number, the addressee and an amount of the arrears table.
    pdf_href = page.get_by_role("link", name="Unduh PDF").get_attribute("href")
    response = page.request.get(f"{live_server}{pdf_href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert number in flat, flat[:500]
    assert "PT Baja Nusantara" in flat
    assert "10.000.000" in flat
    pdf_path = tmp_path / "surat.pdf"
    pdf_path.write_bytes(pdf)
    png_base = tmp_path / "surat-hal1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf_path, png_base],
        check=True,
        timeout=60,
    )
    png = png_base.with_suffix(".png")
    assert png.stat().st_size > 1000
    if SHOTS:
        os.replace(png, os.path.join(SHOTS, "letters-03-pdf-page1.png"))

    # Dispatch by courier, then receipt today: the addressee's deadline appears.
    today = today_local()
    page.get_by_label("Cara pengiriman").select_option("courier")
    page.get_by_label("Nomor resi (wajib untuk kurir)").fill("JNE-0042-7781")
    page.get_by_label("Tanggal kirim").fill(today.isoformat())
    page.get_by_role("button", name="Catat pengiriman").click()
    expect(page.get_by_text("Pengiriman surat dicatat.")).to_be_visible()
    expect(page.get_by_text("resi JNE-0042-7781")).to_be_visible()
    page.get_by_label("Tanggal diterima").fill(today.isoformat())
    page.get_by_label("Nama penerima surat", exact=True).fill("Sutrisno (resepsionis)")
    page.get_by_role("button", name="Catat penerimaan").click()
    expect(page.get_by_text("Penerimaan surat dicatat.")).to_be_visible()
    letter = db.session.get(Letter, letter_id, populate_existing=True)
    assert letter.status == "received" and letter.deadline_days
    due = working_calendar(LETTER).add_working_days(today, letter.deadline_days)
    assert letter.deadline_on == due
    with app.test_request_context():
        due_text = long_date(due)
    db.session.commit()
    expect(page.get_by_text("Sutrisno (resepsionis)").first).to_be_visible()
    expect(page.locator("strong", has_text=due_text)).to_be_visible()
    shot(page, "letters-04-received")

    # Anyone, signed out, can check the PDF against the issued one.
    page.context.clear_cookies()
    page.goto(f"{live_server}/verify/{code}")
    expect(page.get_by_text(number)).to_be_visible()
    page.get_by_label("Berkas PDF").set_input_files(str(pdf_path))
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_text("Berkas identik dengan surat yang diterbitkan.")).to_be_visible()
    shot(page, "letters-05-verified")
    tampered = bytearray(pdf)
    tampered[len(tampered) // 2] ^= 0x01
    bad_path = tmp_path / "surat-diubah.pdf"
    bad_path.write_bytes(bytes(tampered))
    page.get_by_label("Berkas PDF").set_input_files(str(bad_path))
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_text("Berkas TIDAK identik dengan surat yang diterbitkan.")).to_be_visible()
    shot(page, "letters-06-rejected")

    kinds = [
        e.kind
        for e in db.session.query(LetterEvent)
        .filter_by(letter_id=letter_id)
        .order_by(LetterEvent.id)
    ]
    db.session.commit()
    assert kinds.count("issued") == 1
    assert [k for k in kinds if k != "edited"] == [
        "drafted", "submitted", "approved", "issued", "dispatched", "received",
    ]  # fmt: skip
    assert not errors, errors
