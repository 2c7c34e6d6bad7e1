"""The letterhead logo upload on /admin/letterhead: PNG or JPEG judged by content, size and
dimension limits, removal back to the placeholder, admin only, audited, and the uploaded
logo printed on letters (inline, as the renderer fetches no other files)."""

from __future__ import annotations

import hashlib
import os
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from crm import storage
from crm.audit import AuditLog
from crm.letters.context import PLACEHOLDER_LOGO, letterhead_context
from crm.letters.models import LetterheadSetting
from crm.letters.render import render_letter
from crm.letters.samples import sample_context
from tests.conftest import csrf_token, post_form
from tests.factories import UserFactory

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<rect width="10" height="10"/></svg>'
)


def picture(kind: str = "PNG", size: tuple[int, int] = (120, 60), noise: bool = False) -> bytes:
    if noise:  # random pixels do not compress: a file of about 3 bytes per pixel
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    out = BytesIO()
    image.save(out, kind)
    return out.getvalue()


def upload(client, data: bytes, filename: str = "logo.png"):
    form = {"csrf_token": csrf_token(client), "logo": (BytesIO(data), filename)}
    return client.post("/admin/letterhead/logo", data=form, content_type="multipart/form-data")


def image_count(pdf: bytes) -> int:
    """Raster images drawn on the first page, also inside form XObjects (SVG, nested)."""

    def count(resources) -> int:
        found = 0
        xobjects = (resources or {}).get("/XObject") or {}
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                found += 1
            elif obj.get("/Subtype") == "/Form":
                found += count(obj.get("/Resources"))
        return found

    return count(PdfReader(BytesIO(pdf)).pages[0]["/Resources"])


def teguran_pdf() -> bytes:
    return render_letter(sample_context("teguran_1", letterhead=letterhead_context()))


@pytest.fixture
def admin(db, login_as):
    return login_as(UserFactory(role="admin"))


def head() -> LetterheadSetting:
    from crm.extensions import db

    row = db.session.get(LetterheadSetting, 1)
    db.session.refresh(row)
    return row


def test_an_uploaded_png_prints_on_letters_instead_of_the_placeholder(db, client, admin):
    placeholder_pdf = teguran_pdf()
    png = picture("PNG")
    resp = upload(client, png)
    assert resp.status_code == 302 and resp.location.endswith("/admin/letterhead")
    key = hashlib.sha256(png).hexdigest()
    assert head().logo_key == key and storage.read_bytes(key) == png
    logo = letterhead_context()["logo"]
    assert logo.startswith("data:image/png;base64,")
    with_logo = teguran_pdf()
    assert image_count(with_logo) == 1 and image_count(placeholder_pdf) == 0
    assert with_logo != placeholder_pdf
    row = AuditLog.query.filter_by(action="letterhead.logo_upload").one()
    assert (row.before, row.after) == ({"logo_key": ""}, {"logo_key": key})
    assert row.actor_id == admin.id


def test_a_jpeg_is_accepted_and_passed_as_a_jpeg_data_uri(db, client, admin):
    jpeg = picture("JPEG")
    assert upload(client, jpeg, "logo.jpg").status_code == 302
    assert head().logo_key == hashlib.sha256(jpeg).hexdigest()
    assert letterhead_context()["logo"].startswith("data:image/jpeg;base64,")
    assert image_count(teguran_pdf()) == 1


def test_the_admin_page_shows_the_current_logo_and_the_preview_link(db, client, admin):
    html = client.get("/admin/letterhead").get_data(as_text=True)
    assert "logo bawaan" in html and "/letters/preview/teguran_1.pdf" in html
    assert "Hapus logo" not in html
    assert client.get("/admin/letterhead/logo").status_code == 404
    png = picture("PNG")
    upload(client, png)
    html = client.get("/admin/letterhead").get_data(as_text=True)
    assert "/admin/letterhead/logo?v=" in html and "Hapus logo" in html
    assert 'data-confirm="Hapus logo' in html
    served = client.get("/admin/letterhead/logo")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png


TOO_BIG = "Logo paling besar 1 MB"
NOT_AN_IMAGE = "bukan gambar PNG atau JPEG"


@pytest.mark.parametrize(
    ("make", "filename", "message"),
    [
        (lambda: SVG, "logo.svg", NOT_AN_IMAGE),
        (lambda: SVG, "logo.png", NOT_AN_IMAGE),
        (lambda: b"Kantor Wilayah\nbukan gambar\n" * 20, "logo.png", NOT_AN_IMAGE),
        (lambda: picture("GIF"), "logo.png", NOT_AN_IMAGE),
        (lambda: picture("PNG", noise=True)[:-400], "logo.png", "Gambar rusak"),
        (lambda: picture("JPEG", (300, 300), noise=True)[:-3000], "logo.jpg", "Gambar rusak"),
        (lambda: picture("PNG", (700, 700), noise=True), "logo.png", TOO_BIG),
        (lambda: picture("PNG", (2001, 20)), "logo.png", "2000×2000 piksel; file ini 2001×20"),
        (lambda: b"", "logo.png", "Pilih file logo PNG atau JPEG."),
    ],
    ids=["svg", "svg-named-png", "text-named-png", "gif", "truncated-png", "truncated-jpeg",
         "over-1mb", "over-2000px", "empty"],
)  # fmt: skip
def test_anything_but_a_sound_small_png_or_jpeg_is_refused(
    db, client, admin, make, filename, message
):
    before = head().logo_key
    resp = upload(client, make(), filename)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html
    assert 'class="field has-error"' in html  # the message sits next to the file field
    assert head().logo_key == before
    assert AuditLog.query.filter(AuditLog.action.like("letterhead.logo%")).count() == 0
    assert letterhead_context()["logo"] == PLACEHOLDER_LOGO


def test_a_huge_body_is_refused_before_it_is_read(db, client, admin):
    resp = upload(client, b"\x89PNG" + b"0" * (4 * 1024 * 1024))
    assert resp.status_code == 413
    assert head().logo_key == ""


def test_removing_the_logo_goes_back_to_the_placeholder_and_is_audited(db, client, admin):
    png = picture("PNG")
    upload(client, png)
    assert post_form(client, "/admin/letterhead/logo/remove", {"csrf_token": ""}).status_code == 400
    assert head().logo_key
    resp = post_form(client, "/admin/letterhead/logo/remove")
    assert resp.status_code == 302
    assert head().logo_key == ""
    assert letterhead_context()["logo"] == PLACEHOLDER_LOGO
    assert image_count(teguran_pdf()) == 0
    logo_rows = AuditLog.query.filter(AuditLog.action.like("letterhead.logo%"))
    actions = [r.action for r in logo_rows.order_by(AuditLog.id)]
    assert actions == ["letterhead.logo_upload", "letterhead.logo_remove"]
    removed = AuditLog.query.filter_by(action="letterhead.logo_remove").one()
    assert removed.after == {"logo_key": ""}
    assert removed.before == {"logo_key": hashlib.sha256(png).hexdigest()}


def test_a_logo_whose_file_is_gone_prints_the_placeholder(db, client, admin):
    row = head()
    row.logo_key = "0" * 64
    db.session.flush()
    assert letterhead_context()["logo"] == PLACEHOLDER_LOGO


@pytest.mark.parametrize("role", ["rm", "supervisor", "partner"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/letterhead/logo"),
        ("post", "/admin/letterhead/logo"),
        ("post", "/admin/letterhead/logo/remove"),
    ],
)
def test_only_admins_touch_the_logo(db, client, login_as, role, method, url):
    login_as(UserFactory(role=role))
    if method == "get":
        resp = client.get(url)
    else:
        resp = post_form(client, url, {"logo": (BytesIO(picture()), "logo.png")})
    assert resp.status_code == 403
    assert head().logo_key == ""
