"""/agreements/ pages: register and filters, new MoU/PKS with messages at the fields, edit,
status, renewal, permissions by role and owner, the account panel."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.compliance.services import today_local
from crm.extensions import db
from crm.partners.models import Agreement
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.support.agreements import make_team, mou, pks
from tests.support.db import count_statements


@pytest.fixture
def team(db):
    return make_team()


def form(team, **changes) -> dict:
    values = {
        "account_id": str(team.institution.id),
        "title": "MoU Perlindungan Pekerja Rentan",
        "scope": "Pendaftaran pekerja non-ASN",
        "our_number": "MOU/1/2026",
        "partner_number": "100/KMD/2026",
        "valid_from": "2026-01-01",
        "valid_to": "2028-12-31",
        "branch_ids": [str(team.branch_a.id), str(team.branch_b.id)],
    } | changes
    return values


def test_an_rm_creates_an_mou_then_a_pks_under_it(client, login_as, team):
    login_as(team.rm)
    resp = post_form(client, "/agreements/new", form(team))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    parent = db.session.scalar(select(Agreement))
    assert parent.kind == "mou" and parent.rm_id == team.rm.id and len(parent.branches) == 2
    page = client.get(f"/agreements/{parent.id}").get_data(as_text=True)
    assert "MoU Perlindungan Pekerja Rentan" in page and "100/KMD/2026" in page
    assert f"/agreements/new?parent={parent.id}" in page
    new_pks = client.get(f"/agreements/new?parent={parent.id}")
    assert new_pks.status_code == 200 and "PKS baru" in new_pks.get_data(as_text=True)
    resp = post_form(
        client,
        f"/agreements/new?parent={parent.id}",
        form(team, title="PKS Pemda", valid_from="2026-03-01", valid_to="2027-12-31"),
    )
    assert resp.status_code == 302
    child = db.session.scalar(select(Agreement).where(Agreement.kind == "pks"))
    assert child.parent_id == parent.id and child.account_id == parent.account_id


def test_bad_input_gets_messages_at_the_fields_and_stores_nothing(client, login_as, team):
    login_as(team.rm)
    resp = post_form(client, "/agreements/new", form(team, title="", valid_to="2025-01-01"))
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "Isi judul kerja sama." in page
    resp = post_form(client, "/agreements/new", form(team, valid_to="2025-01-01"))
    assert resp.status_code == 400
    assert "harus sesudah tanggal mulai" in resp.get_data(as_text=True)
    resp = post_form(client, "/agreements/new", form(team, valid_from="31-31-2026"))
    assert "Isi tanggal yang valid." in resp.get_data(as_text=True)
    resp = post_form(client, "/agreements/new", form(team, account_id=str(team.company.id)))
    assert resp.status_code == 400
    assert "kementerian, lembaga atau pemerintah daerah" in resp.get_data(as_text=True)
    resp = post_form(client, "/agreements/new", form(team, branch_ids=["x"]))
    assert resp.status_code == 400 and "Pilih kantor cabang dari daftar." in resp.get_data(
        as_text=True
    )
    resp = post_form(client, "/agreements/new", form(team, branch_ids=["999999"]))
    assert resp.status_code == 400 and "kantor cabang yang aktif" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == 0


def test_a_pks_outliving_its_mou_is_a_warning_with_a_confirmation(client, login_as, team):
    parent = mou(team, start=date(2026, 1, 1), days=365)
    login_as(team.rm)
    late = form(team, title="PKS Panjang", valid_from="2026-02-01", valid_to="2027-06-30")
    resp = post_form(client, f"/agreements/new?parent={parent.id}", late)
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "berakhir sesudah MoU-nya" in page and 'name="outlive_ok"' in page
    resp = post_form(client, f"/agreements/new?parent={parent.id}", late | {"outlive_ok": "y"})
    assert resp.status_code == 302
    child = db.session.scalar(select(Agreement).where(Agreement.kind == "pks"))
    detail = client.get(f"/agreements/{child.id}").get_data(as_text=True)
    assert "berakhir sesudah MoU-nya" in detail
    early = form(team, valid_from="2025-06-01", valid_to="2026-06-30")
    resp = post_form(client, f"/agreements/new?parent={parent.id}", early)
    assert resp.status_code == 400 and "PKS harus mulai dalam masa berlaku" in resp.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("who", "code"),
    [("supervisor", 200), ("admin", 200), ("rm", 200), ("other_rm", 403), ("branch_rm", 403)],
)
def test_edit_pages_by_role_and_owner(client, login_as, team, who, code):
    agreement = mou(team)
    login_as(getattr(team, who))
    assert client.get(f"/agreements/{agreement.id}").status_code == 200  # everyone internal sees
    assert client.get(f"/agreements/{agreement.id}/edit").status_code == code
    resp = post_form(client, f"/agreements/{agreement.id}/edit", form(team, title="Diubah"))
    assert resp.status_code == (302 if code == 200 else 403)
    resp = post_form(
        client,
        f"/agreements/{agreement.id}/status",
        {"status-to_status": "negotiation", "status-confirm": "y"},
    )
    assert resp.status_code == (302 if code == 200 else 403)
    assert client.get(f"/agreements/{agreement.id}/renew").status_code in (302, code)


def test_partner_users_get_no_agreement_page(client, login_as, team):
    agreement = mou(team)
    login_as(UserFactory(role="partner", account=team.institution))
    for url in ("/agreements/", f"/agreements/{agreement.id}", "/agreements/monitoring"):
        assert client.get(url).status_code in (403, 404)


def test_status_change_needs_the_confirmation_and_a_reason_to_terminate(client, login_as, team):
    agreement = mou(team)
    login_as(team.rm)
    url = f"/agreements/{agreement.id}/status"
    resp = post_form(client, url, {"status-to_status": "negotiation"})
    assert resp.status_code == 400 and "Centang untuk mengonfirmasi" in resp.get_data(as_text=True)
    resp = post_form(client, url, {"status-to_status": "terminated", "status-confirm": "y"})
    assert resp.status_code == 400 and "alasan pengakhiran" in resp.get_data(as_text=True)
    resp = post_form(
        client, url, {"status-to_status": "signed", "status-confirm": "y", "status-signed_on": ""}
    )
    assert resp.status_code == 400 and "tanggal penandatanganan" in resp.get_data(as_text=True)
    db.session.refresh(agreement)
    assert agreement.status == "draft"
    resp = post_form(
        client,
        url,
        {"status-to_status": "signed", "status-confirm": "y", "status-signed_on": "2026-01-05"},
    )
    assert resp.status_code == 302
    db.session.refresh(agreement)
    assert agreement.status == "signed" and agreement.signed_on == date(2026, 1, 5)


def test_renewal_through_the_page(client, login_as, team):
    old = mou(team, start=date(2024, 1, 1), days=1000, status="active")
    login_as(team.rm)
    page = client.get(f"/agreements/{old.id}/renew").get_data(as_text=True)
    start = old.valid_to + timedelta(days=1)
    assert start.isoformat() in page
    resp = post_form(
        client,
        f"/agreements/{old.id}/renew",
        form(
            team, valid_from=start.isoformat(), valid_to=(start + timedelta(days=700)).isoformat()
        ),
    )
    assert resp.status_code == 302
    new = db.session.scalar(select(Agreement).where(Agreement.renewed_from_id == old.id))
    db.session.refresh(old)
    assert old.status == "renewed" and new.status == "draft"
    assert f"/agreements/{new.id}" in client.get(f"/agreements/{old.id}").get_data(as_text=True)


def test_register_filters(client, login_as, team):
    today = today_local()
    soon = mou(
        team, title="MoU Segera", start=today - timedelta(days=300), days=340, status="active"
    )
    later = mou(team, title="MoU Lama", start=today - timedelta(days=30), days=900, status="active")
    past = mou(
        team, title="MoU Lewat", start=today - timedelta(days=900), days=800, status="signed"
    )
    child = pks(team, later, title="PKS Cabang B", branch_ids=[team.branch_b.id])
    login_as(team.other_rm)  # an RM sees every institutional agreement

    def titles(query: str) -> set[str]:
        page = client.get(f"/agreements/?{query}").get_data(as_text=True)
        return {a.title for a in (soon, later, past, child) if f">{a.title}</a>" in page}

    assert titles("") == {"MoU Segera", "MoU Lama", "MoU Lewat", "PKS Cabang B"}
    assert titles("status=expiring") == {"MoU Segera"}
    assert titles("status=expiring&days=30") == set()
    assert titles("status=expired") == {"MoU Lewat"}
    assert titles("status=active") == {"MoU Lama"}
    assert titles("kind=pks") == {"PKS Cabang B"}
    assert titles(f"branch={team.branch_b.id}&kind=pks") == {"PKS Cabang B"}
    assert titles(f"rm={team.rm.id}") == {"MoU Segera", "MoU Lama", "MoU Lewat", "PKS Cabang B"}
    assert titles(f"rm={team.other_rm.id}") == set()
    assert client.get("/agreements/?status=bogus&account=x&after=!!").status_code == 200


def test_register_pages_and_statements_do_not_grow(client, login_as, team, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    for i in range(7):
        mou(team, title=f"MoU Nomor {i}", start=date(2026, 1, 1) + timedelta(days=i))
    login_as(team.supervisor)
    first = client.get("/agreements/").get_data(as_text=True)
    assert "MoU Nomor 0" in first and "MoU Nomor 6" not in first and "after=" in first
    after = first.split("after=")[1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/agreements/?after={after}").get_data(as_text=True)
    assert "MoU Nomor 6" in second and "MoU Nomor 0" not in second
    few = count_statements(lambda: client.get("/agreements/"))
    for i in range(10):
        mou(team, title=f"MoU Tambahan {i}")
    assert count_statements(lambda: client.get("/agreements/")) == few


def test_account_panel_lists_agreements_of_an_institution(app, team):
    from flask import render_template_string
    from flask_login import login_user

    mou(team, title="MoU di Panel")
    panel = '{% include "agreements/_account_panel.html" %}'
    with app.test_request_context("/"):
        login_user(team.rm)
        page = render_template_string(panel, account=team.institution)
        assert "MoU di Panel" in page and f"/agreements/new?account={team.institution.id}" in page
        assert render_template_string(panel, account=team.company).strip() == ""
        login_user(team.other_rm)  # sees it, may not create for someone else's institution
        page = render_template_string(panel, account=team.institution)
        assert "MoU di Panel" in page and "/agreements/new?" not in page


def test_agreement_page_statements_do_not_grow_with_branches_documents_and_pks(
    client, login_as, team
):
    from crm.partners import documents
    from tests.factories import BranchFactory
    from tests.support.agreements import pdf_bytes

    def build(n: int):
        branches = [BranchFactory() for _ in range(n)]
        parent = mou(team, status="active", branch_ids=[b.id for b in branches])
        for i in range(n):
            pks(team, parent, title=f"PKS {i}", branch_ids=[branches[i].id])
            documents.add_document(parent, "annex", f"Lampiran {i}", pdf_bytes(), "a.pdf", team.rm)
        return parent

    small, large = build(2), build(6)
    login_as(team.supervisor)
    few = count_statements(lambda: client.get(f"/agreements/{small.id}"))
    assert count_statements(lambda: client.get(f"/agreements/{large.id}")) == few


def test_terminating_an_mou_warns_and_then_says_how_many_pks_ended(client, login_as, team):
    parent = mou(team, status="active")
    child = pks(team, parent, status="active")
    login_as(team.rm)
    page = client.get(f"/agreements/{parent.id}").get_data(as_text=True)
    assert "juga mengakhiri 1 PKS di bawahnya" in page
    resp = post_form(
        client,
        f"/agreements/{parent.id}/status",
        {"status-to_status": "terminated", "status-confirm": "y", "status-reason": "Berakhir"},
        follow_redirects=True,
    )
    assert "1 PKS di bawah MoU ini ikut diakhiri." in resp.get_data(as_text=True)
    db.session.refresh(child)
    assert child.status == "terminated"
