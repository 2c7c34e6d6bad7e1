"""The letter page in the browser: before approval it offers the draft as a DRAF PDF; after
approval it updates the PDF status by itself (no reload) and shows the PDF link once the
queue has rendered it."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from crm.letters import jobs, workflow
from crm.letters.services import draft_letter
from tests.factories import AccountFactory, UserFactory, case_for_letter
from tests.support.browser import run_queue, sign_in
from tests.support.letters import arrears_months


def test_the_draft_preview_then_the_status_updates_itself_after_approval(
    app, db, page: Page, live_server
):
    rm = UserFactory(role="rm", email="rm-status@e2e.test")
    supervisor = UserFactory(role="supervisor")
    account = AccountFactory(rm=rm, name="PT Status Langsung")
    db.session.flush()
    arrears_months(account)
    letter = draft_letter(account, "teguran_1", rm, case=case_for_letter(account, "teguran_1"))
    db.session.commit()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    sign_in(page, live_server, rm.email)
    page.goto(f"{live_server}/letters/{letter.id}")
    preview = page.get_by_role("link", name="Pratinjau PDF (draf)")
    response = page.request.get(f"{live_server}{preview.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.body())).pages
    assert all("DRAF" in p.extract_text() for p in pages)

    workflow.submit_letter(letter, rm)
    workflow.approve_letter(letter, supervisor)
    jobs.start_render([letter.id], supervisor)
    db.session.commit()
    page.goto(f"{live_server}/letters/{letter.id}")
    expect(page.locator("#render-status .badge")).to_have_text("Dalam antrean")
    expect(page.get_by_role("link", name="Unduh PDF")).to_be_hidden()

    run_queue(app)  # the page is not reloaded: letter-status.js polls status.json
    expect(page.locator("#render-status .badge")).to_have_text("Selesai", timeout=15_000)
    download = page.get_by_role("link", name="Unduh PDF")
    expect(download).to_be_visible()
    assert download.get_attribute("href") == f"/letters/{letter.id}/pdf"
    assert not errors
