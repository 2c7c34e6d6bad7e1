"""The features that keep files, end to end on both stores (a local folder and an S3 bucket on
moto's server): an agreement document uploaded and downloaded by the partner, a letter
rendered by its job and downloaded, a job's result file, and a backup restored."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from crm import storage
from crm.backup import make_backup, restore_backup
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.letters import jobs
from crm.letters.models import Letter
from crm.letters.workflow import approve_letter, submit_letter
from crm.partners import documents
from crm.partners.models import AgreementDocument
from crm.partners.portal_models import DownloadLog
from tests.conftest import csrf_token, post_form
from tests.factories import UserFactory
from tests.support.agreements import make_team, mou, pdf_bytes
from tests.support.queue import work

pytestmark = pytest.mark.usefixtures("store_backend")


def downloads() -> int:
    return db.session.scalar(select(func.count()).select_from(DownloadLog))


def test_an_uploaded_document_is_stored_and_the_partner_downloads_it(client, auth, login_as):
    team = make_team()
    agreement = mou(team, status="active")
    partner = UserFactory(role="partner", account=team.institution)
    data = pdf_bytes("Naskah MoU bersama", pages=3)
    login_as(team.rm)
    resp = client.post(
        f"/agreements/{agreement.id}/documents",
        data={
            "csrf_token": csrf_token(client),
            "doc-kind": "signed",
            "doc-title": "Naskah ditandatangani",
            "doc-file": (io.BytesIO(data), "MoU ditandatangani.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    doc = db.session.scalar(select(AgreementDocument))
    assert list(storage.iter_keys()) == [doc.storage_key] and doc.size == len(data)
    internal = client.get(f"/agreements/{agreement.id}/documents/{doc.id}")
    assert internal.status_code == 200 and internal.data == data
    auth.logout()

    login_as(partner)
    head = client.head(f"/portal/documents/{doc.id}")
    assert head.status_code == 200 and downloads() == 1  # a HEAD takes no file away
    resp = client.get(f"/portal/documents/{doc.id}")
    assert resp.status_code == 200 and resp.data == data
    assert resp.content_length == len(data) and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith(
        'attachment; filename="MoU ditandatangani.pdf"'
    )
    assert downloads() == 2


def test_a_lost_document_is_a_404_for_the_partner(client, login_as):
    team = make_team()
    agreement = mou(team, status="active")
    partner = UserFactory(role="partner", account=team.institution)
    doc = documents.add_document(agreement, "annex", "Lampiran", pdf_bytes(), "l.pdf", team.rm)
    storage.discard(doc.storage_key)
    login_as(partner)
    assert client.get(f"/portal/documents/{doc.id}").status_code == 404
    assert downloads() == 0


def test_a_cover_letter_is_rendered_stored_attached_and_downloaded(app, client, auth, login_as):
    team = make_team()
    agreement = mou(team, our_number="MOU/9/2026", partner_number="77/KMD", status="signed")
    login_as(team.rm)
    resp = post_form(client, f"/agreements/{agreement.id}/cover-letter")
    assert resp.status_code == 302
    letter = db.session.scalar(select(Letter))
    submit_letter(letter, team.rm)
    approve_letter(letter, team.supervisor)
    jobs.start_render([letter.id], team.supervisor)
    db.session.commit()
    work(app)
    letter = db.session.get(Letter, letter.id, populate_existing=True)
    assert letter.status == "issued" and storage.verify(letter.pdf_key)
    pdf = client.get(f"/letters/{letter.id}/pdf")
    assert pdf.status_code == 200 and pdf.data == storage.read_bytes(letter.pdf_key)
    assert "77/KMD" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    doc = db.session.scalar(
        select(AgreementDocument).where(AgreementDocument.letter_id == letter.id)
    )
    assert doc.size == len(pdf.data)  # storage.size(), from the disk or the bucket
    auth.logout()
    login_as(UserFactory(role="partner", account=team.institution))
    resp = client.get(f"/portal/documents/{doc.id}")
    assert resp.status_code == 200 and resp.data == pdf.data


def test_a_job_result_file_is_downloaded_from_the_store(app, client, login_as):
    login_as(UserFactory(role="admin"))
    resp = post_form(client, "/admin/audit/export", {"action": "user.login"})
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    work(app)
    job = db.session.get(BackgroundJob, job_id)
    assert job.status == "done" and storage.exists(job.result["file"])
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.data == storage.read_bytes(job.result["file"])
    assert download.content_length == storage.size(job.result["file"])


@pytest.mark.live
def test_backup_and_restore_cover_the_store(tmp_path):
    shared = storage.put_bytes(b"%PDF-1.7 surat terbit")
    private = storage.put_private(b"%PDF-1.7 lampiran rahasia")
    archive = make_backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {f"files/{storage.relative_name(k)}" for k in (shared, private)} <= names
    assert manifest["files"] == 2
    storage.discard(shared)
    storage.discard(private)
    assert restore_backup(archive)["files"] == 2
    assert storage.read_bytes(shared) == b"%PDF-1.7 surat terbit" and storage.verify(shared)
    assert storage.read_bytes(private) == b"%PDF-1.7 lampiran rahasia"
    assert restore_backup(archive)["files"] == 0  # what is there is kept


def test_an_archive_in_the_old_layout_restores_into_the_store(tmp_path):
    """Archives written before the store had backends: files/ab/cd/<key>, no database."""
    data = b"%PDF-1.7 arsip lama"
    key = hashlib.sha256(data).hexdigest()
    archive = tmp_path / "relasi-backup-20260101-000000.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, body in (
            (f"files/{key[:2]}/{key[2:4]}/{key}", data),
            ("manifest.json", json.dumps({"database": None, "files": 1}).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    assert restore_backup(archive) == {"database": False, "files": 1}
    assert storage.read_bytes(key) == data and storage.verify(key)
