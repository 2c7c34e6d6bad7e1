"""Vendor-list import: dry run with per-row errors, all or nothing, matching by NPP and
NPWP, conversion of prospects, updates instead of duplicates, the job for large files."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from crm.audit import AuditLog
from crm.imports.runs import run_import
from crm.imports.tickets import read_ticket, sign_ticket
from crm.jobs.models import BackgroundJob
from crm.supply_chain.models import SupplyChainEvent, SupplyChainLink
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.imports import ticket_for
from tests.support.queue import work
from tests.support.supply_chain import (
    confirm,
    count,
    parent_with_rm,
    prospect,
    to_csv,
    upload,
    vendor_row,
)


def links(db, parent) -> dict[str, SupplyChainLink]:
    rows = db.session.scalars(
        select(SupplyChainLink)
        .where(SupplyChainLink.parent_id == parent.id)
        .execution_options(populate_existing=True)
    )
    return {link.name: link for link in rows}


def test_bad_rows_are_refused_with_reasons_then_the_fixed_file_imports(db, client, login_as):
    parent = parent_with_rm()
    AccountFactory(npp="12345678", npwp="0111111111111111", name="PT Terdaftar")
    login_as(parent.rm)
    rows = [
        vendor_row("PT Terdaftar", npp="12345678", perkiraan_pekerja="150"),
        vendor_row("PT Prospek Satu", npwp="02.222.222.2-222.222", perkiraan_pekerja="80"),
        vendor_row("", npwp="033333333333333"),  # no name
        vendor_row("PT NPWP Salah", npwp="123"),
        vendor_row("PT NPP Asing", npp="99999999"),
        vendor_row("PT Dobel", npwp="022222222222222"),  # same NPWP as line 3
        vendor_row("PT Pekerja", perkiraan_pekerja="banyak"),
    ]
    resp = upload(client, parent.id, to_csv(rows))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "5 baris bermasalah" in html
    for reason in ("Nama vendor wajib diisi", "15 atau 16 digit", "NPP 99999999 tidak terdaftar"):
        assert reason in html
    assert "sudah ada di baris 3" in html and "bilangan bulat" in html
    assert 'name="ticket"' not in html  # nothing to confirm
    assert count(SupplyChainLink) == 0

    fixed = [rows[0], rows[1], vendor_row("PT Pekerja", perkiraan_pekerja="1.200")]
    html = upload(client, parent.id, to_csv(fixed)).get_data(as_text=True)
    assert "Semua baris valid" in html
    resp = confirm(client, parent.id, html)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/supply-chain/{parent.id}"
    )
    found = links(db, parent)
    assert set(found) == {"PT Terdaftar", "PT Prospek Satu", "PT Pekerja"}
    assert found["PT Terdaftar"].campaign_status == "registered"
    assert found["PT Terdaftar"].vendor.npp == "12345678"
    assert found["PT Prospek Satu"].npwp == "0022222222222222"
    assert found["PT Pekerja"].estimated_workers == 1200
    assert count(AuditLog, AuditLog.action == "supply_chain.import") == 1
    assert count(SupplyChainEvent, SupplyChainEvent.kind == "imported") == 3


def test_matching_by_npwp_converts_a_prospect_and_reimport_updates(db, client, login_as):
    parent = parent_with_rm()
    link = prospect(parent, "PT Calon", npwp="0444444444444444", workers=10)
    AccountFactory(npp="44444444", npwp="0444444444444444", name="PT Calon Tbk", headcount=70)
    AccountFactory(npwp="0555555555555555", name="PT Tanpa NPP")
    login_as(parent.rm)
    rows = [
        vendor_row("PT Calon", npwp="0444444444444444", kontak="Pak Budi"),
        vendor_row("PT Tanpa NPP", npwp="0555555555555555"),
        vendor_row("PT Baru Nama"),
    ]
    html = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert "belum ber-NPP" in html  # a warning, not an error
    assert confirm(client, parent.id, html).status_code == 302
    found = links(db, parent)
    calon = found["PT Calon"]
    assert calon.id == link.id and calon.campaign_status == "registered"  # same row: history
    assert calon.vendor.npp == "44444444" and calon.contact_name == "Pak Budi"
    assert calon.estimated_workers == 10  # an empty cell keeps what is stored
    kinds = db.session.scalars(
        select(SupplyChainEvent.kind).where(SupplyChainEvent.link_id == link.id)
    ).all()
    assert kinds == ["imported", "registered"]
    assert found["PT Tanpa NPP"].vendor_account_id is None
    # The same file again: every vendor is updated, none duplicated.
    html = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert confirm(client, parent.id, html).status_code == 302
    assert count(SupplyChainLink, SupplyChainLink.parent_id == parent.id) == 3


def test_xlsx_with_english_headers(db, client, login_as):
    parent = parent_with_rm()
    login_as(parent.rm)
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "npwp", "estimated_workers", "contract"])
    sheet.append(["PT Excel", "066666666666666", 45, "Katering"])
    out = io.BytesIO()
    book.save(out)
    html = upload(client, parent.id, out.getvalue(), "vendor.xlsx").get_data(as_text=True)
    assert "Semua baris valid" in html, html
    confirm(client, parent.id, html)
    assert links(db, parent)["PT Excel"].contract == "Katering"


def test_unreadable_files_get_a_clear_message(db, client, login_as):
    parent = parent_with_rm()
    login_as(parent.rm)
    resp = upload(client, parent.id, b"%PDF-1.4", "vendor.pdf")
    assert resp.status_code == 400 and ".csv" in resp.get_data(as_text=True)
    resp = upload(client, parent.id, b"kota,alamat\nx,y\n")
    assert resp.status_code == 400 and "nama" in resp.get_data(as_text=True)


def test_a_row_that_became_invalid_rejects_the_whole_file(db, client, login_as):
    parent = parent_with_rm()
    login_as(parent.rm)
    rows = [vendor_row("PT Satu"), vendor_row("PT Dua", npwp="0777777777777777")]
    html = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    AccountFactory(npp="77777777", npwp="0777777777777777")
    other = prospect(parent, "PT Sudah Pakai", npwp="0777777777777777")
    # Linked meanwhile to a different account than the NPWP's: the row conflicts now.
    other.vendor_account_id = AccountFactory(npp="78787878").id
    db.session.flush()
    resp = confirm(client, parent.id, html)
    assert resp.status_code == 200 and "Data berubah sejak pratinjau" in resp.get_data(as_text=True)
    assert count(SupplyChainLink, SupplyChainLink.name == "PT Satu") == 0


def test_a_ticket_writes_once_and_only_for_its_user_and_parent(db, client, login_as):
    parent = parent_with_rm()
    me = login_as(parent.rm)
    ticket = ticket_for("vendors", to_csv([vendor_row("PT Sekali")]), 1, me, parent, "v.csv")
    first = run_import(ticket, me)
    again = run_import(ticket, me)
    assert (first.created, again.already) == (1, True)
    assert count(SupplyChainLink, SupplyChainLink.parent_id == parent.id) == 1
    token = sign_ticket(ticket)
    other = AccountFactory()
    assert read_ticket(token, me, "vendors", parent) is not None
    assert read_ticket(token, me, "vendors", other) is None
    assert read_ticket(token, UserFactory(role="rm"), "vendors", parent) is None
    resp = post_form(client, f"/supply-chain/{parent.id}/import/confirm", {"ticket": "palsu"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/import")


@pytest.mark.parametrize(("role", "status"), [("supervisor", 200), ("admin", 200), ("rm", 403)])
def test_import_page_and_templates_by_role(db, client, login_as, role, status):
    parent = parent_with_rm()
    login_as(UserFactory(role=role))
    assert client.get(f"/supply-chain/{parent.id}/import").status_code == status
    if status == 200:
        resp = client.get(f"/supply-chain/{parent.id}/import/template.xlsx")
        assert resp.status_code == 200 and resp.data[:2] == b"PK"
        csv_text = client.get(f"/supply-chain/{parent.id}/import/template.csv").get_data(True)
        csv_text = csv_text.lstrip("\ufeff")  # the BOM tells Excel it is UTF-8
        assert csv_text.startswith("nama,npwp,npp")
        assert client.get(f"/supply-chain/{parent.id}/import/template.pdf").status_code == 404


def test_a_large_import_runs_as_a_job(app, db, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_SYNC_MAX_ROWS", 5)
    parent = parent_with_rm()
    me = login_as(parent.rm)
    rows = [vendor_row(f"PT Massal {i:02d}", npwp=f"{i:015d}") for i in range(1, 13)]
    html = upload(client, parent.id, to_csv(rows)).get_data(as_text=True)
    assert "disimpan di latar belakang" in html
    resp = confirm(client, parent.id, html)
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert count(SupplyChainLink) == 0
    assert confirm(client, parent.id, html).headers["Location"].endswith(job_id)  # same job
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "done" and job.owner_id == me.id, job.error
    assert (job.result["created"], job.result["updated"]) == (12, 0)
    assert count(SupplyChainLink, SupplyChainLink.parent_id == parent.id) == 12


@pytest.fixture
def bench():
    import importlib.util
    import sys

    from crm.config import ROOT

    folder = str(ROOT / "bench")
    sys.path.insert(0, folder)  # the bench imports accounts_bench as a sibling
    spec = importlib.util.spec_from_file_location(
        "supply_chain_bench", ROOT / "bench" / "supply_chain_bench.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
    sys.path.remove(folder)


def test_the_benchmark_still_measures_every_case(db, app, bench):
    supervisor, rm, parent_id = bench.build(40)
    results = bench.base.time_cases(app, bench.cases(app, supervisor, rm, parent_id), 2, 1)
    results.append(bench.time_coverage(app, parent_id, 2))
    assert len(results) == 7 and all(r.p95_ms >= r.median_ms > 0 for r in results)
    out = bench.time_import(app, rm, 20)
    assert (out["created"], out["updated"], out["linked"]) == (20, 20, 20)
