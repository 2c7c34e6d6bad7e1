"""Letter layout under stress (24 months of arrears near Rp 999.999.999.999, every letter
type): every character inside the page's text box from letters/print.css, the signature on
the page of the body's last paragraph, and a Lampiran line that names real attachments."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

import pdfplumber
import pytest

from crm.letters.render import render_html, render_letter
from crm.letters.samples import AS_OF, arrears_rows, sample_context
from crm.letters.template_context import ARREARS_ATTACHMENT, LETTER_TYPES, LETTERS_DIR
from tests.support.pdf import page_texts

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
TOLERANCE = 0.5  # pt: glyph boxes round


def page_margins() -> dict[str, list[float]]:
    """The @page and @page :first margins (top, right, bottom, left, in pt) of print.css."""
    css = (LETTERS_DIR / "print.css").read_text(encoding="utf-8")
    rule = re.search(r"@page\s*\{[^@]*?margin:\s*([^;]+);", css).group(1)
    margins = [float(v.removesuffix("mm")) * MM for v in rule.split()]
    first = re.search(r"@page :first\s*\{[^@]*?margin-top:\s*([\d.]+)mm", css).group(1)
    return {"other": margins, "first": [float(first) * MM, *margins[1:]]}


def stressed(letter_type: str) -> dict:
    """The sample letter with 24 months of arrears of about Rp 999.999.999.999 each."""
    ctx = sample_context(letter_type)
    ctx["arrears"] = arrears_rows(date(2024, 11, 1), 24, 999_999_624_999, {3: 1}, AS_OF)
    return ctx


def chars_outside(pdf: bytes) -> list[str]:
    """Characters past the left or right margin, or off the page, as `page: char @ x0`."""
    margins = page_margins()
    outside = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages, 1):
            assert (page.width, page.height) == pytest.approx(A4, abs=1)
            _top, right, _bottom, left = margins["first" if number == 1 else "other"]
            for char in page.chars:
                inside = (
                    char["x0"] >= left - TOLERANCE
                    and char["x1"] <= page.width - right + TOLERANCE
                    and char["top"] >= 0
                    and char["bottom"] <= page.height
                )
                if not inside and char["text"].strip():
                    outside.append(f"{number}: {char['text']!r} @ {char['x0']:.1f}")
    return outside


def last_body_words(html: str) -> str:
    """The last words of the body's last paragraph (or list item) before the signature."""
    body = html.split('<div class="ending">')[0]
    block = re.findall(r"<(?:p|li)[^>]*>(.*?)</(?:p|li)>", body, flags=re.S)[-1]
    words = unescape(re.sub(r"<[^>]+>", " ", block)).split()
    return " ".join(words[-4:])


@pytest.mark.parametrize("letter_type", sorted(LETTER_TYPES))
def test_every_character_lies_inside_the_text_box_with_24_months_near_a_trillion(letter_type):
    pdf = render_letter(stressed(letter_type))
    assert chars_outside(pdf) == []


@pytest.mark.parametrize("letter_type", sorted(LETTER_TYPES))
@pytest.mark.parametrize("make", [sample_context, stressed], ids=["sample", "stressed"])
def test_the_signature_is_on_the_page_of_the_last_body_paragraph(letter_type, make):
    ctx = make(letter_type)
    pages = [p for p in page_texts(render_letter(ctx)) if "Lampiran Surat Nomor" not in p]
    pages = [p.replace("- ", "-") for p in pages]  # a line broken after a hyphen
    signed = [i for i, page in enumerate(pages) if ctx["letterhead"]["signatory_name"] in page]
    last = last_body_words(render_html(ctx))
    holding = [i for i, page in enumerate(pages) if last in page]
    assert signed and holding, (last, pages)
    assert signed[-1] == holding[-1]
    tembusan = ctx["letterhead"]["tembusan"][-1]
    assert tembusan in pages[signed[-1]]  # the tembusan stays with the signature


@pytest.mark.parametrize("sentences", [8, 16, 24])
def test_a_body_that_ends_near_the_page_foot_takes_the_signature_with_it(sentences):
    """Bodies of these lengths once left the closing and signature alone on page 2."""
    ctx = sample_context("undangan")
    ctx["body"] = " ".join(["Kalimat pengisi untuk menguji pemisahan halaman surat."] * sentences)
    pages = [p.replace("- ", "-") for p in page_texts(render_letter(ctx))]
    last = last_body_words(render_html(ctx))
    signed = [i for i, p in enumerate(pages) if ctx["letterhead"]["signatory_name"] in p]
    holding = [i for i, p in enumerate(pages) if last in p]
    assert signed and signed[-1] == holding[-1]


def test_a_long_arrears_table_is_the_letters_attachment_on_a_page_of_its_own():
    ctx = stressed("teguran_1") | {"lampiran": "-"}
    pages = page_texts(render_letter(ctx))
    assert f"Lampiran : {ARREARS_ATTACHMENT}" in pages[0]
    attachment = [p for p in pages if "Lampiran Surat Nomor B/1289/112026" in p]
    assert len(attachment) == 1 and "Rincian Tunggakan Iuran" in attachment[0]
    assert "Oktober 2026" in attachment[0] and "November 2024" in attachment[0]
    assert "sebagaimana terlampir" in " ".join(pages)


@pytest.mark.parametrize("given", ["-", "", "1 (satu) berkas"])
def test_lampiran_is_a_dash_when_nothing_is_attached(given):
    ctx = sample_context("pemberitahuan") | {"lampiran": given}  # 3 months: in the body
    first = page_texts(render_letter(ctx))[0]
    assert "Lampiran : - Perihal" in first and "berkas" not in first


def test_an_enclosure_the_author_named_is_printed_as_written():
    ctx = sample_context("pengantar_mou")
    assert "Lampiran : 1 (satu) berkas naskah" in page_texts(render_letter(ctx))[0]
