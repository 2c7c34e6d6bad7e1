"""The partner portal pages: an institution's shared agreements, current documents, older
versions on request and the implementation summary, without internal fields."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import BranchFactory, InstitutionFactory, UserFactory
from tests.support.db import count_statements
from tests.support.partners import (
    add_document,
    add_report,
    cover_branches,
    make_agreement,
    partner_world,
)


@pytest.fixture
def world(db):
    return partner_world()


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_partner_sees_own_shared_agreements_only(client, login_as, world):
    login_as(world.kemendagri.partner)
    resp = client.get("/portal/")
    assert resp.status_code == 200
    body = text(resp)
    assert world.kemendagri.mou.title in body
    assert world.kemendagri.pks.title in body
    assert "NK/KEMENDAGRI/001" in body and "KEMENDAGRI-PN-001" in body  # both numbers
    assert world.kemendagri.draft.title not in body  # drafts are internal work
    for secret in world.bgn.secrets:
        assert secret not in body
    assert "private, no-store" in resp.headers["Cache-Control"]


def test_partner_home_and_login_land_on_the_portal(client, auth, world):
    resp = auth.login(world.kemendagri.partner.email)
    assert resp.headers["Location"] == "/"
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/")


def test_agreement_page_shows_facts_and_current_documents_not_internal_fields(
    client, login_as, world
):
    k = world.kemendagri
    login_as(k.partner)
    resp = client.get(f"/portal/agreements/{k.mou.id}")
    assert resp.status_code == 200
    body = text(resp)
    for shown in (k.mou.title, "NK/KEMENDAGRI/001", "KEMENDAGRI-PN-001", k.mou.scope):
        assert shown in body
    assert "Catatan internal" not in body  # internal_notes
    # Only the newest version of the signed MoU, and the annex, each with a download link.
    assert f"/portal/documents/{k.documents['signed_v2'].id}" in body
    assert f"/portal/documents/{k.documents['signed_v1'].id}" not in body
    assert f"/portal/documents/{k.documents['annex'].id}" in body
    assert "versi 2" in body


def test_older_versions_on_request(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    body = text(client.get(f"/portal/agreements/{k.mou.id}?versions=1"))
    assert f"/portal/documents/{k.documents['signed_v1'].id}" in body
    assert f"/portal/documents/{k.documents['signed_v2'].id}" in body
    assert "MoU_KEMENDAGRI_v1.pdf" in body
    assert body.index("MoU_KEMENDAGRI_v2.pdf") < body.index("MoU_KEMENDAGRI_v1.pdf")


def test_pks_page_lists_guideline_but_never_evidence(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    for url in (f"/portal/agreements/{k.pks.id}", f"/portal/agreements/{k.pks.id}?versions=1"):
        body = text(client.get(url))
        assert f"/portal/documents/{k.documents['guideline'].id}" in body
        assert f"/portal/documents/{k.documents['evidence'].id}" not in body
        assert "Bukti_KEMENDAGRI.pdf" not in body and "Bukti sosialisasi" not in body


def test_implementation_summary_shows_latest_status_and_workers_without_notes(
    client, login_as, world
):
    k = world.kemendagri
    second = BranchFactory(name="Kantor Cabang Bandung Uji")
    quiet = BranchFactory(name="Kantor Cabang Bogor Uji")
    cover_branches(k.pks, second, quiet)
    add_report(k.pks, second, status="socialized", workers=10, period_start=date(2026, 9, 1))
    add_report(
        k.pks,
        quarterly := BranchFactory(name="Kantor Cabang Depok Uji"),
        status="implemented",
        period_kind="quarter",
        period_start=date(2026, 7, 1),
    )
    cover_branches(k.pks, quarterly)
    add_report(
        k.pks,
        second,
        status="implemented",
        workers=2500,
        period_start=date(2026, 10, 1),
        notes="Catatan Bandung internal",
    )
    login_as(k.partner)
    body = text(client.get(f"/portal/agreements/{k.pks.id}"))
    assert "Kantor Cabang Bandung Uji" in body and "Terlaksana" in body
    assert "2.500 pekerja" in body and "1.234 pekerja" in body  # the latest of each branch
    assert "Sosialisasi" not in body  # an older period
    assert "Kantor Cabang Bogor Uji" in body and "Belum ada laporan" in body
    assert "Total pekerja terlindungi: 3.734" in body
    assert "Laporan terakhir: Oktober 2026" in body and "Laporan terakhir: Triwulan 3 2026" in body
    for internal in ("Catatan cabang", "Catatan Bandung", "Alasan kendala"):
        assert internal not in body


def test_agreement_page_queries_do_not_grow_with_documents_or_branches(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    url = f"/portal/agreements/{k.pks.id}?versions=1"
    before = count_statements(lambda: client.get(url))
    for i in range(8):
        branch = BranchFactory()
        cover_branches(k.pks, branch)
        add_report(k.pks, branch, status="in_progress", workers=i)
        add_document(k.pks, kind="annex", title=f"Lampiran {i}")
        add_document(k.pks, kind="annex", title=f"Lampiran {i}", version=2)
    after = count_statements(lambda: client.get(url))
    assert after == before


def test_index_paginates(app, client, login_as, monkeypatch, db):
    account = InstitutionFactory()
    partner = UserFactory(role="partner", account=account)
    for i in range(5):
        make_agreement(account, title=f"Perjanjian nomor {i}", valid_to=date(2029, 1, 1 + i))
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login_as(partner)
    first = text(client.get("/portal/"))
    assert "Perjanjian nomor 4" in first and "Perjanjian nomor 2" not in first
    cursor = first.split("after=")[1].split('"')[0]
    second = text(client.get(f"/portal/?after={cursor}"))
    assert "Perjanjian nomor 2" in second and "Perjanjian nomor 4" not in second
    assert client.get("/portal/?after=bm90LWEtY3Vyc29y").status_code == 200  # tampered: page 1


def test_empty_portal_says_so(client, login_as, db):
    partner = UserFactory(role="partner")
    login_as(partner)
    body = text(client.get("/portal/"))
    assert "Belum ada dokumen MoU/PKS yang dibagikan" in body


@pytest.mark.parametrize("role", ["rm", "supervisor", "admin"])
def test_staff_get_403_in_the_portal(client, login_as, world, role):
    login_as(UserFactory(role=role))
    assert client.get("/portal/").status_code == 403
    assert client.get(f"/portal/agreements/{world.kemendagri.mou.id}").status_code == 403
    doc = world.kemendagri.documents["signed_v2"]
    assert client.get(f"/portal/documents/{doc.id}").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get(f"/portal/agreements/{world.kemendagri.mou.id}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_partner_page_links_to_its_css_and_has_no_inline_styles(client, login_as, world):
    login_as(world.kemendagri.partner)
    body = text(client.get(f"/portal/agreements/{world.kemendagri.pks.id}"))
    assert "css/portal.css" in body
    assert "style=" not in body and "<script>" not in body


def test_mou_page_lists_its_shared_pks_and_points_to_them_for_reports(client, login_as, world):
    k = world.kemendagri
    cover_branches(k.mou, world.branch)
    login_as(k.partner)
    body = text(client.get(f"/portal/agreements/{k.mou.id}"))
    assert f"/portal/agreements/{k.pks.id}" in body and k.pks.title in body
    assert k.draft.title not in body  # the draft PKS stays internal
    assert "Pelaksanaan dilaporkan pada masing-masing PKS/TKS di atas." in body
    assert "Kantor Cabang Jakarta Menara" in body


def test_pks_without_branches_or_reports_says_so(client, login_as, db):
    partner = UserFactory(role="partner")
    pks = make_agreement(partner.account, kind="pks")
    login_as(partner)
    body = text(client.get(f"/portal/agreements/{pks.id}"))
    assert "Belum ada kantor cabang yang ditetapkan" in body
    assert "Belum ada dokumen untuk perjanjian ini." in body
    cover_branches(pks, BranchFactory(name="Kantor Cabang Sepi"))
    body = text(client.get(f"/portal/agreements/{pks.id}"))
    assert "Belum ada laporan pelaksanaan dari kantor cabang." in body
    assert "Kantor Cabang Sepi" in body


def test_index_queries_do_not_grow_with_agreements(client, login_as, world):
    k = world.kemendagri
    login_as(k.partner)
    before = count_statements(lambda: client.get("/portal/"))
    for i in range(10):
        make_agreement(k.account, kind="pks", parent=k.mou, title=f"PKS tambahan {i}")
    after = count_statements(lambda: client.get("/portal/"))
    assert after == before
