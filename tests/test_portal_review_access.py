"""Review of the partner portal, access side: methods, redirects, download file names, the
version list and the bare /portal URL (see tests/test_portal_review.py for invitations)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.extensions import db as _db
from crm.partners.downloads import content_disposition
from crm.partners.portal_models import DownloadLog
from tests.conftest import PASSWORD as PASSWORD_DEMO
from tests.conftest import post_form
from tests.support.partners import add_document, partner_world


@pytest.fixture
def world(db):
    return partner_world()


def audit_actions(prefix: str) -> list[str]:
    return list(
        _db.session.scalars(
            select(AuditLog.action).where(AuditLog.action.like(f"{prefix}%")).order_by(AuditLog.id)
        )
    )


# -- methods, redirects and file names ------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writes_to_portal_urls_change_nothing(client, login_as, world, method):
    k = world.kemendagri
    login_as(k.partner)
    for url in (f"/portal/documents/{k.documents['annex'].id}", f"/portal/agreements/{k.mou.id}"):
        resp = client.open(url, method=method, data={"csrf_token": "x"})
        assert resp.status_code in (400, 404, 405), (url, resp.status_code)
    assert audit_actions("agreement") == []

    assert _db.session.scalar(select(func.count(DownloadLog.id))) == 0


def test_options_does_not_tell_own_from_foreign_ids(client, login_as, world):
    k, b = world.kemendagri, world.bgn
    login_as(k.partner)
    own = client.options(f"/portal/documents/{k.documents['annex'].id}")
    foreign = client.options(f"/portal/documents/{b.documents['annex'].id}")
    assert own.status_code == foreign.status_code
    assert own.headers.get("Allow") == foreign.headers.get("Allow")
    assert own.get_data() == foreign.get_data() == b""


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "\t//evil.example"],
)
def test_login_next_never_leaves_the_site_for_a_partner(client, world, target):
    k = world.kemendagri
    resp = post_form(
        client, "/login", {"email": k.partner.email, "password": PASSWORD_DEMO, "next": target}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").headers["Location"].endswith("/portal/")


@pytest.mark.parametrize(
    ("stored", "fallback", "exact"),
    [
        ("..\\..\\rahasia.pdf", "rahasia.pdf", "rahasia.pdf"),  # no folders in either form
        ("a/b/Naskah.PDF", "Naskah.pdf", "Naskah.pdf"),
        ("Naskah\x00final.pdf", "Naskahfinal.pdf", "Naskahfinal.pdf"),  # no %00 in filename*
        ("Naskah\u202efdp.exe", "Naskahfdp.exe.pdf", "Naskahfdp.exe.pdf"),  # always .pdf
        ("файл.pdf", "dokumen.pdf", "%D1%84%D0%B0%D0%B9%D0%BB.pdf"),  # not `pdf.pdf`
        ("Nota – final.pdf", "Nota - final.pdf", "Nota%20%E2%80%93%20final.pdf"),
        ("", "dokumen.pdf", "dokumen.pdf"),  # never an empty filename*
        ('a"b;c\r\nX: y.pdf', "a_b_cX_ y.pdf", "a%22b%3BcX%3A%20y.pdf"),
    ],
)
def test_content_disposition_is_safe_in_both_forms(stored, fallback, exact):
    value = content_disposition(stored)
    assert value == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
    assert all(32 <= ord(c) < 127 for c in value)


def test_download_of_an_odd_name_is_served_with_safe_headers(client, login_as, world):
    k = world.kemendagri
    doc = add_document(k.mou, kind="annex", title="Lampiran aneh", filename='x";\r\n.pdf')
    _db.session.commit()
    login_as(k.partner)
    resp = client.get(f"/portal/documents/{doc.id}")
    assert resp.status_code == 200 and resp.data[:5] == b"%PDF-"
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"x.pdf\"; filename*=UTF-8''x%22%3B.pdf"
    )
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "private, no-store"


def test_older_versions_keep_the_order_of_the_current_list(client, login_as, world):
    """The signed text first in both views (the version list sorted kinds alphabetically,
    putting the annex and guideline above the signed MoU)."""
    k = world.kemendagri
    add_document(k.mou, kind="guideline", title="Juknis MoU", filename="Juknis_MoU.pdf")
    _db.session.commit()
    login_as(k.partner)
    current = client.get(f"/portal/agreements/{k.mou.id}").get_data(as_text=True)
    versions = client.get(f"/portal/agreements/{k.mou.id}?versions=1").get_data(as_text=True)
    titles = re.compile(r'aria-label="Unduh PDF ([^"]+)"')
    assert titles.findall(current) == [
        "Naskah MoU versi 2",
        "Lampiran I versi 1",
        "Juknis MoU versi 1",
    ]
    assert titles.findall(versions) == [
        "Naskah MoU versi 2",
        "Naskah MoU versi 1",
        "Lampiran I versi 1",
        "Juknis MoU versi 1",
    ]


def test_portal_without_its_trailing_slash_redirects_a_partner(client, login_as, world):
    """`/portal` typed by hand was a 404 and a `portal.denied` audit row for partners."""
    k = world.kemendagri
    login_as(k.partner)
    resp = client.get("/portal")
    assert resp.status_code == 308 and resp.headers["Location"].endswith("/portal/")
    assert client.get("/portal", follow_redirects=True).status_code == 200
    # A CRM URL redirected the same way still ends at the fence's 403.
    assert client.get("/agreements", follow_redirects=True).status_code == 403
    assert audit_actions("portal.denied") == []


def test_list_names_the_numbers_from_the_partners_side(client, login_as, world):
    """`Nomor kami` (our number) on the partner's own portal read as the partner's number;
    the list now uses the agreement page's words."""
    k = world.kemendagri
    login_as(k.partner)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Nomor kami" not in page and "Nomor BPJS Ketenagakerjaan" in page
    assert "Nomor institusi Anda" in page


def test_guessed_urls_cannot_forge_log_lines(client, login_as, world, caplog):
    k, b = world.kemendagri, world.bgn
    login_as(k.partner)
    forged = "%0A2026-11-30 WARNING partner user 1 refused nothing"
    assert client.get(f"/portal/x{forged}").status_code == 404
    assert client.get(f"/agreements/{b.mou.id}{forged}").status_code in (403, 404)
    assert client.get(f"/accounts/{b.account.id}/x{forged}").status_code in (403, 404)
    messages = [r.getMessage() for r in caplog.records if "partner user" in r.getMessage()]
    assert len(messages) >= 2
    assert all("\n" not in m and "\r" not in m for m in messages)
    assert any("\\n2026-11-30" in m for m in messages)
