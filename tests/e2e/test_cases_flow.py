"""The escalation acceptance flow in the browser: a supervisor imports a month in which
three companies did not pay; the RM sees the suggestions, opens a case, sets its Persuasi
deadline, advances it to Pemberitahuan and sees the letter draft; while the letter waits
the RM cannot move on, so the supervisor overrides with a note; past Teguran II only the
supervisor may go; an import of the payment closes the case with an event citing it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from crm.cases.models import CaseEvent, EscalationCase
from crm.compliance.services import today_local
from tests.factories import AccountFactory, UserFactory
from tests.support.browser import shot, sign_in
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


def test_import_suggest_open_advance_and_close_on_payment(db, page: Page, live_server, tmp_path):
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

    # The supervisor moves it on early, each time saying why (recorded as an override).
    switch_user(page, live_server, supervisor.email)
    page.goto(case_url)
    advance_to(page, "Teguran I", "Surat diantar langsung; perusahaan menolak menerima")
    advance_to(page, "Teguran II", "Tidak ada tanggapan atas Teguran I")
    expect(page.get_by_text("Override supervisor").first).to_be_visible()

    # Advance past Teguran II as an RM: refused (only a supervisor enters Denda).
    switch_user(page, live_server, rm.email)
    page.goto(case_url)
    expect(page.get_by_text("hanya dapat ditetapkan oleh supervisor")).to_be_visible()
    expect(page.get_by_role("button", name="Naikkan ke Denda")).to_have_count(0)

    switch_user(page, live_server, supervisor.email)
    page.goto(case_url)
    advance_to(page, "Denda", "Teguran II tidak ditanggapi")
    expect(page.get_by_text("0,1 % dari iuran belum dibayar")).to_be_visible()
    # Both months paid on 20 Nov 2026 with the 2 % a month late fine (hand-worked in
    # tests/test_cases.py): August 3 months late, September 2.
    payment = [
        row(target.npp, period="2026-08", paid_on="2026-11-20", denda_dibayar="600.000"),
        row(target.npp, period="2026-09", paid_on="2026-11-20", denda_dibayar="400.000"),
    ]
    payment_file = tmp_path / "iuran-pelunasan.csv"
    payment_file.write_bytes(to_csv(payment, [*HEADERS, "denda_dibayar"]))
    import_file(page, live_server, payment_file)

    page.goto(case_url)
    expect(page.get_by_text("Tunggakan lunas menurut impor data kepatuhan").first).to_be_visible()
    shot(page, "cases-04-closed")
    db.session.expire_all()
    case = db.session.query(EscalationCase).filter_by(account_id=target.id).one()
    assert (case.status, case.closed_reason, case.stage) == ("closed", "paid", "denda")
    closing = db.session.query(CaseEvent).filter_by(case_id=case.id, kind="closed").one()
    assert closing.import_id == case.closing_import_id is not None
    assert not errors, errors
