"""Agreement documents: PDF checked by content and size, versions, random storage names,
internal download with Content-Disposition and the download log, the cover letter hook."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from crm import pdf_safety, storage
from crm.extensions import db
from crm.partners import documents
from crm.partners.models import AgreementDocument
from crm.partners.portal_models import DownloadLog
from crm.services import ServiceError
from tests.conftest import csrf_token
from tests.support.agreements import EXE_BYTES, make_team, mou, pdf_bytes
from tests.support.pdf import pdf_text
from tests.support.queue import fresh, work


@pytest.fixture
def team(db):
    return make_team()


def store_files(app) -> set:
    return set(storage.iter_keys())


def upload(client, agreement, data: bytes, name: str, kind="signed", title=""):
    return client.post(
        f"/agreements/{agreement.id}/documents",
        data={
            "csrf_token": csrf_token(client),
            "doc-kind": kind,
            "doc-title": title,
            "doc-file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def doc_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AgreementDocument))


def test_a_signed_pdf_is_stored_under_a_random_name_and_listed(app, client, login_as, team):
    agreement = mou(team)
    login_as(team.rm)
    data = pdf_bytes("Naskah MoU")
    resp = upload(client, agreement, data, "MoU ditandatangani.pdf")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    doc = db.session.scalar(select(AgreementDocument))
    assert (doc.kind, doc.title, doc.version, doc.size) == (
        "signed",
        "Naskah ditandatangani",
        1,
        len(data),
    )
    assert doc.filename == "MoU ditandatangani.pdf" and doc.storage_key != doc.sha256
    assert storage.read_bytes(doc.storage_key) == data
    assert client.get(f"/static/{doc.storage_key}").status_code == 404  # only through the app
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "MoU ditandatangani.pdf" in page and "v1" in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE_BYTES, "naskah.pdf", "bukan PDF"),
        (b"%PDF-1.7\nbukan isi pdf yang sah\n%%EOF", "rusak.pdf", "rusak atau tidak dapat dibaca"),
        (b"", "kosong.pdf", "Berkas kosong"),
    ],
)
def test_a_file_that_is_not_a_readable_pdf_is_refused_and_nothing_stored(
    app, client, login_as, team, data, name, message
):
    agreement = mou(team)
    login_as(team.rm)
    before = store_files(app)
    resp = upload(client, agreement, data, name)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert doc_count() == 0 and store_files(app) == before


def test_a_30_mb_file_is_refused_with_a_message_at_the_field(app, client, login_as, team):
    agreement = mou(team)
    login_as(team.rm)
    before = store_files(app)
    big = pdf_bytes() + b"\n%" + b"x" * (30 * 2**20)
    resp = upload(client, agreement, big, "besar.pdf")
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "Berkas terlalu besar: paling besar 20 MB" in page and 'class="errors"' in page
    assert doc_count() == 0 and store_files(app) == before


def test_a_body_over_the_request_limit_is_refused_before_parsing_with_the_form_message(
    app, client, login_as, team, monkeypatch
):
    agreement = mou(team)
    login_as(team.rm)
    monkeypatch.setitem(app.config, "AGREEMENT_MAX_REQUEST_BYTES", 100_000)
    resp = upload(client, agreement, b"%PDF-" + b"x" * 200_000, "besar.pdf")
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "Berkas terlalu besar" in page and agreement.title in page  # still the agreement page
    assert doc_count() == 0


def test_the_same_kind_and_title_is_the_next_version(app, client, login_as, team):
    agreement = mou(team)
    login_as(team.rm)
    for i in range(3):
        resp = upload(
            client,
            agreement,
            pdf_bytes(f"Lampiran {i}"),
            f"lampiran-{i}.pdf",
            "annex",
            "Lampiran I",
        )
        assert resp.status_code == 302
    upload(client, agreement, pdf_bytes("Pedoman"), "pedoman.pdf", "guideline")
    groups = documents.document_groups(agreement.id)
    annex = next(g for g in groups if g["kind"] == "annex")
    assert annex["current"].version == 3 and [d.version for d in annex["older"]] == [2, 1]
    assert annex["current"].filename == "lampiran-2.pdf"
    assert {g["kind"] for g in groups} == {"annex", "guideline"}
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "2 versi sebelumnya" in page


def test_uploads_are_refused_to_who_may_not_edit(app, client, login_as, team):
    agreement = mou(team)
    login_as(team.other_rm)
    assert upload(client, agreement, pdf_bytes(), "a.pdf").status_code == 403
    with pytest.raises(PermissionError):
        documents.add_document(agreement, "signed", "X", pdf_bytes(), "a.pdf", team.branch_rm)
    with pytest.raises(ServiceError):
        documents.add_document(agreement, "cover_letter", "X", pdf_bytes(), "a.pdf", team.rm)
    assert doc_count() == 0


def test_download_has_the_original_name_and_is_logged(app, client, login_as, team):
    agreement = mou(team)
    data = pdf_bytes()
    doc = documents.add_document(
        agreement, "signed", "Naskah", data, "Naskah Kerja Sama – Kemendagri.pdf", team.rm
    )
    other = mou(team, title="MoU Lain")
    login_as(team.other_rm)  # any internal user may read
    resp = client.get(f"/agreements/{agreement.id}/documents/{doc.id}")
    assert resp.status_code == 200 and resp.data == data
    assert resp.mimetype == "application/pdf"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" + quote("Naskah Kerja Sama – Kemendagri.pdf") in disposition
    assert "no-store" in resp.headers["Cache-Control"]
    log = db.session.scalar(select(DownloadLog))
    assert (log.document_id, log.user_id, log.version, log.agreement_id) == (
        doc.id,
        team.other_rm.id,
        1,
        agreement.id,
    )
    assert client.get(f"/agreements/{other.id}/documents/{doc.id}").status_code == 404
    assert client.get(f"/agreements/{agreement.id}/documents/999999").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(DownloadLog)) == 1


def test_clean_filename_drops_folders_and_ends_in_pdf():
    assert documents.clean_filename("C:\\Users\\x\\naskah final") == "naskah final.pdf"
    assert documents.clean_filename("../../etc/passwd") == "passwd.pdf"
    assert documents.clean_filename("") == "dokumen.pdf"
    assert documents.clean_filename("a\x00b.PDF") == "ab.PDF"


def test_cover_letter_is_drafted_from_the_agreement_and_attached_when_issued(
    app, client, login_as, team
):
    from crm.letters import jobs
    from crm.letters.models import Letter
    from crm.letters.workflow import approve_letter, submit_letter

    agreement = mou(team, our_number="MOU/7/2026", partner_number="119/KMD", status="signed")
    login_as(team.rm)
    resp = client.post(
        f"/agreements/{agreement.id}/cover-letter", data={"csrf_token": csrf_token(client)}
    )
    letter = db.session.scalar(select(Letter))
    assert resp.status_code == 302 and resp.location.endswith(f"/letters/{letter.id}")
    assert letter.letter_type == "pengantar_mou" and letter.account_id == team.institution.id
    assert client.get(f"/letters/{letter.id}").status_code == 200
    facts = letter.facts["agreement"]
    assert facts["agreement_id"] == agreement.id and facts["number"] == "MOU/7/2026 / 119/KMD"
    submit_letter(letter, team.rm)
    approve_letter(letter, team.supervisor)
    jobs.start_render([letter.id], team.supervisor)
    db.session.commit()
    work(app)
    letter = fresh(db, letter)
    assert letter.status == "issued"
    text = pdf_text(storage.read_bytes(letter.pdf_key))
    assert agreement.title in text and "Masa berlaku" in text and "119/KMD" in text
    doc = db.session.scalar(
        select(AgreementDocument).where(AgreementDocument.letter_id == letter.id)
    )
    assert doc.kind == "cover_letter" and doc.storage_key == letter.pdf_key
    assert doc.agreement_id == agreement.id and doc.sha256 == letter.pdf_sha256
    documents.attach_cover_letter(letter)  # the hook is idempotent
    assert doc_count() == 1


def test_cover_letter_is_refused_to_who_may_not_edit(app, client, login_as, team):
    agreement = mou(team)
    login_as(team.other_rm)
    resp = client.post(
        f"/agreements/{agreement.id}/cover-letter", data={"csrf_token": csrf_token(client)}
    )
    assert resp.status_code == 403


def test_put_private_stores_the_same_bytes_under_fresh_random_keys(app):
    first, second = storage.put_private(b"%PDF-sama"), storage.put_private(b"%PDF-sama")
    assert first != second and len(first) == 64 and all(c in "0123456789abcdef" for c in first)
    assert storage.read_bytes(first) == storage.read_bytes(second) == b"%PDF-sama"
    assert not storage.verify(first)  # not content-addressed: the name says nothing


def _active_pdf(kind: str) -> bytes:
    """A one-page PDF carrying one kind of active content, made with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    root = writer._root_object

    def action(kind_name: str, **values) -> DictionaryObject:
        d = DictionaryObject({NameObject("/S"): NameObject(kind_name)})
        for key, value in values.items():
            d[NameObject(f"/{key}")] = TextStringObject(value)
        return d

    if kind == "javascript":
        script = action("/JavaScript", JS="app.alert('halo');")
        names = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(script)])}
        )
        root[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): names})
    elif kind == "open_action":
        root[NameObject("/OpenAction")] = action("/URI", URI="http://evil.example/")
    elif kind == "launch":
        page = writer.pages[0]
        page[NameObject("/AA")] = DictionaryObject(
            {NameObject("/O"): action("/Launch", F="calc.exe")}
        )
    elif kind == "launch_link":
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([]),
                NameObject("/A"): action("/Launch", F="cmd.exe"),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    elif kind == "embedded":
        writer.add_attachment("lampiran.exe", EXE_BYTES)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "kind, named",
    [
        ("javascript", "JavaScript"),
        ("open_action", "OpenAction"),
        ("launch", "Launch"),
        ("launch_link", "Launch"),
        ("embedded", "EmbeddedFile"),
    ],
)
def test_a_pdf_with_active_content_is_refused_and_nothing_stored(
    app, client, login_as, team, kind, named
):
    agreement = mou(team)
    login_as(team.rm)
    before = store_files(app)
    resp = upload(client, agreement, _active_pdf(kind), "MoU.pdf")
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "PDF ini berisi konten aktif" in text and named in text
    assert doc_count() == 0 and store_files(app) == before


def test_a_pdf_that_opens_at_a_page_is_not_active_content():
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    out = io.BytesIO()
    writer.write(out)
    assert pdf_safety.active_content(PdfReader(io.BytesIO(out.getvalue()))) == []
    documents.check_pdf(out.getvalue())  # accepted
