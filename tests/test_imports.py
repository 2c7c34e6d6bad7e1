"""The import pipeline: tickets, confirm once, jobs, old -> new preview, all or nothing."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from crm import storage
from crm.audit import AuditLog
from crm.compliance.models import ComplianceImport, CompliancePeriod
from crm.imports.runs import ImportRejected, run_import
from crm.imports.tickets import TICKET_SALT, sign_ticket
from crm.jobs.models import BackgroundJob
from crm.jobs.services import create_job
from crm.supply_chain.models import SupplyChainLink
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.compliance import HEADERS, row
from tests.support.imports import count, ticket_for, ticket_of, to_csv, upload
from tests.support.queue import work
from tests.support.supply_chain import parent_with_rm, prospect

PAGE = "/compliance/import"
CONFIRM = "/compliance/import/confirm"


def preview(client, rows: list[dict]) -> str:
    return upload(client, PAGE, to_csv(rows, HEADERS), "iuran.csv").get_data(as_text=True)


def flipped(token: str) -> str:
    """The token with one character of its payload changed."""
    i = 5
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def resigned(token: str) -> str:
    """The same payload signed with a key that is not the app's."""
    payload = URLSafeTimedSerializer("not-the-key", salt=TICKET_SALT)
    return payload.dumps(URLSafeTimedSerializer("x", salt=TICKET_SALT).loads_unsafe(token)[1])


@pytest.mark.parametrize("tamper", [flipped, resigned, lambda t: "", lambda t: "palsu"])
def test_a_tampered_ticket_is_refused_and_writes_nothing(db, client, login_as, tamper):
    AccountFactory(npp="30000001")
    login_as(UserFactory(role="supervisor"))
    token = ticket_of(preview(client, [row("30000001")]))
    resp = post_form(client, CONFIRM, {"ticket": tamper(token)}, follow_redirects=True)
    assert "Pratinjau ini tidak berlaku lagi." in resp.get_data(as_text=True)
    assert count(db, CompliancePeriod) == 0 and count(db, ComplianceImport) == 0


def test_a_ticket_is_refused_for_another_user_and_on_another_kinds_page(db, client, login_as):
    AccountFactory(npp="30000001")
    first = UserFactory(role="supervisor")
    data = to_csv([row("30000001")])
    theirs = sign_ticket(ticket_for("compliance", data, 1, first))
    login_as(UserFactory(role="supervisor"))
    resp = post_form(client, CONFIRM, {"ticket": theirs}, follow_redirects=True)
    assert "Pratinjau ini tidak berlaku lagi." in resp.get_data(as_text=True)
    mine = sign_ticket(ticket_for("compliance", data, 1, first))
    login_as(first)
    resp = post_form(client, "/accounts/import/confirm", {"ticket": mine}, follow_redirects=True)
    assert "Pratinjau ini tidak berlaku lagi." in resp.get_data(as_text=True)
    assert count(db, CompliancePeriod) == 0


def test_confirming_a_ticket_a_second_time_answers_already_saved(db, client, login_as):
    AccountFactory(npp="30000001")
    login_as(UserFactory(role="admin"))
    token = ticket_of(preview(client, [row("30000001")]))
    post_form(client, CONFIRM, {"ticket": token})
    again = post_form(client, CONFIRM, {"ticket": token}, follow_redirects=True)
    assert "Impor ini sudah disimpan sebelumnya." in again.get_data(as_text=True)
    assert count(db, CompliancePeriod) == 1 and count(db, ComplianceImport) == 1
    assert count(db, AuditLog, AuditLog.action == "compliance.import") == 1


def test_above_the_sync_limit_one_job_writes_the_file_and_its_follow_up(
    app, db, client, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_SYNC_MAX_ROWS", 2)
    for n in range(3):
        AccountFactory(npp=f"3000000{n}")
    login_as(UserFactory(role="supervisor"))
    token = ticket_of(preview(client, [row(f"3000000{n}") for n in range(3)]))
    resp = post_form(client, CONFIRM, {"ticket": token})
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    second = post_form(client, CONFIRM, {"ticket": token})  # a second click: the same job
    assert second.headers["Location"].endswith(job_id) and count(db, CompliancePeriod) == 0
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.kind == "compliance.import" and job.status == "done", job.error
    assert (job.result["created"], job.progress_done, job.progress_total) == (3, 3, 4)
    assert count(db, CompliancePeriod) == 3
    follow_up = db.session.scalar(
        select(BackgroundJob).where(BackgroundJob.kind == "cases.after_compliance_import")
    )
    assert follow_up is not None and follow_up.status == "done", follow_up and follow_up.error


def test_a_job_queued_before_the_pipeline_still_runs(app, db):
    parent = parent_with_rm()
    data = to_csv([{"nama": "PT Vendor Lama"}])
    # The ticket as the supply-chain import stored it: the scope as parent_id, no kind.
    ticket = {
        "import_id": f"{parent.id}.{'0' * 24}",
        "parent_id": parent.id,
        "file": storage.put_bytes(data),
        "filename": "lama.csv",
        "rows": 1,
        "user_id": parent.rm.id,
    }
    job = create_job("supply_chain.import", owner=parent.rm, params={"ticket": ticket})
    db.session.commit()
    work(app)
    job = db.session.get(BackgroundJob, job.id, populate_existing=True)
    assert job.status == "done", job.error
    assert job.result["link"] == f"/supply-chain/{parent.id}"
    assert count(db, SupplyChainLink, SupplyChainLink.name == "PT Vendor Lama") == 1


def test_the_preview_shows_old_and_new_values_and_a_paid_month_turning_unpaid(db, client, login_as):
    AccountFactory(npp="30000001")
    login_as(UserFactory(role="supervisor"))
    post_form(client, CONFIRM, {"ticket": ticket_of(preview(client, [row("30000001")]))})
    html = preview(client, [row("30000001", paid="0", paid_on="", tk_terdaftar="120")])
    assert "lunas → belum lunas" in html
    assert "3 nilai tersimpan berubah" in html
    for column, old, new in [
        ("iuran_dibayar", "10000000", "0"),
        ("tanggal_bayar", "2026-11-13", "-"),
        ("tk_terdaftar", "100", "120"),
    ]:
        assert (
            f'<td class="mono">{column}</td><td><del>{old}</del></td><td><ins>{new}</ins></td>'
            in html
        )
    post_form(client, CONFIRM, {"ticket": ticket_of(html)})  # a warning does not block it
    stored = db.session.scalar(select(CompliancePeriod))
    assert (stored.amount_paid, stored.unpaid, stored.workers_registered) == (0, 10_000_000, 120)


def test_an_unchanged_month_shows_no_change(db, client, login_as):
    AccountFactory(npp="30000001")
    login_as(UserFactory(role="supervisor"))
    post_form(client, CONFIRM, {"ticket": ticket_of(preview(client, [row("30000001")]))})
    html = preview(client, [row("30000001")])
    assert "nilai tersimpan berubah" not in html and "belum lunas)" not in html


def test_one_refused_row_blocks_the_file_and_nothing_is_written(db, client, login_as):
    AccountFactory(npp="30000001")
    actor = login_as(UserFactory(role="supervisor"))
    rows = [row("30000001"), row("39999999")]
    html = preview(client, rows)
    assert "1 baris bermasalah" in html and 'name="ticket"' not in html
    ticket = ticket_for("compliance", to_csv(rows), 2, actor)  # e.g. the NPP was removed since
    with pytest.raises(ImportRejected, match="1 baris tidak valid"):
        run_import(ticket, actor)
    assert count(db, CompliancePeriod) == 0 and count(db, ComplianceImport) == 0
    assert count(db, AuditLog, AuditLog.action == "compliance.import") == 0


def test_the_vendor_preview_shows_the_stored_values_a_row_replaces(db, client, login_as):
    parent = parent_with_rm()
    prospect(parent, "PT Mitra Lama", contact_name="Rina", phone="0811111111")
    login_as(parent.rm)
    rows = [{"nama": "PT Mitra Lama", "kontak": "Budi", "telepon": ""}]
    html = upload(client, f"/supply-chain/{parent.id}/import", to_csv(rows)).get_data(as_text=True)
    assert "1 nilai tersimpan berubah" in html
    assert '<td class="mono">kontak</td><td><del>Rina</del></td><td><ins>Budi</ins></td>' in html
    assert "telepon</td>" not in html  # an empty cell keeps the stored phone


def test_every_template_downloads_under_its_old_name(db, client, login_as):
    parent = parent_with_rm()
    login_as(UserFactory(role="admin"))
    for url, name in [
        ("/accounts/import/template.csv?kind=accounts", "templat-impor-akun.csv"),
        ("/accounts/import/template.xlsx?kind=people", "templat-impor-key-person.xlsx"),
        ("/compliance/import/template.csv", "templat-impor-kepatuhan.csv"),
        (f"/supply-chain/{parent.id}/import/template.xlsx", "templat-impor-vendor.xlsx"),
        ("/sponsorships/import/template.csv", "templat-penerima-sponsorship.csv"),
    ]:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{name}"'
