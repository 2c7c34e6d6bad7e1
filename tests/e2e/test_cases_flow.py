"""The escalation acceptance flow in the browser: a supervisor imports a month in which
three companies did not pay; the RM sees the suggestions, opens a case, sets its Persuasi
deadline and walks it to Rekomendasi TMP2T. Every stage letter is drafted by the case for
the RM, submitted by the RM, approved by a supervisor, rendered by the real queue, then
dispatched and received on its page; each guard is tried once on the way (skipping a
stage, a third warning, Denda before Teguran II's period ends, self-approval). An import
of the payment then closes the case with an event citing it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from crm.cases.models import CaseEvent, EscalationCase
from crm.compliance.services import today_local
from crm.letters.models import Letter
from tests.factories import AccountFactory, UserFactory
from tests.support.browser import open_when_issued, run_queue, shot, sign_in
from tests.support.compliance import HEADERS, row, to_csv, unpaid

MONTHS = ("2026-08", "2026-09")


def import_file(page: Page, base: str, path) -> None:
    page.goto(f"{base}/compliance/import")
    page.get_by_label("File CSV atau XLSX").set_input_files(str(path))
    page.get_by_role("button", name="Periksa file").click()
    expect(page.get_by_role("heading", name="Semua baris valid")).to_be_visible()
    page.get_by_role("button", name="Simpan").click()


def switch_user(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, email)


def advance_to(page: Page, label: str, note: str = "") -> None:
    if note:
        page.get_by_label("Catatan", exact=True).fill(note)
    page.get_by_role("button", name=f"Naikkan ke {label}").click()
    expect(page.get_by_text(f"Kasus naik ke tahap {label}.")).to_be_visible()


def issue_stage_letter(app, rm_page: Page, spv_page: Page, case_url: str) -> None:
    """The stage's letter through its whole life: the RM submits it, the supervisor approves
    it, the real queue renders it, the RM records its dispatch and receipt (today)."""
    rm_page.goto(case_url)
    rm_page.get_by_role("link", name="Buka surat").last.click()
    rm_page.get_by_role("button", name="Ajukan untuk persetujuan").click()
    expect(rm_page.get_by_text("Surat diajukan untuk persetujuan.")).to_be_visible()
    letter_url = rm_page.url
    spv_page.goto(letter_url)
    spv_page.get_by_role("button", name="Setujui dan beri nomor").click()
    approved = "Surat disetujui dan diberi nomor; PDF sedang dibuat."
    expect(spv_page.get_by_text(approved)).to_be_visible()
    run_queue(app)
    open_when_issued(rm_page, letter_url)
    today = today_local().isoformat()
    rm_page.get_by_label("Cara pengiriman").select_option("courier")
    rm_page.get_by_label("Nomor resi (wajib untuk kurir)").fill("JNE-0042-7781")
    rm_page.get_by_label("Tanggal kirim").fill(today)
    rm_page.get_by_role("button", name="Catat pengiriman").click()
    expect(rm_page.get_by_text("Pengiriman surat dicatat.")).to_be_visible()
    rm_page.get_by_label("Tanggal diterima").fill(today)
    rm_page.get_by_label("Nama penerima surat", exact=True).fill("Sutrisno (resepsionis)")
    rm_page.get_by_role("button", name="Catat penerimaan").click()
    expect(rm_page.get_by_text("Penerimaan surat dicatat.")).to_be_visible()


def period_over(db, case_id: int) -> None:
    """As if the stage's period had run out (the browser cannot wait ten working days)."""
    db.session.expire_all()
    fresh = db.session.get(EscalationCase, case_id)
    fresh.stage_due_on = today_local() - timedelta(days=1)
    db.session.commit()


def own_letter_refused(page: Page, base: str, account_id: int) -> None:
    """A supervisor drafts and submits an invitation, then may not approve it herself."""
    page.goto(f"{base}/letters/new?account={account_id}&type=undangan")
    page.get_by_role("button", name="Simpan draf").click()
    page.get_by_role("button", name="Ajukan untuk persetujuan").click()
    page.get_by_role("button", name="Setujui dan beri nomor").click()
    expect(page.get_by_text("prinsip empat mata")).to_be_visible()


def test_import_suggest_open_advance_and_close_on_payment(
    app, db, page: Page, live_server, tmp_path
):
    rm = UserFactory(role="rm", email="rm-kasus@e2e.test", name="Rina Kartika")
    supervisor = UserFactory(role="supervisor", email="spv-kasus@e2e.test", name="Bambang")
    payers = [AccountFactory(npp=f"4100000{i}", rm=rm, name=f"PT Lancar {i}") for i in range(2)]
    late = [AccountFactory(npp=f"4200000{i}", rm=rm, name=f"PT Macet {i}") for i in range(3)]
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server, supervisor.email)
    rows = [row(a.npp, period=m) for a in payers for m in MONTHS]
    rows += [unpaid(a.npp, period=m) for a in late for m in MONTHS]
    month_file = tmp_path / "iuran-agustus-september.csv"
    month_file.write_bytes(to_csv(rows))
    import_file(page, live_server, month_file)
    shot(page, "cases-01-imported")

    switch_user(page, live_server, rm.email)
    page.goto(f"{live_server}/cases/suggestions")
    for account in late:
        expect(page.get_by_role("link", name=account.name)).to_be_visible()
    for account in payers:
        expect(page.get_by_role("link", name=account.name)).to_have_count(0)
    shot(page, "cases-02-suggestions")
    target = late[0]
    page.get_by_role("row", name=target.name).get_by_role("button", name="Buka kasus").click()
    expect(page.get_by_text(f"Kasus dibuka untuk {target.name}.")).to_be_visible()

    # Persuasi has no default days: the case page asks the RM for its deadline.
    expect(page.get_by_text("Tetapkan tenggat Persuasi")).to_be_visible()
    page.get_by_label("Tenggat tahap", exact=True).fill(today_local().isoformat())
    page.get_by_role("button", name="Tetapkan tenggat").click()
    expect(page.get_by_text("Tenggat tahap disimpan.")).to_be_visible()

    advance_to(page, "Pemberitahuan", "Dua bulan iuran belum dibayar")
    expect(page.get_by_text("Draf surat diminta").first).to_be_visible()
    expect(page.get_by_text(f"Yth. Pimpinan {target.name}").first).to_be_visible()
    shot(page, "cases-03-pemberitahuan")
    # The letter is not issued yet: the RM cannot move on, and is told who can.
    expect(page.get_by_text("belum terbit (menunggu surat)")).to_be_visible()
    expect(page.get_by_role("button", name="Naikkan ke Teguran I")).to_have_count(0)
    case_url = page.url
    rm_id, spv_id, spv_email = rm.id, supervisor.id, supervisor.email
    case_id, target_id, target_npp = (
        db.session.query(EscalationCase).filter_by(account_id=target.id).one().id,
        target.id,
        target.npp,
    )
    # Ids only from here on: an ORM read from the test would hold SQLite's write lock.
    db.session.commit()

    # The supervisor works in a browser of her own (each user signs in once).
    spv_page = page.context.browser.new_page()
    sign_in(spv_page, live_server, spv_email)
    rm_page = page

    # Guard: skipping. Not even a supervisor moves on while the letter waits.
    spv_page.goto(case_url)
    expect(spv_page.get_by_text("tidak ada peran yang dapat melewatinya")).to_be_visible()
    expect(spv_page.get_by_role("button", name="Naikkan ke Teguran I")).to_have_count(0)
    # Guard: four eyes. The supervisor's own invitation waits for another supervisor.
    own_letter_refused(spv_page, live_server, target_id)

    for label in ("Teguran I", "Teguran II"):
        issue_stage_letter(app, rm_page, spv_page, case_url)
        period_over(db, case_id)
        rm_page.goto(case_url)
        advance_to(rm_page, label)

    # Guard: a third warning. No standalone Teguran II beside the case.
    rm_page.goto(f"{live_server}/letters/new?account={target_id}&type=teguran_2")
    expect(rm_page.get_by_text("dibuat dari kasus eskalasinya").first).to_be_visible()

    issue_stage_letter(app, rm_page, spv_page, case_url)
    # Guard: early Denda. Teguran II was received, but its period has not ended.
    spv_page.goto(case_url)
    expect(spv_page.get_by_text("belum berakhir").first).to_be_visible()
    expect(spv_page.get_by_role("button", name="Naikkan ke Denda")).to_have_count(0)
    period_over(db, case_id)

    # Past Teguran II only the supervisor may go.
    rm_page.goto(case_url)
    expect(rm_page.get_by_text("hanya dapat ditetapkan oleh supervisor")).to_be_visible()
    expect(rm_page.get_by_role("button", name="Naikkan ke Denda")).to_have_count(0)
    spv_page.goto(case_url)
    advance_to(spv_page, "Denda")
    expect(spv_page.get_by_text("0,1 % dari iuran belum dibayar")).to_be_visible()
    expect(spv_page.get_by_text("Masa Denda:")).to_be_visible()
    shot(spv_page, "cases-04-denda")
    period_over(db, case_id)  # the 30-day window ended unpaid
    spv_page.goto(case_url)
    due = today_local() + timedelta(days=30)
    spv_page.get_by_label("Tenggat tahap berikutnya").fill(due.isoformat())
    advance_to(spv_page, "Rekomendasi TMP2T")
    issue_stage_letter(app, rm_page, spv_page, case_url)
    db.session.expire_all()
    letters = db.session.query(Letter).filter_by(case_id=case_id).order_by(Letter.id).all()
    kinds = [x.letter_type for x in letters]
    assert kinds == ["pemberitahuan", "teguran_1", "teguran_2", "rekomendasi_tmp2t"]
    assert all(x.status == "received" and x.created_by_id == rm_id for x in letters)
    assert all(x.approved_by_id == spv_id for x in letters)
    db.session.commit()
    page = spv_page

    # Both months paid on 20 Nov 2026 with the 2 % a month late fine (hand-worked in
    # tests/test_cases.py): August 3 months late, September 2.
    payment = [
        row(target_npp, period="2026-08", paid_on="2026-11-20", denda_dibayar="600.000"),
        row(target_npp, period="2026-09", paid_on="2026-11-20", denda_dibayar="400.000"),
    ]
    payment_file = tmp_path / "iuran-pelunasan.csv"
    payment_file.write_bytes(to_csv(payment, [*HEADERS, "denda_dibayar"]))
    import_file(page, live_server, payment_file)

    page.goto(case_url)
    expect(page.get_by_text("Tunggakan lunas menurut impor data kepatuhan").first).to_be_visible()
    shot(page, "cases-04-closed")
    db.session.expire_all()
    case = db.session.get(EscalationCase, case_id)
    assert (case.status, case.closed_reason, case.stage) == ("closed", "paid", "tmp2t")
    closing = db.session.query(CaseEvent).filter_by(case_id=case.id, kind="closed").one()
    assert closing.import_id == case.closing_import_id is not None
    assert not errors, errors
