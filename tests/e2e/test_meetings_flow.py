"""The meetings acceptance flow, in the browser, as a new RM would try it: plan a meeting
with a BOD-1 person, download the invite, mark it held with two next steps."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from playwright.sync_api import Page, expect

from crm.db import utcnow
from tests.factories import AccountFactory, KeyPersonFactory, PositionFactory, UserFactory
from tests.support.browser import shot, sign_in
from tests.support.meetings import JAKARTA


def test_rm_plans_invites_and_holds_a_bod1_meeting(db, page: Page, live_server, tmp_path):
    rm = UserFactory(role="rm", email="rm-kadens@e2e.test", name="Rina Kartika")
    UserFactory(role="rm", email="rekan@e2e.test", name="Dedi Setiawan")
    account = AccountFactory(rm=rm, name="PT Baja Timur", created_at=utcnow() - timedelta(days=90))
    PositionFactory(
        account=account,
        level="bod1",
        title="GM Human Capital",
        person=KeyPersonFactory(name="Agus Salim", email="agus@bajatimur.test"),
    )
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, rm.email)
    shot(page, "01-home")

    page.goto(f"{live_server}/accounts/{account.id}")
    expect(page.get_by_text("Terlambat").first).to_be_visible()
    page.get_by_role("link", name="Rencanakan pertemuan").first.click()
    page.get_by_label("Agus Salim").check()
    page.get_by_label("Agenda").fill("Perluasan kepesertaan pekerja kontrak")
    page.get_by_label("Tempat").fill("Kantor pusat, Lt. 12")
    page.get_by_label("Kepatuhan iuran").check()
    shot(page, "02-plan-form")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Pertemuan direncanakan.")).to_be_visible()
    shot(page, "03-planned")

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh undangan (.ics)").click()
    path = tmp_path / "invite.ics"
    download.value.save_as(path)
    event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == "mailto:agus@bajatimur.test"
    assert "PT Baja Timur" in str(event["SUMMARY"])

    page.get_by_role("link", name="Tandai terlaksana").click()
    today = utcnow().astimezone(JAKARTA).date()
    page.get_by_label("Tanggal").fill(today.isoformat())
    page.get_by_label("Mulai").fill("00:00")
    page.get_by_label("Selesai").fill("")
    page.get_by_label("Notulen", exact=True).fill(
        "Direksi setuju mendaftarkan 120 pekerja kontrak."
    )
    page.get_by_label("Langkah lanjut 1").fill("Kirim formulir pendaftaran")
    page.get_by_label("Jatuh tempo 1").fill((today + timedelta(days=2)).isoformat())
    page.get_by_label("Langkah lanjut 2").fill("Sosialisasi ke pekerja kontrak")
    page.get_by_label("Penanggung jawab 2").select_option(label="Dedi Setiawan")
    page.get_by_label("Jatuh tempo 2").fill((today + timedelta(days=4)).isoformat())
    shot(page, "04-held-form")
    page.get_by_role("button", name="Tandai terlaksana").click()
    expect(page.get_by_text("Interaksi ditandai terlaksana.")).to_be_visible()

    page.get_by_role("link", name="PT Baja Timur").first.click()
    expect(page.get_by_text("Sesuai jadwal").first).to_be_visible()
    expect(page.get_by_text("Direksi setuju mendaftarkan").first).to_be_visible()
    shot(page, "05-account")
    page.get_by_role("link", name="Hari ini").click()
    expect(page.get_by_text("Kirim formulir pendaftaran")).to_be_visible()
    shot(page, "06-home-after")
    assert not errors


def test_supervisor_reads_the_cadence_view_and_drills_down(db, page: Page, live_server):
    from tests.support.meetings import log

    supervisor = UserFactory(role="supervisor", email="sup-kadens@e2e.test")
    rm = UserFactory(role="rm", name="Rina Kartika")
    long_ago = utcnow() - timedelta(days=400)
    met = AccountFactory(rm=rm, name="PT Sudah Bertemu", created_at=long_ago)
    AccountFactory(rm=rm, name="PT Belum Bertemu", created_at=long_ago)
    boss = PositionFactory(account=met, level="bod1").person
    log(met, rm, utcnow() - timedelta(minutes=5), people=[boss])
    db.session.commit()
    sign_in(page, live_server, supervisor.email)
    page.get_by_role("link", name="Kadens", exact=True).click()
    expect(page.get_by_text("Tren 12 bulan")).to_be_visible()
    shot(page, "07-cadence")
    row = page.get_by_role("row").filter(has_text="Rina Kartika")
    expect(row.get_by_text("50%")).to_be_visible()
    row.get_by_role("link", name="1").first.click()
    expect(page.get_by_role("link", name="PT Sudah Bertemu")).to_be_visible()
    expect(page.get_by_role("link", name="PT Belum Bertemu")).to_have_count(0)
    shot(page, "08-drilldown")
