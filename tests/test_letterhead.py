"""The letterhead a legal officer signs: placeholder fields warned about on /admin/letterhead
and refused at approval in production; the agency's name printed; absolute verify links
(PUBLIC_BASE_URL, required in production)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm import create_app
from crm.config import Config, TestConfig
from crm.letters import workflow
from crm.letters.context import letter_context
from crm.letters.letterhead import placeholder_fields, require_real_letterhead
from crm.letters.models import LetterheadSetting
from crm.letters.render import render_html, render_letter
from crm.letters.samples import sample_context
from crm.letters.services import draft_letter
from crm.letters.template_context import qr_svg
from crm.services import ServiceError
from tests.factories import AccountFactory, UserFactory, case_for_letter
from tests.support.pdf import page_texts

REAL = {
    "office_name": "Deputi Direktur Bidang Kepesertaan Korporasi dan Institusi",
    "office_address": "Menara Jamsostek, Jl. Jenderal Gatot Subroto No. 38, Jakarta 12710",
    "signatory_name": "Dra. Ratna Kusumawati, M.M.",
    "signatory_title": "Deputi Direktur Bidang Kepesertaan Korporasi dan Institusi",
}


@pytest.fixture
def production(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")


@pytest.fixture
def submitted(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm)
    letter = draft_letter(account, "teguran_1", rm, case=case_for_letter(account, "teguran_1"))
    workflow.submit_letter(letter, rm)
    return letter


def head(db) -> LetterheadSetting:
    return db.session.get(LetterheadSetting, 1)


def test_the_migrations_letterhead_is_all_placeholders(db):
    assert placeholder_fields(head(db)) == ["office_name", "office_address", "signatory_name"]
    for name, value in REAL.items():
        setattr(head(db), name, value)
    assert placeholder_fields(head(db)) == []
    head(db).signatory_title = " "
    assert placeholder_fields(head(db)) == ["signatory_title"]
    assert placeholder_fields(None) == [*REAL]


def test_approval_on_placeholders_is_allowed_outside_production(db, submitted):
    require_real_letterhead()
    workflow.approve_letter(submitted, UserFactory(role="supervisor"))
    assert submitted.status == "approved"


def test_approval_on_placeholders_is_refused_in_production_naming_the_fields(
    db, production, submitted
):
    with pytest.raises(ServiceError) as refused:
        workflow.approve_letter(submitted, UserFactory(role="supervisor"))
    message = str(refused.value)
    assert "Nama kantor" in message and "Nama penanda tangan" in message
    assert "/admin/letterhead" in message
    assert submitted.status == "submitted" and submitted.number is None


def test_bulk_approval_is_refused_in_production_too(db, production, submitted):
    with pytest.raises(ServiceError):
        workflow.approve_letters([submitted.id], UserFactory(role="supervisor"))


def test_approval_in_production_passes_once_the_letterhead_is_real(db, production, submitted):
    for name, value in REAL.items():
        setattr(head(db), name, value)
    workflow.approve_letter(submitted, UserFactory(role="supervisor"))
    assert submitted.status == "approved" and submitted.number


def test_the_approve_button_shows_the_refusal(db, client, login_as, production, submitted):
    from tests.conftest import post_form

    login_as(UserFactory(role="supervisor"))
    resp = post_form(client, f"/letters/{submitted.id}/approve", follow_redirects=True)
    assert "/admin/letterhead" in resp.get_data(as_text=True)
    assert submitted.status == "submitted"


def test_the_admin_page_warns_about_placeholders_in_every_environment(db, client, login_as):
    login_as(UserFactory(role="admin"))
    html = client.get("/admin/letterhead").get_data(as_text=True)
    assert 'id="letterhead-placeholders"' in html
    assert "Nama kantor" in html and "produksi" in html
    for name, value in REAL.items():
        setattr(head(db), name, value)
    db.session.flush()
    assert 'id="letterhead-placeholders"' not in client.get("/admin/letterhead").get_data(
        as_text=True
    )


def test_every_letter_prints_the_agency_name():
    text = " ".join(page_texts(render_letter(sample_context("pemberitahuan"))))
    assert "BPJS KETENAGAKERJAAN" in text


# -- PUBLIC_BASE_URL ------------------------------------------------------------------------


def test_public_base_url_defaults_to_where_make_run_listens(monkeypatch):
    for name in ("PUBLIC_BASE_URL", "HOST", "PORT", "CRM_ENV"):
        monkeypatch.delenv(name, raising=False)
    assert Config().PUBLIC_BASE_URL == "http://localhost:5000"
    monkeypatch.setenv("PORT", "8080")
    assert Config().PUBLIC_BASE_URL == "http://localhost:8080"


def test_production_refuses_to_start_without_public_base_url(
    monkeypatch, tmp_path, database_url, redis_url
):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    cfg = TestConfig(database_url, redis_url, Path(tmp_path))
    cfg.ENV_NAME, cfg.PUBLIC_BASE_URL = "production", ""
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(cfg)
    monkeypatch.setenv("CRM_ENV", "production")
    assert Config().PUBLIC_BASE_URL == ""


def test_a_letter_rendered_without_a_request_prints_an_absolute_link_and_qr(
    db, app, monkeypatch, submitted
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://relasi.example.go.id")
    ctx = letter_context(submitted)
    url = f"https://relasi.example.go.id/verify/{submitted.verify_code}"
    assert ctx["verify_url"] == url
    assert str(qr_svg(url)) in render_html(ctx)  # the QR encodes the absolute URL
    pages = page_texts(render_letter(ctx))
    assert all(url in page for page in pages)
    assert not any(" /verify/" in page for page in pages)


def test_the_default_base_url_makes_links_absolute_too(db, app, submitted):
    ctx = letter_context(submitted)
    assert ctx["verify_url"].startswith(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/verify/")
    assert ctx["verify_url"].startswith("http")


def test_the_approve_card_warns_while_the_letterhead_holds_placeholders(
    db, client, login_as, submitted
):
    login_as(UserFactory(role="supervisor"))
    html = client.get(f"/letters/{submitted.id}").get_data(as_text=True)
    assert 'id="approve-letterhead-warning"' in html and "Nama penanda tangan" in html
    for name, value in REAL.items():
        setattr(head(db), name, value)
    db.session.flush()
    html = client.get(f"/letters/{submitted.id}").get_data(as_text=True)
    assert 'id="approve-letterhead-warning"' not in html
