"""Document downloads through the app: headers, the download log, 404s that are logged, and
the RM's view of the log (the agreement page panel and the paginated log page)."""

from __future__ import annotations

import pytest
from flask import render_template
from sqlalchemy import select

from crm import storage
from crm.audit import AuditLog
from crm.extensions import db as _db
from crm.partners.downloads import content_disposition, log_download
from crm.partners.portal_models import DownloadLog
from tests.factories import UserFactory
from tests.support.db import count_statements
from tests.support.partners import add_document, partner_world, sample_pdf


@pytest.fixture
def world(db):
    return partner_world()


def log_rows(agreement_id: int) -> list[DownloadLog]:
    return list(
        _db.session.scalars(
            select(DownloadLog)
            .where(DownloadLog.agreement_id == agreement_id)
            .order_by(DownloadLog.id)
        )
    )


def denials() -> list[AuditLog]:
    return list(_db.session.scalars(select(AuditLog).where(AuditLog.action == "portal.denied")))


def test_download_is_an_attachment_with_safe_headers_and_is_logged(client, login_as, world):
    k = world.kemendagri
    doc = k.documents["signed_v2"]
    login_as(k.partner)
    resp = client.get(f"/portal/documents/{doc.id}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert resp.status_code == 200
    assert resp.data == storage.read_bytes(doc.storage_key)
    assert resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"MoU_KEMENDAGRI_v2.pdf\"; filename*=UTF-8''MoU_KEMENDAGRI_v2.pdf"
    )
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in resp.headers["Cache-Control"]
    assert "private" in resp.headers["Cache-Control"]
    [entry] = log_rows(k.mou.id)
    assert (entry.user_id, entry.document_id, entry.version) == (k.partner.id, doc.id, 2)
    assert entry.filename == "MoU_KEMENDAGRI_v2.pdf" and entry.ip == "203.0.113.9"
    assert entry.at is not None


def test_older_version_download_logs_its_version(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    assert client.get(f"/portal/documents/{k.documents['signed_v1'].id}").status_code == 200
    [entry] = log_rows(k.mou.id)
    assert entry.version == 1 and entry.filename == "MoU_KEMENDAGRI_v1.pdf"


def test_non_ascii_filename_uses_rfc5987(client, login_as, world):
    k = world.kemendagri
    doc = add_document(
        k.mou, kind="annex", title="Lampiran ü", filename="Perjanjian Kerja—Sama ü.pdf"
    )
    login_as(k.partner)
    resp = client.get(f"/portal/documents/{doc.id}")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Perjanjian Kerja-Sama u.pdf"')
    assert disposition.endswith("filename*=UTF-8''Perjanjian%20Kerja%E2%80%94Sama%20%C3%BC.pdf")


def test_content_disposition_never_breaks_the_header():
    value = content_disposition('a"b\r\nSet-Cookie: x.pdf')
    assert "\r" not in value and "\n" not in value
    assert value.startswith('attachment; filename="a_b')
    assert content_disposition("laporan").startswith('attachment; filename="laporan.pdf"')


@pytest.mark.parametrize(
    "which", ["bgn_signed", "bgn_old_version", "own_evidence", "own_draft", "missing"]
)
def test_guessed_documents_are_404_and_logged(client, login_as, world, which):
    k, b = world.kemendagri, world.bgn
    doc_id = {
        "bgn_signed": b.documents["signed_v2"].id,
        "bgn_old_version": b.documents["signed_v1"].id,
        "own_evidence": k.documents["evidence"].id,
        "own_draft": k.documents["draft_doc"].id,
        "missing": 987654321,
    }[which]
    login_as(k.partner)
    resp = client.get(f"/portal/documents/{doc_id}")
    assert resp.status_code == 404
    assert b"Badan Gizi" not in resp.data
    [denial] = denials()
    assert denial.actor_id == k.partner.id
    assert denial.summary == f"GET /portal/documents/{doc_id}"
    assert denial.after["reason"] == "document_not_visible"
    assert _db.session.scalar(select(DownloadLog.id)) is None


def test_lost_file_is_404_and_not_logged(client, login_as, world):
    k = world.kemendagri
    doc = add_document(k.mou, kind="annex", title="Hilang", data=sample_pdf("hilang-unik"))
    storage.discard(doc.storage_key)  # the store lost it
    login_as(k.partner)
    assert client.get(f"/portal/documents/{doc.id}").status_code == 404
    assert log_rows(k.mou.id) == []


def test_log_download_for_an_internal_user(world, db):
    rm = world.kemendagri.rm
    doc = world.kemendagri.documents["annex"]
    entry = log_download(doc, rm, "10.0.0.1")
    assert entry.id and entry.user_id == rm.id and entry.version == 1
    assert entry.agreement_id == world.kemendagri.mou.id and entry.ip == "10.0.0.1"


def test_rm_sees_the_full_log_paginated(app, client, login_as, world, monkeypatch):
    k = world.kemendagri
    for _ in range(3):
        log_download(k.documents["signed_v2"], k.partner, "198.51.100.7")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login_as(k.rm)
    resp = client.get(f"/agreements/{k.mou.id}/downloads")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert body.count("198.51.100.7") == 2 and "Mitra KEMENDAGRI" in body
    cursor = body.split("after=")[1].split('"')[0]
    second = client.get(f"/agreements/{k.mou.id}/downloads?after={cursor}").get_data(as_text=True)
    assert second.count("198.51.100.7") == 1
    bad = client.get(f"/agreements/{k.mou.id}/downloads?after=WyJ4IiwxXQ")
    assert bad.status_code == 200  # a tampered cursor is page 1, not an error


@pytest.mark.parametrize(
    ("who", "status"),
    [("own_rm", 200), ("supervisor", 200), ("admin", 200), ("other_rm", 403), ("partner", 403)],
)
def test_log_page_permissions(client, login_as, world, who, status):
    user = {
        "own_rm": world.kemendagri.rm,
        "supervisor": UserFactory(role="supervisor"),
        "admin": UserFactory(role="admin"),
        "other_rm": world.bgn.rm,
        "partner": world.kemendagri.partner,
    }[who]
    login_as(user)
    assert client.get(f"/agreements/{world.kemendagri.mou.id}/downloads").status_code == status
    assert client.get("/agreements/987654321/downloads").status_code in (403, 404)


def render_panel(app, user, agreement) -> str:
    from flask_login import login_user

    with app.test_request_context("/agreements/x"):
        login_user(user)
        return render_template("partners/_agreement_portal.html", agreement=agreement)


def test_agreement_panel_shows_latest_downloads_users_and_invite_button(app, world):
    from crm.partners.invitations import invite_partner

    k = world.kemendagri
    for i in range(12):
        log_download(k.documents["signed_v2"], k.partner, f"192.0.2.{i}")
    invite_partner(k.account, "baru@kemendagri.test", "Siti Baru", k.rm)
    html = render_panel(app, k.rm, k.mou)
    assert "192.0.2.11" in html and "192.0.2.1<" not in html  # the latest 10 only
    assert "Lihat seluruh log unduhan (12)" in html
    assert f"/agreements/{k.mou.id}/downloads" in html
    assert "Mitra KEMENDAGRI" in html and "partner@kemendagri.test" in html
    assert "baru@kemendagri.test" in html
    assert f"/accounts/{k.account.id}/partner-users" in html and "Undang pengguna mitra" in html


def test_agreement_panel_is_hidden_from_other_rms_and_bounded(app, world):
    k = world.kemendagri
    assert render_panel(app, world.bgn.rm, k.mou).strip() == ""
    log_download(k.documents["signed_v2"], k.partner, "192.0.2.1")
    few = count_statements(lambda: render_panel(app, k.rm, k.mou))
    for _ in range(20):
        log_download(k.documents["annex"], UserFactory(role="partner", account=k.account), "x")
    many = count_statements(lambda: render_panel(app, k.rm, k.mou))
    assert many == few


def test_head_request_is_not_a_download(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    resp = client.head(f"/portal/documents/{k.documents['annex'].id}")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    assert log_rows(k.mou.id) == []
