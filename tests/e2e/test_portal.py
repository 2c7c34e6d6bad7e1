"""The partner portal in the browser: an RM invites a partner user (no SMTP: the link is
shown), the partner sets a password, signs in, opens the agreement on a phone-sized screen,
downloads the signed PDF, and the RM sees the download in the log on the agreement page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from crm.extensions import db as _db
from tests.factories import BranchFactory, InstitutionFactory, UserFactory
from tests.support.browser import shot, sign_in, switch_user
from tests.support.partners import add_document, add_report, cover_branches, make_agreement

PHONE = {"width": 390, "height": 844}
PARTNER_PASSWORD = "Portal-Mitra-2026"


def build_agreement():
    rm = UserFactory(role="rm", email="rm-mitra@e2e.test", name="Rina Kartika")
    account = InstitutionFactory(name="Kementerian Dalam Negeri", rm=rm)
    mou = make_agreement(
        account,
        rm=rm,
        title="Nota Kesepahaman Perlindungan Pekerja Non-ASN Pemerintah Daerah",
        our_number="NK/12/KEP/2026",
        partner_number="100.3.7/4521/SJ",
        internal_notes="Jangan dibagikan: negosiasi tarif",
    )
    pks = make_agreement(
        account,
        kind="pks",
        rm=rm,
        parent=mou,
        title="PKS Pendaftaran Pekerja Non-ASN Provinsi Jawa Barat",
    )
    add_document(mou, title="Naskah MoU", filename="Nota Kesepahaman Kemendagri – final.pdf")
    add_document(mou, kind="annex", title="Lampiran Data Pekerja", filename="Lampiran_1.pdf")
    for name, status, workers in (
        ("Kantor Cabang Bandung Suci", "implemented", 12500),
        ("Kantor Cabang Bekasi", "in_progress", 3200),
        ("Kantor Cabang Bogor", "blocked", 0),
    ):
        branch = BranchFactory(name=name)
        cover_branches(mou, branch)
        add_report(mou, branch, status=status, workers=workers, notes="catatan internal cabang")
    _db.session.commit()
    return rm, account, mou, pks


def test_rm_invites_partner_who_downloads_and_rm_sees_the_log(db, page: Page, live_server):
    rm, account, mou, _ = build_agreement()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The RM invites a partner user; with no SMTP configured the link is shown once.
    sign_in(page, live_server, rm.email)
    page.goto(f"{live_server}/accounts/{account.id}/partner-users")
    page.get_by_label("Nama").fill("Dewi Lestari")
    page.get_by_label("Email").fill("dewi@kemendagri.e2e.test")
    page.get_by_role("button", name="Kirim undangan").click()
    link = page.get_by_label("Tautan undangan").input_value()
    assert "/portal/welcome/" in link
    shot(page, "portal-01-invite-link")

    # The partner opens the link, chooses a password and lands on the portal.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)  # the invitation is likely opened from a phone's mail app
    # The token is in the URL: no request made from the welcome page may carry it onwards.
    referers: list[str] = []
    page.on("request", lambda r: referers.append(r.headers.get("referer") or ""))
    page.goto(link)
    expect(page.get_by_text("Kementerian Dalam Negeri", exact=False).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "portal-00-phone-welcome")
    page.get_by_label("Kata sandi baru", exact=True).fill(PARTNER_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(PARTNER_PASSWORD)
    page.get_by_role("button", name="Simpan dan masuk").click()
    expect(page).to_have_url(f"{live_server}/portal/")
    expect(page.get_by_text("Selamat datang, Dewi Lestari.")).to_be_visible()
    assert len(referers) > 3 and not [r for r in referers if "/welcome/" in r]

    # The link is used up; the partner signs in with the new password like any user.
    assert errors == []
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_text("sudah dipakai")).to_be_visible()
    assert len(errors) == 1 and "410" in errors.pop()  # the used link answers 410 Gone
    sign_in(page, live_server, "dewi@kemendagri.e2e.test", PARTNER_PASSWORD)
    expect(page).to_have_url(f"{live_server}/portal/")

    # On a phone: the agreement, its numbers, documents and the branch summary, no sideways scroll.
    expect(page.get_by_role("heading", level=1)).to_have_text("Portal mitra")
    shot(page, "portal-02-phone-list")
    page.get_by_role("link", name=mou.title).click()
    expect(page.get_by_text("100.3.7/4521/SJ")).to_be_visible()
    expect(page.get_by_text("Kantor Cabang Bandung Suci")).to_be_visible()
    expect(page.get_by_text("12.500 pekerja")).to_be_visible()
    expect(page.get_by_text("negosiasi tarif")).to_have_count(0)
    expect(page.get_by_text("catatan internal cabang")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "portal-03-phone-agreement")

    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh PDF Naskah MoU versi 1").click()
    download = info.value
    assert download.suggested_filename == "Nota Kesepahaman Kemendagri – final.pdf"
    assert download.path().read_bytes()[:5] == b"%PDF-"

    # The RM sees the download, with the partner's name and the file, on the agreement page.
    page.set_viewport_size({"width": 1280, "height": 900})
    switch_user(page, live_server, rm.email)
    page.goto(f"{live_server}/agreements/{mou.id}")
    panel = page.locator("#portal")
    expect(panel.get_by_text("Dewi Lestari").first).to_be_visible()
    expect(panel.get_by_text("Nota Kesepahaman Kemendagri – final.pdf")).to_be_visible()
    shot(page, "portal-04-rm-agreement-log")
    panel.get_by_role("link", name="Lihat seluruh log unduhan (1)").click()
    expect(page).to_have_url(f"{live_server}/agreements/{mou.id}/downloads")
    expect(page.get_by_text("127.0.0.1")).to_be_visible()
    shot(page, "portal-05-rm-full-log")
    assert errors == []  # no CSP violations or script errors
