"""/letters/<id>/preview.pdf (the draft as it would print, DRAF on every page, unnumbered,
never stored, rate-limited) and /letters/<id>/status.json (what the letter page polls after
approval until the PDF is ready)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm import storage
from crm.letters import jobs, workflow
from crm.letters.models import Letter, LetterEvent
from crm.letters.services import draft_letter
from crm.letters.template_context import DRAFT_NUMBER
from tests.factories import AccountFactory, UserFactory, case_for_letter
from tests.support.letters import arrears_months
from tests.support.pdf import page_texts
from tests.support.queue import fresh, work


@pytest.fixture
def team(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, name="PT Pratinjau Jaya")
    arrears_months(account)
    return {"rm": rm, "supervisor": UserFactory(role="supervisor"), "account": account}


@pytest.fixture
def letter(team) -> Letter:
    return draft_letter(
        team["account"], "teguran_1", team["rm"], case=case_for_letter(team["account"], "teguran_1")
    )


def events(db, letter) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LetterEvent).where(LetterEvent.letter_id == letter.id)
    )


@pytest.mark.parametrize("step", ["draft", "submitted", "returned"])
def test_the_draft_prints_as_it_would_with_draf_on_every_page_and_no_number(
    db, client, login_as, team, letter, step
):
    if step != "draft":
        workflow.submit_letter(letter, team["rm"])
    if step == "returned":
        workflow.return_letter(letter, "Perbaiki.", team["supervisor"])
    db.session.flush()
    before = (sum(1 for _ in storage.iter_keys()), events(db, letter))
    login_as(team["rm"])
    resp = client.get(f"/letters/{letter.id}/preview.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Cache-Control"] == "private, no-store"
    pages = page_texts(resp.data)
    assert all("DRAF" in page for page in pages)
    assert f"Nomor : {DRAFT_NUMBER}" in pages[0] and "PT Pratinjau Jaya" in pages[0]
    assert (sum(1 for _ in storage.iter_keys()), events(db, letter)) == before
    assert letter.number is None and letter.pdf_key is None


def test_the_preview_follows_the_letters_own_access_rule(db, client, login_as, auth, letter):
    assert client.get(f"/letters/{letter.id}/preview.pdf").status_code in (302, 401)
    login_as(UserFactory(role="rm"))  # another RM's letter
    assert client.get(f"/letters/{letter.id}/preview.pdf").status_code == 403
    auth.logout()
    login_as(UserFactory(role="partner"))
    assert client.get(f"/letters/{letter.id}/preview.pdf").status_code == 403
    auth.logout()
    login_as(UserFactory(role="supervisor"))
    assert client.get(f"/letters/{letter.id}/preview.pdf").status_code == 200
    assert client.get("/letters/999999/preview.pdf").status_code == 404


def test_an_approved_letter_has_no_draft_preview(db, client, login_as, team, letter):
    workflow.submit_letter(letter, team["rm"])
    workflow.approve_letter(letter, team["supervisor"])
    login_as(team["rm"])
    assert client.get(f"/letters/{letter.id}/preview.pdf").status_code == 404


def test_previews_are_rate_limited_per_user(app, db, client, login_as, monkeypatch, letter, team):
    monkeypatch.setitem(app.config, "LETTER_PREVIEW_LIMIT", "2 per minute")
    login_as(team["rm"])
    url = f"/letters/{letter.id}/preview.pdf"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_the_letter_page_offers_the_preview_before_approval_only(
    db, client, login_as, team, letter
):
    login_as(team["rm"])
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}/preview.pdf" in html
    assert "js/letter-status.js" in html and "data-status-url" not in html
    workflow.submit_letter(letter, team["rm"])
    workflow.approve_letter(letter, team["supervisor"])
    db.session.flush()
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}/preview.pdf" not in html
    assert f'data-status-url="/letters/{letter.id}/status.json"' in html
    assert 'id="pdf-download" href="" hidden' in html  # shown by the script when ready


def test_the_status_json_follows_the_render_until_the_pdf_is_ready(
    app, db, client, login_as, team, letter
):
    login_as(team["rm"])
    url = f"/letters/{letter.id}/status.json"
    assert client.get(url).get_json()["render_status"] == "none"
    workflow.submit_letter(letter, team["rm"])
    workflow.approve_letter(letter, team["supervisor"])
    jobs.start_render([letter.id], team["supervisor"])
    db.session.commit()
    data = client.get(url).get_json()
    assert data["render_status"] == "queued" and data["final"] is False
    assert data["render_label"] == "Dalam antrean" and data["pdf_url"] is None
    work(app)
    letter = fresh(db, letter)
    data = client.get(url).get_json()
    assert data["status"] == "issued" and data["render_status"] == "done"
    assert data["final"] is True and data["pdf_url"] == f"/letters/{letter.id}/pdf"
    assert data["number"] == letter.number
    assert client.get(data["pdf_url"]).status_code == 200
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert f'id="pdf-download" href="/letters/{letter.id}/pdf"' in html  # without JavaScript


def test_the_status_json_is_refused_to_others(db, client, login_as, letter):
    login_as(UserFactory(role="rm"))
    assert client.get(f"/letters/{letter.id}/status.json").status_code == 403


def test_the_letter_page_shows_the_lampiran_the_pdf_prints(db, client, login_as, team, letter):
    assert letter.lampiran == "1 (satu) berkas"  # drafting's prefill, with 2 months inline
    login_as(team["rm"])
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "<dt>Lampiran</dt><dd>-</dd>" in html
    preview = page_texts(client.get(f"/letters/{letter.id}/preview.pdf").data)
    assert "Lampiran : - Perihal" in preview[0]
