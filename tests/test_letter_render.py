"""Letter templates and the PDF renderer: page count and extracted text, never PDF bytes."""

from __future__ import annotations

import signal
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest

from crm.auth.models import User
from crm.i18n import rupiah
from crm.letters import render, template_context
from crm.letters.render import (
    LetterURLFetcher,
    RenderError,
    RenderTimeout,
    URLRefused,
    render_letter,
)
from crm.letters.samples import DEFAULT_LETTERHEAD, sample_context
from crm.letters.template_context import LETTER_TYPES, LETTERS_DIR, STATIC_DIR
from tests.factories import UserFactory
from tests.support.pdf import page_texts


@pytest.fixture(scope="module")
def teguran_1_pdf() -> bytes:
    return render_letter(sample_context("teguran_1"))


@pytest.mark.parametrize("letter_type", sorted(LETTER_TYPES))
def test_every_letter_type_renders_a_formal_letter(letter_type):
    ctx = sample_context(letter_type)
    pages = page_texts(render_letter(ctx))
    text = " ".join(pages)
    assert 1 <= len(pages) <= 2
    assert f"Nomor : {ctx['number']}" in text
    assert "Jakarta, 23 November 2026" in text
    assert f"Yth. {ctx['addressee']['name']}" in text and "di Tempat" in text
    assert "Undang-Undang Nomor 24 Tahun 2011" in text
    assert ctx["letterhead"]["signatory_name"] in text
    assert all(item in text for item in ctx["letterhead"]["tembusan"])
    assert all(ctx["verify_url"] in page for page in pages)  # footer on every page
    assert "DRAF" not in text and "SALINAN" not in text


def test_teguran_1_sample_is_two_pages_with_the_letterhead_on_the_first_only(teguran_1_pdf):
    first, second = page_texts(teguran_1_pdf)
    office = DEFAULT_LETTERHEAD["office_name"].upper()
    street = DEFAULT_LETTERHEAD["office_address"].splitlines()[0]
    assert office in first and street in first
    assert office not in second and street not in second
    assert "Halaman 2 dari 2" in second
    assert "Halaman 1" not in first


def test_teguran_1_states_the_arrears_in_rupiah_and_the_deadline(teguran_1_pdf):
    ctx = sample_context("teguran_1")
    arrears = ctx["arrears"]
    text = " ".join(page_texts(teguran_1_pdf))
    assert len(arrears["rows"]) == 12
    assert "Oktober 2025" in text and "September 2026" in text
    for amount in (arrears["unpaid"], arrears["fine"], arrears["total"]):
        assert rupiah(amount) in text
    assert "Rp 48.750.000" in text  # a monthly contribution, dots as thousands separators
    assert "Teguran Tertulis Pertama" in text
    assert "paling lambat tanggal 7 Desember 2026" in text
    assert "10 (sepuluh) hari kerja sejak surat ini diterima" in text
    assert "PT Sinar Baja Nusantara" in text


def test_teguran_2_is_the_last_warning_and_names_the_next_sanctions():
    ctx = sample_context("teguran_2")
    text = " ".join(page_texts(render_letter(ctx)))
    assert "teguran tertulis yang terakhir" in text
    assert "Denda sebesar 0,1%" in text
    assert "(TMP2T)" in text
    assert all(finding in text for finding in ctx["pds"])


def test_a_letter_without_a_number_is_a_draft_and_a_copy_is_stamped():
    ctx = sample_context("pemberitahuan") | {"number": None, "copy": True}
    pages = page_texts(render_letter(ctx))
    assert all("DRAF" in page and "SALINAN" in page for page in pages)
    assert "belum bernomor" in pages[0]


def test_the_body_is_plain_text_escaped_into_paragraphs():
    body = 'Baris <script>alert(1)</script>\n<img src=http://evil.example/x.png> & "kutip"\n\nDua'
    ctx = sample_context("undangan") | {"body": body}
    html = render.render_html(ctx)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<p>Dua</p>" in html
    text = " ".join(page_texts(render_letter(ctx)))
    assert "<script>alert(1)</script>" in text
    assert "<img src=http://evil.example/x.png>" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/print.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        f"file://{LETTERS_DIR}/../crm/config.py",
        f"file://{STATIC_DIR}/../README.md",
        f"file://{LETTERS_DIR}/%2e%2e/pyproject.toml",
        f"file://evil.example{LETTERS_DIR}/print.css",
        f"file://{LETTERS_DIR}/missing.png",
    ],
)
def test_the_url_fetcher_refuses_anything_outside_letters_and_static(url):
    with pytest.raises(URLRefused):
        LetterURLFetcher().fetch(url)


def test_the_url_fetcher_serves_letters_static_and_data_uris():
    fetcher = LetterURLFetcher()
    css = fetcher.fetch((LETTERS_DIR / "print.css").as_uri())
    assert css.content_type == "text/css" and b"@page" in css.read()
    logo = fetcher.fetch((STATIC_DIR / "img" / "letter-logo.svg").as_uri())
    assert logo.content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain,halo").read() == b"halo"


def test_a_letter_that_asks_for_an_outside_resource_fails():
    with pytest.raises(RenderError) as refused:
        render.write_pdf('<p>x</p><img src="http://127.0.0.1:9/x.png">', timeout=20)
    assert isinstance(refused.value.__cause__.__cause__, URLRefused)  # refused, never fetched
    with pytest.raises(ValueError):
        render_letter(sample_context("undangan", DEFAULT_LETTERHEAD | {"logo": "../README.md"}))


def test_a_render_over_its_time_limit_raises_render_timeout():
    with pytest.raises(RenderTimeout):
        render_letter(sample_context("teguran_1"), timeout=0.001)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler)
    assert render_letter(sample_context("undangan")).startswith(b"%PDF")  # engine still usable


def test_a_render_in_a_worker_thread_is_timed_out_too():
    outcome = {}

    def work():
        try:
            render_letter(sample_context("teguran_1"), timeout=0.001)
        except RenderTimeout as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert isinstance(outcome.get("error"), RenderTimeout)


def test_the_render_timer_keeps_an_outer_alarm_such_as_rqs_job_timeout():
    def outer(signum, frame):
        raise AssertionError("the outer alarm fired during the test")

    previous = signal.signal(signal.SIGALRM, outer)
    signal.setitimer(signal.ITIMER_REAL, 60)
    try:
        render_letter(sample_context("undangan"), timeout=20)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert signal.getsignal(signal.SIGALRM) is outer
        assert 50 < left <= 60
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_outer_alarm_that_falls_due_first_surfaces_unwrapped():
    class JobTimeout(Exception):
        pass

    def outer(signum, frame):
        raise JobTimeout

    previous = signal.signal(signal.SIGALRM, outer)
    signal.setitimer(signal.ITIMER_REAL, 0.001)
    try:
        with pytest.raises(JobTimeout):
            render_letter(sample_context("teguran_1"), timeout=20)
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # fired once, not re-armed
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_orm_objects_are_refused_and_plain_data_is_checked():
    ctx = sample_context("pemberitahuan")
    with pytest.raises(TypeError, match="plain data"):
        render_letter(ctx | {"addressee": User(email="x@relasi.test", name="X")})
    with pytest.raises(TypeError):
        render_letter(ctx | {"pds": [object()]})
    with pytest.raises(ValueError, match="unknown letter type"):
        render_letter(ctx | {"type": "surat_cinta"})
    with pytest.raises(ValueError, match="verify_url"):
        render_letter({k: v for k, v in ctx.items() if k != "verify_url"})
    with pytest.raises(RenderError, match="agenda"):
        render_letter(sample_context("undangan") | {"meeting": {"when": None, "place": "R"}})
    amounts = template_context.prepare_context(
        ctx | {"pds": [], "sponsorship": {"amount": Decimal("1.5")}}
    )
    assert amounts["sponsorship"]["amount"] == 2


def test_indonesian_dates_and_number_words_need_no_locale():
    assert template_context.tanggal(date(2026, 11, 22)) == "22 November 2026"
    assert template_context.hari_tanggal(datetime(2026, 12, 3, 10, 0)) == "Kamis, 3 Desember 2026"
    assert template_context.bulan(date(2026, 2, 1)) == "Februari 2026"
    words = {10: "sepuluh", 11: "sebelas", 15: "lima belas", 30: "tiga puluh"}
    words |= {150: "seratus lima puluh", 1000: "seribu", 2025: "dua ribu dua puluh lima"}
    assert {n: template_context.terbilang(n) for n in words} == words


def test_the_subset_backend_is_reported():
    assert render.subset_backend() in ("harfbuzz", "fonttools")


def test_rms_preview_every_letter_type(client, login_as):
    login_as(UserFactory(role="rm"))
    index = client.get("/letters/preview/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert all(title in page for title in LETTER_TYPES.values())
    resp = client.get("/letters/preview/teguran_2.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("inline")
    assert "Surat ini merupakan teguran tertulis yang terakhir" in " ".join(
        page_texts(resp.get_data())
    )
    assert client.get("/letters/preview/surat_cinta.pdf").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("partner", 403), (None, 302)])
def test_partners_and_strangers_cannot_preview(client, login_as, role, status):
    if role:
        login_as(UserFactory(role=role))
    assert client.get("/letters/preview/").status_code == status
    assert client.get("/letters/preview/undangan.pdf").status_code == status
