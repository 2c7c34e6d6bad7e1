"""The letter render job (issue, idempotence, failures, retries, crash recovery, the case
seam) and the frozen PDF and its SALINAN reprint at /letters/<id>/pdf and reprint.pdf."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from rq import Queue
from sqlalchemy import func, select

from crm import queue as rq_queue
from crm import storage
from crm.cases.letter_requests import request_letter
from crm.cases.models import CaseLetterRequest
from crm.db import utcnow
from crm.jobs import services
from crm.jobs.models import BackgroundJob
from crm.letters import jobs
from crm.letters.models import Letter, LetterEvent
from crm.letters.workflow import approve_letter, submit_letter
from tests.conftest import post_form
from tests.factories import AccountFactory, CaseFactory, UserFactory, approved_letter
from tests.support.pdf import pdf_text
from tests.support.queue import fresh, work


def events(db, letter: Letter, kind: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LetterEvent)
        .where(LetterEvent.letter_id == letter.id, LetterEvent.kind == kind)
    )


def store_count(app) -> int:
    return sum(1 for _key in storage.iter_keys())


@pytest.fixture
def supervisor(db):
    return UserFactory(role="supervisor")


def render(app, db, letters, owner) -> BackgroundJob:
    job = jobs.start_render([x.id for x in letters], owner)
    db.session.commit()
    work(app)
    return fresh(db, job)


def test_start_render_queues_letters_and_dispatches_after_commit(app, db, supervisor):
    letter = approved_letter(supervisor=supervisor)
    job = jobs.start_render([letter.id], supervisor)
    q = Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection())
    assert job.kind == "letters.render" and q.job_ids == []  # nothing before the commit
    assert letter.render_status == "queued" and letter.render_job_id == job.id
    db.session.commit()
    assert q.job_ids == [f"{job.id}-1"]


def test_job_renders_and_issues_the_letter_with_its_frozen_pdf(app, db, supervisor):
    letter = approved_letter(supervisor=supervisor, arrears=True)
    job = render(app, db, [letter], supervisor)
    letter = fresh(db, letter)
    assert job.status == "done" and job.result == {"issued": 1, "failed": 0, "skipped": 0}
    assert job.progress_done == job.progress_total == 1
    assert letter.status == "issued" and letter.render_status == "done"
    assert letter.issued_at is not None and letter.render_error == ""
    data = storage.read_bytes(letter.pdf_key)
    assert letter.pdf_sha256 == hashlib.sha256(data).hexdigest() == letter.pdf_key
    assert letter.pdf_pages == len(PdfReader(io.BytesIO(data)).pages) >= 1
    text = pdf_text(data)
    assert letter.number in text
    assert letter.addressee_company in text
    assert "13.000.000" in text and "12.500.000" in text  # the arrears table's amounts
    issued = db.session.scalars(
        select(LetterEvent).where(LetterEvent.letter_id == letter.id, LetterEvent.kind == "issued")
    ).all()
    assert len(issued) == 1 and issued[0].actor_id is None  # the system issued it


def test_rendering_again_never_makes_a_second_file_or_number(app, db, supervisor):
    letter = approved_letter(supervisor=supervisor)
    render(app, db, [letter], supervisor)
    first = fresh(db, letter)
    key, number, issued_at = first.pdf_key, first.number, first.issued_at
    files = store_count(app)

    again = render(app, db, [letter], supervisor)
    letter = fresh(db, letter)
    assert again.status == "done" and again.result == {"issued": 0, "failed": 0, "skipped": 1}
    assert (letter.pdf_key, letter.number, letter.issued_at) == (key, number, issued_at)
    assert store_count(app) == files
    assert events(db, letter, "issued") == 1


def test_a_letter_that_cannot_render_fails_with_its_reason_and_the_others_go_on(
    app, db, supervisor
):
    broken = approved_letter(supervisor=supervisor)
    broken.verify_code = ""  # the renderer refuses a letter without its verification code
    good = approved_letter(supervisor=supervisor)
    job = render(app, db, [broken, good], supervisor)
    broken, good = fresh(db, broken), fresh(db, good)
    assert job.status == "done" and job.result == {"issued": 1, "failed": 1, "skipped": 0}
    assert broken.status == "approved" and broken.render_status == "failed"
    assert "verify_code" in broken.render_error and broken.pdf_key is None
    assert events(db, broken, "render_failed") == 1
    note = db.session.scalar(
        select(LetterEvent.note).where(
            LetterEvent.letter_id == broken.id, LetterEvent.kind == "render_failed"
        )
    )
    assert "verify_code" in note
    assert good.status == "issued" and good.render_status == "done"


def test_a_render_over_its_time_limit_fails_that_letter(app, db, supervisor, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_RENDER_TIMEOUT", 0.001)
    letter = approved_letter(supervisor=supervisor)
    job = render(app, db, [letter], supervisor)
    letter = fresh(db, letter)
    assert job.status == "done" and job.result["failed"] == 1
    assert letter.render_status == "failed" and letter.render_error.startswith("RenderTimeout")


def test_a_storage_failure_is_retried_with_backoff_then_issues_once(
    app, db, supervisor, monkeypatch, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # the store's root is a file: every write fails with OSError
    real_store = app.config["FILE_STORE"]
    monkeypatch.setitem(app.config, "FILE_STORE", blocker)
    letter = approved_letter(supervisor=supervisor)
    job = render(app, db, [letter], supervisor)
    assert job.status == "retrying" and job.failures == 1
    assert "OSError" in job.error or "Error" in job.error
    assert job.retry_at is not None
    assert fresh(db, letter).status == "approved" and fresh(db, letter).pdf_key is None

    monkeypatch.setitem(app.config, "FILE_STORE", real_store)  # the share is back
    report = services.sweep_stuck_jobs(now=job.retry_at + timedelta(seconds=1))
    db.session.commit()
    assert job.id in report.redispatched
    work(app)
    job, letter = fresh(db, job), fresh(db, letter)
    assert job.status == "done" and job.dispatch == 2
    assert letter.status == "issued" and storage.verify(letter.pdf_key)
    assert events(db, letter, "issued") == 1


def test_a_store_down_for_every_retry_fails_the_letter_with_its_reason_and_offers_render_ulang(
    app, db, client, auth, login_as, supervisor, monkeypatch, tmp_path
):
    blocker = tmp_path / "read-only-store"
    blocker.write_text("x")  # every write to the store fails with OSError
    real_store = app.config["FILE_STORE"]
    monkeypatch.setitem(app.config, "FILE_STORE", blocker)
    letter = approved_letter(supervisor=supervisor)
    job = render(app, db, [letter], supervisor)
    for _ in range(app.config["JOB_MAX_DISPATCHES"] - 1):
        assert job.status == "retrying"
        services.sweep_stuck_jobs(now=job.retry_at + timedelta(seconds=1))
        db.session.commit()
        work(app)
        job = fresh(db, job)
    assert job.status == "failed" and job.failures == app.config["JOB_MAX_DISPATCHES"]
    letter = fresh(db, letter)
    assert letter.status == "approved" and letter.render_status == "failed"
    assert "Error" in letter.render_error and letter.pdf_key is None
    assert events(db, letter, "render_failed") == 1

    rm = letter.account.rm
    login_as(rm)
    page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "Gagal" in page or "gagal" in page
    assert "Render ulang" not in page  # only whoever may approve
    resp = post_form(client, f"/letters/{letter.id}/render")
    assert resp.status_code == 403
    auth.logout()
    login_as(supervisor)
    page = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "Render ulang" in page and letter.render_error[:20] in page
    monkeypatch.setitem(app.config, "FILE_STORE", real_store)  # the share is back
    resp = post_form(client, f"/letters/{letter.id}/render")
    assert resp.status_code == 302
    work(app)
    letter = fresh(db, letter)
    assert letter.status == "issued" and storage.verify(letter.pdf_key)
    assert events(db, letter, "issued") == 1


def test_a_rerun_after_a_crash_mid_batch_continues_without_duplicates(app, db, supervisor):
    letters = [approved_letter(supervisor=supervisor) for _ in range(3)]
    job = jobs.start_render([x.id for x in letters], supervisor)
    db.session.commit()
    # The first worker: claims the job, issues the first letter, starts the second ... and
    # dies (no heartbeat any more, the job row stays "running").
    assert services.claim(job.id, 1) is not None
    ctx = services.JobContext(job.id, 1, dict(job.params), supervisor.id)
    assert jobs.render_one(ctx, letters[0].id, 0, 3) == "issued"
    ctx.progress(1, 3)
    second = fresh(db, letters[1])
    second.render_status = "rendering"
    ctx.progress(1, 3, "Merender")
    first = fresh(db, letters[0])
    first_key, first_issued = first.pdf_key, first.issued_at

    report = services.sweep_stuck_jobs(now=utcnow() + timedelta(seconds=60))
    db.session.commit()
    assert job.id in report.redispatched
    work(app)
    job = fresh(db, job)
    assert job.status == "done" and job.dispatch == 2
    # Totals over both dispatches: the first letter was issued by the dead run.
    assert job.result == {"issued": 3, "failed": 0, "skipped": 0}
    for letter in letters:
        letter = fresh(db, letter)
        assert letter.status == "issued" and events(db, letter, "issued") == 1
    first = fresh(db, letters[0])
    assert (first.pdf_key, first.issued_at) == (first_key, first_issued)
    # A late write of the dead run is fenced off: it can no longer report progress.
    with pytest.raises(services.StaleDispatch):
        ctx.progress(3, 3)


def test_issuing_a_case_letter_starts_the_case_clock_on_the_letter_date(app, db, supervisor):
    rm = UserFactory(role="rm")
    case = CaseFactory(account=AccountFactory(rm=rm), stage="teguran_1", stage_started_on=None)
    request = request_letter(case, "teguran_1", rm)
    letter = db.session.get(Letter, request.letter_id)
    submit_letter(letter, rm)
    approve_letter(letter, supervisor)
    db.session.flush()
    render(app, db, [letter], supervisor)
    request = db.session.get(CaseLetterRequest, request.id, populate_existing=True)
    letter = fresh(db, letter)
    assert letter.status == "issued"
    assert request.status == "issued" and request.issued_on == letter.letter_date
    case = fresh(db, case)
    assert case.stage_started_on == letter.letter_date


# -- /letters/<id>/pdf and /letters/<id>/reprint.pdf -------------------------------------------


@pytest.fixture
def issued(app, db, supervisor):
    letter = approved_letter(supervisor=supervisor)
    render(app, db, [letter], supervisor)
    return fresh(db, letter)


@pytest.mark.parametrize("who", ["rm", "author", "supervisor", "admin"])
def test_the_frozen_pdf_is_served_to_those_who_may_see_the_letter(
    app, db, client, login_as, issued, who
):
    if who == "rm":
        user = issued.account.rm
    elif who == "author":
        user = UserFactory(role="rm")
        issued.created_by_id = user.id
        db.session.commit()
    else:
        user = UserFactory(role=who)
    login_as(user)
    resp = client.get(f"/letters/{issued.id}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data == storage.read_bytes(issued.pdf_key)
    assert hashlib.sha256(resp.data).hexdigest() == issued.pdf_sha256
    filename = issued.number.replace("/", "-") + ".pdf"
    assert resp.headers["Content-Disposition"] == f'inline; filename="{filename}"'


@pytest.mark.parametrize("role", ["rm", "partner"])
def test_the_pdf_is_refused_to_another_rm_and_to_partners(client, login_as, issued, role):
    login_as(UserFactory(role=role))
    assert client.get(f"/letters/{issued.id}/pdf").status_code == 403
    assert client.get(f"/letters/{issued.id}/reprint.pdf").status_code == 403


def test_no_pdf_before_the_letter_is_rendered(db, client, login_as, supervisor):
    letter = approved_letter(supervisor=supervisor)
    login_as(supervisor)
    assert client.get(f"/letters/{letter.id}/pdf").status_code == 404
    assert client.get(f"/letters/{letter.id}/reprint.pdf").status_code == 404
    assert client.get("/letters/999999/pdf").status_code == 404


def test_a_reprint_is_stamped_salinan_and_never_stored(app, db, client, login_as, issued):
    login_as(issued.account.rm)
    files = store_count(app)
    resp = client.get(f"/letters/{issued.id}/reprint.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "SALINAN" in pdf_text(resp.data)
    assert issued.number in pdf_text(resp.data)
    assert "SALINAN" not in pdf_text(storage.read_bytes(issued.pdf_key))
    assert hashlib.sha256(resp.data).hexdigest() != issued.pdf_sha256
    letter = fresh(db, issued)
    assert letter.pdf_key == issued.pdf_key and letter.pdf_sha256 == issued.pdf_sha256
    assert store_count(app) == files
    assert events(db, letter, "reprinted") == 1


# -- a real forking worker -----------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.slow
def test_a_forking_worker_warms_the_renderer_before_forking_and_issues_letters(
    app, db, database_url, redis_url, tmp_path
):
    import os
    import subprocess
    import sys

    from crm.config import ROOT
    from tests.support.worker import read_job, stop, wait_for

    supervisor = UserFactory(role="supervisor")
    letters = [approved_letter(supervisor=supervisor) for _ in range(2)]
    job = jobs.start_render([x.id for x in letters], supervisor)
    db.session.commit()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CRM_INSTANCE_PATH": str(app.config["INSTANCE_PATH"]),
        "CRM_FILE_STORE": str(app.config["FILE_STORE"]),
        "PYTHONPATH": str(ROOT),
    }
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--no-scheduler"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: read_job(db, job.id).status == "done", 120, "the render job")
    finally:
        stop(worker)
    assert "letter renderer warmed up" in log.read_text()
    assert read_job(db, job.id).result == {"issued": 2, "failed": 0, "skipped": 0}
    for letter in letters:
        letter = db.session.get(Letter, letter.id, populate_existing=True)
        assert letter.status == "issued" and storage.verify(letter.pdf_key)
    db.session.commit()


def test_the_hash_on_the_letter_page_is_the_stored_files(client, login_as, issued):
    login_as(issued.account.rm)
    page = client.get(f"/letters/{issued.id}").get_data(as_text=True)
    assert hashlib.sha256(storage.read_bytes(issued.pdf_key)).hexdigest() in page
    assert f"/letters/{issued.id}/pdf" in page
