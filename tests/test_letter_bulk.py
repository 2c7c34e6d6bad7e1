"""Letters for many accounts at once: from the account list's filters and from the case
board, the limit, drafting by a job, submit/approve all, one render job, ZIP and merged PDF."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from crm import storage
from crm.jobs.models import BackgroundJob
from crm.letters.models import Letter, LetterBatch, LetterEvent
from tests.conftest import post_form
from tests.factories import AccountFactory, CaseFactory, InstitutionFactory, UserFactory
from tests.support.queue import work


def batch_letters(db, batch_id: int) -> list[Letter]:
    return db.session.scalars(
        select(Letter)
        .where(Letter.batch_id == batch_id)
        .order_by(Letter.id)
        .execution_options(populate_existing=True)
    ).all()


def only_batch(db) -> LetterBatch:
    return db.session.scalars(select(LetterBatch)).one()


@pytest.fixture
def switch_to(auth, login_as):
    """Sign out, then in as another user."""

    def do(user):
        auth.logout()
        return login_as(user)

    return do


@pytest.fixture
def portfolio(db):
    """An RM with two companies and a ministry, and another RM's company."""
    rm = UserFactory(role="rm")
    mine = [AccountFactory(rm=rm), AccountFactory(rm=rm), InstitutionFactory(rm=rm)]
    AccountFactory(rm=UserFactory(role="rm"))
    db.session.commit()
    return rm, mine


def test_a_batch_from_the_account_list_filters_drafts_one_letter_per_account(
    db, client, login_as, portfolio
):
    rm, mine = portfolio
    login_as(rm)
    assert "Buat surat" in client.get("/accounts/?kind=company").get_data(as_text=True)
    page = client.get("/letters/batches/new?source=accounts&kind=company")
    assert page.status_code == 200 and "2 akun" in page.get_data(as_text=True)
    resp = post_form(
        client,
        "/letters/batches/new",
        {"source": "accounts", "kind": "company", "type": "ajakan_kepesertaan"},
    )
    assert resp.status_code == 302
    batch = only_batch(db)
    assert resp.headers["Location"].endswith(f"/letters/batches/{batch.id}")
    letters = batch_letters(db, batch.id)
    assert {x.account_id for x in letters} == {mine[0].id, mine[1].id}  # the RM's companies
    assert batch.size == 2 and batch.created_by_id == rm.id and "kind=company" in batch.source
    for letter in letters:
        # Drafted the way a single draft is: prefilled, with its "drafted" event.
        assert letter.status == "draft" and letter.letter_type == "ajakan_kepesertaan"
        assert letter.addressee_company == letter.account.name and letter.perihal
        assert db.session.scalar(
            select(func.count())
            .select_from(LetterEvent)
            .where(LetterEvent.letter_id == letter.id, LetterEvent.kind == "drafted")
        )
    detail = client.get(f"/letters/batches/{batch.id}").get_data(as_text=True)
    assert "Ajukan semua" in detail


def test_a_batch_from_the_case_board_links_each_letter_to_its_case(db, client, login_as):
    supervisor = UserFactory(role="supervisor")
    rm = UserFactory(role="rm")
    open_cases = [CaseFactory(account=AccountFactory(rm=rm), stage="teguran_1") for _ in range(2)]
    CaseFactory(account=AccountFactory(rm=rm), status="closed", closed_reason="paid")
    db.session.commit()
    login_as(supervisor)
    assert "Buat surat" in client.get("/cases/").get_data(as_text=True)
    refused = post_form(client, "/letters/batches/new", {"source": "cases", "type": "teguran_1"})
    assert refused.status_code == 400 and "dibuat dari kasus" in refused.get_data(as_text=True)
    resp = post_form(client, "/letters/batches/new", {"source": "cases", "type": "undangan"})
    assert resp.status_code == 302
    letters = batch_letters(db, only_batch(db).id)
    assert {(x.account_id, x.case_id) for x in letters} == {
        (c.account_id, c.id) for c in open_cases
    }


def test_more_accounts_than_the_limit_get_a_clear_message(
    app, db, client, login_as, portfolio, monkeypatch
):
    rm, _mine = portfolio
    monkeypatch.setitem(app.config, "LETTER_BULK_MAX", 2)
    login_as(rm)
    page = client.get("/letters/batches/new?source=accounts").get_data(as_text=True)
    assert "lebih dari 2 akun" in page and "Buat draf" not in page
    resp = post_form(client, "/letters/batches/new", {"source": "accounts", "type": "undangan"})
    assert resp.status_code == 400 and "lebih dari 2 akun" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LetterBatch)) == 0


def test_a_large_batch_is_drafted_by_a_job(app, db, client, login_as, portfolio, monkeypatch):
    rm, mine = portfolio
    monkeypatch.setitem(app.config, "LETTER_BULK_SYNC_MAX", 1)
    login_as(rm)
    post_form(client, "/letters/batches/new", {"source": "accounts", "type": "ajakan_kepesertaan"})
    batch = only_batch(db)
    assert batch_letters(db, batch.id) == []
    job = db.session.scalars(select(BackgroundJob)).one()
    assert job.kind == "letters.bulk_draft" and job.owner_id == rm.id
    work(app)
    job = db.session.get(BackgroundJob, job.id, populate_existing=True)
    assert job.status == "done" and job.result["drafted"] == 3
    assert {x.account_id for x in batch_letters(db, batch.id)} == {a.id for a in mine}


def test_submit_all_approve_all_render_once_and_download(
    app, db, client, login_as, switch_to, portfolio
):
    rm, _mine = portfolio
    login_as(rm)
    post_form(client, "/letters/batches/new", {"source": "accounts", "type": "ajakan_kepesertaan"})
    batch = only_batch(db)
    post_form(client, f"/letters/batches/{batch.id}/submit")
    assert {x.status for x in batch_letters(db, batch.id)} == {"submitted"}
    assert post_form(client, f"/letters/batches/{batch.id}/approve").status_code == 403

    supervisor = UserFactory(role="supervisor")
    db.session.commit()
    switch_to(supervisor)
    post_form(client, f"/letters/batches/{batch.id}/approve")
    letters = batch_letters(db, batch.id)
    assert [x.number_seq for x in letters] == sorted(x.number_seq for x in letters)  # in order
    render_jobs = db.session.scalars(
        select(BackgroundJob).where(BackgroundJob.kind == "letters.render")
    ).all()
    assert len(render_jobs) == 1 and render_jobs[0].params["letter_ids"] == [x.id for x in letters]
    batch = db.session.get(LetterBatch, batch.id, populate_existing=True)
    assert batch.render_job_id == render_jobs[0].id
    page = client.get(f"/letters/batches/{batch.id}").get_data(as_text=True)
    assert "<progress" in page and f"/jobs/{batch.render_job_id}/status" in page
    work(app)
    letters = batch_letters(db, batch.id)
    assert {x.status for x in letters} == {"issued"}

    resp = client.get(f"/letters/batches/{batch.id}/letters.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    assert archive.namelist() == [x.number.replace("/", "-") + ".pdf" for x in letters]
    for letter in letters:
        name = letter.number.replace("/", "-") + ".pdf"
        assert archive.read(name) == storage.read_bytes(letter.pdf_key)

    resp = client.get(f"/letters/batches/{batch.id}/letters.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    merged = PdfReader(io.BytesIO(resp.data))
    assert len(merged.pages) == sum(x.pdf_pages for x in letters)
    text = "\n".join(p.extract_text() for p in merged.pages)
    positions = [text.index(x.number) for x in letters]
    assert positions == sorted(positions)


def test_a_large_download_is_built_by_a_job(
    app, db, client, login_as, switch_to, portfolio, monkeypatch
):
    rm, _mine = portfolio
    login_as(rm)
    post_form(client, "/letters/batches/new", {"source": "accounts", "type": "undangan"})
    batch = only_batch(db)
    post_form(client, f"/letters/batches/{batch.id}/submit")
    switch_to(UserFactory(role="supervisor"))
    post_form(client, f"/letters/batches/{batch.id}/approve")
    work(app)
    switch_to(rm)
    monkeypatch.setitem(app.config, "LETTER_DOWNLOAD_SYNC_MAX", 1)
    resp = client.get(f"/letters/batches/{batch.id}/letters.zip")
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    work(app)
    job = db.session.scalars(
        select(BackgroundJob).where(BackgroundJob.kind == "letters.batch_download")
    ).one()
    assert job.status == "done" and job.owner_id == rm.id
    download = client.get(f"/jobs/{job.id}/download")
    assert len(zipfile.ZipFile(io.BytesIO(download.data)).namelist()) == 3


def test_another_rm_cannot_open_the_batch(db, client, login_as, switch_to, portfolio):
    rm, _mine = portfolio
    login_as(rm)
    post_form(client, "/letters/batches/new", {"source": "accounts", "type": "undangan"})
    batch = only_batch(db)
    switch_to(UserFactory(role="rm"))
    assert client.get(f"/letters/batches/{batch.id}").status_code == 403
    assert client.get(f"/letters/batches/{batch.id}/letters.zip").status_code == 403
