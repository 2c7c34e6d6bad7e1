"""The streaming PDF merger (crm.letters.pdfmerge) and the batch's merged PDF built with it:
pages in order with their text, shared objects written once, inherited attributes, links,
streams copied encoded, stored by sha256 through storage.put_file, the same bytes each run."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from crm import storage
from crm.jobs.models import BackgroundJob
from crm.jobs.services import create_job
from crm.letters import bulk
from crm.letters.jobs import start_render
from crm.letters.models import Letter, LetterBatch
from crm.letters.pdfmerge import merge_pdfs
from crm.letters.render import render_letter
from crm.letters.samples import sample_context
from tests.factories import UserFactory, approved_letter
from tests.support.queue import work


def merged(*pdfs: bytes) -> bytes:
    out = io.BytesIO()
    merge_pdfs([io.BytesIO(pdf) for pdf in pdfs], out)
    return out.getvalue()


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def objects_of_type(pdf: bytes, kind: str) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        count += hasattr(obj, "get") and obj.get("/Type") == kind
    return count


def png_logo() -> str:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (200, 30, 30)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture(scope="module")
def letters() -> list[bytes]:
    """Three real letters: Teguran I (two pages, an uploaded PNG logo), a notice, an
    invitation."""
    teguran = sample_context("teguran_1")
    teguran["letterhead"] = {**teguran["letterhead"], "logo": png_logo()}
    return [
        render_letter(teguran),
        render_letter(sample_context("pemberitahuan")),
        render_letter(sample_context("undangan")),
    ]


def handmade_pdf(label: str) -> bytes:
    """Two pages that inherit MediaBox and Resources from their Pages node, a URI link and a
    link to the second page on the first, and an outline (which the merge leaves out)."""
    text = [f"BT /F1 12 Tf 20 100 Td (First page of {label}) Tj ET".encode(), b""]
    text[1] = f"BT /F1 12 Tf 20 100 Td (Second page of {label}) Tj ET".encode()
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 9 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 300 200]"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        3: b"<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Annots [8 0 R 10 0 R] >>",
        4: b"<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>",
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        8: b"<< /Type /Annot /Subtype /Link /Rect [10 10 100 30]"
        b" /A << /S /URI /URI (https://example.org/verify) >> >>",
        9: b"<< /Type /Outlines /First 11 0 R /Last 11 0 R /Count 1 >>",
        10: b"<< /Type /Annot /Subtype /Link /Rect [10 40 100 60] /Dest [4 0 R /Fit] /P 3 0 R >>",
        11: b"<< /Title (Second) /Parent 9 0 R /Dest [4 0 R /Fit] >>",
    }
    for number, content in ((6, text[0]), (7, text[1])):
        data = zlib.compress(content)
        objects[number] = b"<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (
            len(data),
            data,
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 12\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, 12))
    out += b"trailer\n<< /Size 12 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_merged_letters_keep_every_page_in_order_with_its_text(letters):
    pdf = merged(*letters)
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == sum(len(PdfReader(io.BytesIO(x)).pages) for x in letters)
    assert page_texts(pdf) == [text for letter in letters for text in page_texts(letter)]


def test_objects_shared_by_a_letters_pages_are_written_once(letters):
    teguran = letters[0]
    pdf = merged(teguran, teguran)
    first, second, third, fourth = PdfReader(io.BytesIO(pdf), strict=True).pages
    resources = [page.raw_get("/Resources").idnum for page in (first, second, third, fourth)]
    # A letter's two pages share one Resources object; each letter (source) has its own.
    assert resources[0] == resources[1] != resources[2] == resources[3]
    assert objects_of_type(pdf, "/FontDescriptor") == 2 * objects_of_type(
        teguran, "/FontDescriptor"
    )
    assert objects_of_type(pdf, "/Page") == 4


def test_an_image_and_the_content_streams_are_copied_as_encoded(letters):
    source = PdfReader(io.BytesIO(letters[0])).pages[0]
    copy = PdfReader(io.BytesIO(merged(*letters))).pages[0]
    assert copy["/Contents"].get_object()._data == source["/Contents"].get_object()._data

    def images(page) -> list[bytes]:
        found, stack = [], [page["/Resources"]]
        while stack:
            for ref in (stack.pop().get("/XObject") or {}).values():
                obj = ref.get_object()
                if obj["/Subtype"] == "/Image":
                    found.append(obj._data)
                else:
                    stack.append(obj.get("/Resources") or {})
        return found

    assert images(copy) == images(source) and len(images(copy)) >= 1  # the PNG logo


def test_inherited_attributes_and_links_survive_and_point_to_the_copied_pages():
    pdf = merged(handmade_pdf("A"), handmade_pdf("B"))
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert page_texts(pdf) == [
        "First page of A",
        "Second page of A",
        "First page of B",
        "Second page of B",
    ]
    kids = [ref.idnum for ref in reader.root_object["/Pages"].raw_get("/Kids")]
    for first, target in ((0, 1), (2, 3)):
        page = reader.pages[first]
        assert [float(x) for x in page.mediabox] == [0, 0, 300, 200]  # from the Pages node
        assert page["/Resources"]["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
        uri, link = (ref.get_object() for ref in page["/Annots"])
        assert uri["/A"]["/URI"] == "https://example.org/verify"
        assert link["/Dest"][0].idnum == kids[target]  # that source's page, not a new copy
        assert link.raw_get("/P").idnum == kids[first]
    assert len(reader.pages) == 4 and "/Outlines" not in reader.root_object


def test_the_same_sources_give_the_same_bytes(letters):
    assert merged(*letters) == merged(*letters)


def test_put_file_stores_a_path_or_a_stream_by_sha256_once(app, tmp_path):
    data = b"%PDF-1.7 not really\n" * 100_000  # 2 MB: more than one chunk
    source = tmp_path / "merged.pdf"
    source.write_bytes(data)
    key = hashlib.sha256(data).hexdigest()
    before = set(storage.iter_keys())
    assert storage.put_file(source) == key == storage.put_file(io.BytesIO(data))
    assert storage.put_file(str(source)) == key  # the same bytes again: a no-op
    assert set(storage.iter_keys()) == before | {key}
    assert storage.read_bytes(key) == data and storage.verify(key)


def download_job(db, batch: LetterBatch, owner) -> BackgroundJob:
    job = create_job(
        bulk.DOWNLOAD_KIND, owner=owner, params={"batch_id": batch.id, "format": "pdf"}
    )
    db.session.commit()
    return job


def test_the_batch_download_job_stores_one_merged_pdf_by_sha256(app, db):
    supervisor = UserFactory(role="supervisor")
    batch_letters = [
        approved_letter(letter_type=kind, supervisor=supervisor)
        for kind in ("teguran_1", "pemberitahuan", "undangan")
    ]
    batch = LetterBatch(
        letter_type="teguran_1", created_by_id=supervisor.id, source="/accounts/", size=3
    )
    db.session.add(batch)
    db.session.flush()
    for letter in batch_letters:
        letter.batch_id = batch.id
    start_render([x.id for x in batch_letters], supervisor)
    db.session.commit()
    work(app)

    jobs = [download_job(db, batch, supervisor), download_job(db, batch, supervisor)]
    work(app)
    results = [db.session.get(BackgroundJob, j.id, populate_existing=True).result for j in jobs]
    key = results[0]["file"]
    assert results[1]["file"] == key  # a re-run stores the same bytes: one file
    assert results[0]["filename"] == f"surat-kumpulan-{batch.id}.pdf"
    pdf = storage.read_bytes(key)
    assert hashlib.sha256(pdf).hexdigest() == key
    issued = db.session.scalars(
        select(Letter)
        .where(Letter.batch_id == batch.id)
        .order_by(Letter.number_seq)
        .execution_options(populate_existing=True)
    ).all()
    assert {x.status for x in issued} == {"issued"}
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == sum(x.pdf_pages for x in issued)
    assert page_texts(pdf) == [
        text for letter in issued for text in page_texts(storage.read_bytes(letter.pdf_key))
    ]
