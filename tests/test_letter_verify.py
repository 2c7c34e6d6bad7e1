"""/verify/<code>: public facts and hash of an issued letter, and the byte-identity check of
an uploaded PDF (CSRF kept, size bounded)."""

from __future__ import annotations

import io

import pytest
from rq import Queue, SimpleWorker

from crm import queue as rq_queue
from crm import storage
from crm.letters import jobs
from crm.letters.models import Letter
from tests.conftest import post_form
from tests.factories import UserFactory, approved_letter


@pytest.fixture
def issued(app, db):
    supervisor = UserFactory(role="supervisor")
    letter = approved_letter(supervisor=supervisor)
    jobs.start_render([letter.id], supervisor)
    db.session.commit()
    q = Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection())
    SimpleWorker([q], connection=q.connection).work(burst=True)
    letter = db.session.get(Letter, letter.id, populate_existing=True)
    assert letter.status == "issued"
    return letter


def upload(client, code: str, data: bytes, name: str = "surat.pdf"):
    return post_form(
        client,
        f"/verify/{code}",
        {"document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_verification_is_public_and_shows_the_letter_and_its_hash(client, issued):
    resp = client.get(f"/verify/{issued.verify_code}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert issued.number in page
    assert issued.pdf_sha256 in page
    assert "Surat Teguran I" in page
    assert issued.addressee_company in page
    assert f"{issued.letter_date.day} " in page and str(issued.letter_date.year) in page
    assert "arrears" not in page and "13.000.000" not in page  # no facts beyond the header


@pytest.mark.parametrize("role", ["partner", "rm"])
def test_signed_in_users_of_any_role_can_verify(client, login_as, issued, role):
    """Verification is public: a partner's fence around the CRM does not hide it."""
    from tests.factories import InstitutionFactory

    extra = {"account": InstitutionFactory()} if role == "partner" else {}
    login_as(UserFactory(role=role, **extra))
    resp = client.get(f"/verify/{issued.verify_code}")
    assert resp.status_code == 200 and issued.pdf_sha256 in resp.get_data(as_text=True)
    assert upload(client, issued.verify_code, b"%PDF-1.7 lain").status_code == 200


@pytest.mark.parametrize("code", ["tidak-ada-kode-seperti-ini-sama-sekali", "x", "a" * 300])
def test_an_unknown_code_is_a_plain_404(client, issued, code):
    resp = client.get(f"/verify/{code}")
    assert resp.status_code == 404
    assert "Surat tidak ditemukan" in resp.get_data(as_text=True)


def test_a_letter_not_issued_yet_cannot_be_verified(db, client):
    letter = approved_letter()
    assert client.get(f"/verify/{letter.verify_code}").status_code == 404


def test_an_identical_upload_is_accepted(client, issued):
    resp = upload(client, issued.verify_code, storage.read_bytes(issued.pdf_key))
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Berkas identik dengan surat yang diterbitkan." in page
    assert "TIDAK identik" not in page


def test_one_changed_byte_is_rejected(client, issued):
    data = bytearray(storage.read_bytes(issued.pdf_key))
    data[len(data) // 2] ^= 0x01
    resp = upload(client, issued.verify_code, bytes(data))
    assert resp.status_code == 200
    assert "TIDAK identik" in resp.get_data(as_text=True)


def test_the_upload_keeps_csrf_protection(client, issued):
    resp = client.post(
        f"/verify/{issued.verify_code}",
        data={"document": (io.BytesIO(b"%PDF-1.7"), "surat.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert "identik" not in resp.get_data(as_text=True)


def test_an_empty_form_asks_for_a_file(client, issued):
    resp = post_form(client, f"/verify/{issued.verify_code}", {})
    assert resp.status_code == 400
    assert "Pilih berkas PDF" in resp.get_data(as_text=True)


@pytest.mark.parametrize("size", [5_000, 200_000])
def test_an_oversize_upload_is_refused_with_a_message(app, client, issued, monkeypatch, size):
    # 5,000 bytes passes the body bound (limit + envelope) and is caught while hashing;
    # 200,000 bytes is refused before the body is parsed at all.
    monkeypatch.setitem(app.config, "LETTER_VERIFY_MAX_BYTES", 4_000)
    resp = upload(client, issued.verify_code, b"%PDF" + b"x" * size)
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "Berkas terlalu besar" in page and "identik" not in page
    assert issued.number in page  # still the letter's own page
