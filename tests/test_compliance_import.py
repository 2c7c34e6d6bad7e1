"""Compliance import: dry run, all or nothing, upsert per (account, month), jobs, access,
and the account's compliance page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.compliance.import_rows import parse_amount, parse_period
from crm.compliance.models import ComplianceImport, CompliancePeriod
from crm.imports.runs import run_import
from crm.jobs.models import BackgroundJob
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.compliance import confirm, row, to_csv, unpaid, upload
from tests.support.imports import count, ticket_for
from tests.support.queue import work


def accounts(n: int):
    return [AccountFactory(npp=f"{30000000 + i}") for i in range(n)]


@pytest.fixture
def config(app):
    saved = dict(app.config)
    yield app.config
    app.config.clear()
    app.config.update(saved)


# -- acceptance -------------------------------------------------------------------------------


def test_a_month_in_which_three_companies_did_not_pay(db, client, login_as):
    companies = accounts(10)
    login_as(UserFactory(role="supervisor"))
    rows = [row(a.npp) for a in companies[:7]] + [unpaid(a.npp) for a in companies[7:]]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "Semua baris valid" in html
    assert "10 bulan baru ditambahkan dan 0 bulan yang sudah ada diperbarui" in html
    resp = confirm(client, html, follow_redirects=True)
    assert "Data kepatuhan disimpan: 10 bulan baru, 0 bulan diperbarui." in resp.get_data(
        as_text=True
    )
    stored = db.session.scalars(select(CompliancePeriod)).all()
    assert len(stored) == 10
    assert {r.account_id for r in stored if r.unpaid} == {a.id for a in companies[7:]}
    assert all(r.period == date(2026, 10, 1) for r in stored)
    run = db.session.scalar(select(ComplianceImport))
    assert (run.rows, run.created_count, run.updated_count) == (10, 10, 0)
    assert {r.import_id for r in stored} == {run.id}
    audit_rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "compliance.import")
    ).all()
    assert len(audit_rows) == 1 and audit_rows[0].after["with_unpaid"] == 3


def test_reimporting_a_month_updates_instead_of_duplicating(db, client, login_as):
    companies = accounts(3)
    login_as(UserFactory(role="admin"))
    first = [unpaid(a.npp) for a in companies]
    confirm(client, upload(client, to_csv(first)).get_data(as_text=True))
    second = [row(a.npp, paid_on="2026-11-20") for a in companies[:2]] + [
        row(companies[2].npp, period="2026-09", paid_on="2026-10-10")
    ]
    html = upload(client, to_csv(second)).get_data(as_text=True)
    assert "1 bulan baru ditambahkan dan 2 bulan yang sudah ada diperbarui" in html
    confirm(client, html)
    assert count(db, CompliancePeriod) == 4
    october = db.session.scalars(
        select(CompliancePeriod).where(CompliancePeriod.period == date(2026, 10, 1))
    ).all()
    paid = {r.account_id: (r.amount_paid, r.unpaid, r.paid_on) for r in october}
    assert paid[companies[0].id] == (10_000_000, 0, date(2026, 11, 20))
    assert paid[companies[2].id] == (0, 10_000_000, None)
    runs = db.session.scalars(select(ComplianceImport).order_by(ComplianceImport.id)).all()
    assert [(r.created_count, r.updated_count) for r in runs] == [(3, 0), (1, 2)]


def test_bad_rows_are_all_listed_and_nothing_is_written(db, client, login_as):
    a, b = accounts(2)
    login_as(UserFactory(role="supervisor"))
    rows = [
        row(a.npp),  # line 2: fine
        row("99999999"),  # 3: unknown NPP
        row(b.npp, period="Oktober"),  # 4
        row(b.npp, due="-5"),  # 5
        row(b.npp, period="2026-08", paid="sepuluh"),  # 6
        row(b.npp, period="2026-07", paid_on="2026-06-30"),  # 7: paid before the month
        row(a.npp),  # 8: same NPP and month as line 2
        row(b.npp, period="2026-06", paid_on=""),  # 9: paid without a date
        row(b.npp, period="2026-05", pds_tk="mungkin"),  # 10
        row("1234", period="2026-05"),  # 11
        row(b.npp, period="2099-01"),  # 12
    ]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    assert "10 baris bermasalah" in html
    for text in (
        "NPP 99999999 tidak terdaftar di aplikasi.",
        "Tulis periode sebagai YYYY-MM, mis. 2026-10.",
        "Tidak boleh negatif.",
        "Isi angka rupiah utuh, mis. 1250000 atau 1.250.000.",
        "Tanggal bayar sebelum awal periode.",
        "NPP dan periode ini sudah ada di baris 2.",
        "Isi tanggal bayar untuk iuran atau denda yang dibayar.",
        "Isi ya atau tidak.",
        "NPP harus 8 digit",
        "Periode ini belum berjalan.",
    ):
        assert text in html, text
    assert 'name="ticket"' not in html
    assert count(db, CompliancePeriod) == 0


def test_xlsx_with_english_headers_and_date_cells(db, client, login_as):
    (a,) = accounts(1)
    login_as(UserFactory(role="supervisor"))
    book = Workbook()
    sheet = book.active
    sheet.append(["NPP", "period", "contribution_due", "amount_paid", "paid_on", "pds_upah"])
    sheet.append([a.npp, date(2026, 9, 1), 1234567, 1000000.0, date(2026, 10, 14), "ya"])
    out = io.BytesIO()
    book.save(out)
    html = upload(client, out.getvalue(), "iuran.xlsx").get_data(as_text=True)
    assert "Semua baris valid" in html, html
    confirm(client, html)
    stored = db.session.scalar(select(CompliancePeriod))
    assert (stored.period, stored.contribution_due, stored.amount_paid, stored.unpaid) == (
        date(2026, 9, 1),
        1_234_567,
        1_000_000,
        234_567,
    )
    assert stored.pds_upah and not stored.pds_tk


def test_amounts_and_periods_in_the_ways_people_write_them():
    assert parse_amount("1.250.000") == parse_amount("1,250,000") == 1_250_000
    assert parse_amount("Rp 1.250.000,00") == parse_amount("1250000") == 1_250_000
    for bad in ("1.25", "-1", "12a", "1.250.000,50"):
        with pytest.raises(ValueError):
            parse_amount(bad)
    assert parse_period("2026-10") == parse_period("10/2026") == date(2026, 10, 1)
    assert parse_period("2026-10-01") == parse_period("202610") == date(2026, 10, 1)
    for bad in ("2026-13", "2026-10-15", "Okt 2026"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_running_a_ticket_again_writes_nothing_new(db):
    companies = accounts(2)
    actor = UserFactory(role="supervisor")
    data = to_csv([unpaid(a.npp) for a in companies])
    ticket = ticket_for("compliance", data, 2, actor, name="iuran.csv")
    first = run_import(ticket, actor)
    again = run_import(ticket, actor)
    assert (first.created, first.already) == (2, False)
    assert (again.created, again.already) == (2, True)
    assert again.after["run_id"] == first.after["run_id"]
    assert count(db, CompliancePeriod) == 2
    assert count(db, ComplianceImport) == 1


# -- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("rm", 403), ("partner", 403)])
def test_only_supervisors_and_admins_import(client, login_as, role, status):
    login_as(UserFactory(role=role))
    assert client.get("/compliance/import").status_code == status
    assert client.get("/compliance/import/template.csv").status_code == status
    assert upload(client, to_csv([row("30000000")])).status_code == status


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_import_page_and_templates(client, login_as, role):
    login_as(UserFactory(role=role))
    page = client.get("/compliance/import").get_data(as_text=True)
    assert "Impor data kepatuhan" in page and "Belum ada impor data kepatuhan." in page
    csv_file = client.get("/compliance/import/template.csv")
    assert csv_file.status_code == 200
    assert csv_file.get_data().decode("utf-8-sig").startswith("npp,periode,tk_terdaftar")
    assert client.get("/compliance/import/template.xlsx").status_code == 200
    assert client.get("/compliance/import/template.pdf").status_code == 404


def test_a_ticket_is_only_good_for_its_own_user(client, login_as, db):
    (a,) = accounts(1)
    login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([row(a.npp)])).get_data(as_text=True)
    client.get("/logout")
    post_form(client, "/logout")
    login_as(UserFactory(role="admin"))
    resp = confirm(client, html, follow_redirects=True)
    assert "Pratinjau ini tidak berlaku lagi." in resp.get_data(as_text=True)
    assert count(db, CompliancePeriod) == 0


# -- large files go to a job ------------------------------------------------------------------


def test_large_import_runs_as_a_job(app, db, client, login_as, config):
    config["IMPORT_SYNC_MAX_ROWS"] = 5
    companies = accounts(12)
    me = login_as(UserFactory(role="supervisor"))
    html = upload(client, to_csv([unpaid(a.npp) for a in companies])).get_data(as_text=True)
    assert "disimpan di latar belakang" in html
    resp = confirm(client, html)
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert count(db, CompliancePeriod) == 0
    assert confirm(client, html).headers["Location"].endswith(job_id)  # same job
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "done" and job.owner_id == me.id, job.error
    assert (job.result["created"], job.result["updated"]) == (12, 0)
    assert count(db, CompliancePeriod) == 12
    assert count(db, ComplianceImport) == 1


def test_a_large_import_closes_paid_cases_in_a_follow_up_job_made_with_its_rows(
    app, db, client, login_as, config
):
    from crm.cases import services as case_services
    from crm.cases.models import CaseSuggestion, EscalationCase

    config["IMPORT_SYNC_MAX_ROWS"] = 2
    debtor, *others = accounts(4)
    supervisor = UserFactory(role="supervisor")
    db.session.add(
        CompliancePeriod(
            account_id=debtor.id,
            period=date(2026, 10, 1),
            contribution_due=10_000_000,
            amount_paid=0,
            unpaid=10_000_000,
        )
    )
    db.session.flush()
    case = case_services.open_case(debtor, "arrears", supervisor)
    login_as(supervisor)
    # October paid on time (due 15 Nov) by the debtor; three other companies' months.
    rows = [row(debtor.npp, paid_on="2026-11-13")] + [row(a.npp) for a in others]
    html = upload(client, to_csv(rows)).get_data(as_text=True)
    job_id = confirm(client, html).headers["Location"].rsplit("/", 1)[1]
    work(app)  # the import job, then the follow-up job it made in its writing transaction
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "done", job.error
    run = db.session.scalar(select(ComplianceImport))
    follow_up = db.session.scalar(
        select(BackgroundJob).where(BackgroundJob.kind == "cases.after_compliance_import")
    )
    assert follow_up.status == "done" and follow_up.owner_id == supervisor.id
    assert follow_up.params == {"run_id": run.id}
    assert follow_up.result == {
        "import_id": run.id,
        "cases": 1,
        "closed": 1,
        "suggested": follow_up.result["suggested"],
    }
    case = db.session.get(EscalationCase, case.id, populate_existing=True)
    assert (case.status, case.closed_reason, case.closing_import_id) == ("closed", "paid", run.id)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(CaseSuggestion)
            .where(CaseSuggestion.account_id == debtor.id)
        )
        == 0
    )
    # Run again (a re-dispatch after a crash): nothing more to close, the same figures.
    from crm.jobs.services import retry_job

    follow_up.status = "failed"
    retry_job(follow_up, supervisor)
    db.session.commit()
    work(app)
    again = db.session.get(BackgroundJob, follow_up.id, populate_existing=True)
    assert again.status == "done" and again.result["closed"] == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(EscalationCase)
            .where(EscalationCase.closed_reason == "paid")
        )
        == 1
    )


# -- the account's compliance page -------------------------------------------------------------


def test_account_page_shows_grid_and_arrears(db, client, login_as):
    account = AccountFactory(npp="30000001")
    for period, paid, paid_on in (
        (date(2026, 8, 1), 0, None),
        (date(2026, 9, 1), 0, None),
        (date(2026, 10, 1), 2_000_000, date(2026, 11, 10)),
    ):
        db.session.add(
            CompliancePeriod(
                account_id=account.id,
                period=period,
                contribution_due=2_000_000,
                amount_paid=paid,
                unpaid=2_000_000 - paid,
                paid_on=paid_on,
                pds_tk=period.month == 9,
            )
        )
    db.session.flush()
    login_as(UserFactory(role="rm"))  # RMs read every account
    html = client.get(f"/accounts/{account.id}/compliance?as_of=2026-11-22").get_data(as_text=True)
    # August: due 15 Sep, 3 months late: 120.000; September: due 15 Oct, 2 months: 80.000.
    assert "Rp 4.200.000" in html  # total arrears
    assert "Rp 200.000" in html  # fines
    assert html.count('<li class="cg-unpaid" title') == 2
    assert html.count('<li class="cg-on_time" title') == 1
    assert "PDS TK" in html
    assert html.count('<li class="cg-no_data" title') == 21
    assert "15 September 2026" in html
    earlier = client.get(f"/accounts/{account.id}/compliance?as_of=2026-09-15")
    assert "Tidak ada tunggakan per 15 September 2026." in earlier.get_data(as_text=True)
    bad = client.get(f"/accounts/{account.id}/compliance?as_of=kemarin", follow_redirects=True)
    assert "Tanggal tidak valid" in bad.get_data(as_text=True)
    detail = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Kepatuhan iuran" in detail and f"/accounts/{account.id}/compliance" in detail


def test_partners_cannot_see_compliance_pages(client, login_as):
    account = AccountFactory()
    login_as(UserFactory(role="partner"))
    assert client.get(f"/accounts/{account.id}/compliance").status_code == 403
    assert client.get("/accounts/999999/compliance").status_code == 403


def test_unknown_account_is_404(client, login_as):
    login_as(UserFactory(role="supervisor"))
    assert client.get("/accounts/999999/compliance").status_code == 404
