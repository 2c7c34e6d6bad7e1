"""Implementation monitoring: who reports for which branch, report rules, evidence, the
branch × period matrix and the roll-up of lagging branches."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db
from crm.partners import monitoring
from crm.partners.models import AgreementDocument, ImplementationReport
from crm.partners.monitoring import ReportData
from crm.partners.monitoring_rollup import RollupFilters, build_rollup
from crm.services import ServiceError
from tests.conftest import csrf_token
from tests.support.agreements import EXE_BYTES, make_team, mou, pdf_bytes, pks
from tests.support.db import count_statements


@pytest.fixture
def team(db):
    return make_team()


@pytest.fixture
def running(team):
    return mou(team, status="active")


def period(today=None) -> str:
    return monitoring.period_code("month", monitoring.period_start("month", today or today_local()))


def report_form(client, agreement, **changes):
    data = {
        "csrf_token": csrf_token(client),
        "branch_id": "",
        "period": period(),
        "status": "in_progress",
        "workers_covered": "120",
        "blocked_reason": "",
        "notes": "Catatan internal cabang",
    } | changes
    return client.post(
        f"/agreements/{agreement.id}/reports", data=data, content_type="multipart/form-data"
    )


def count_reports() -> int:
    return db.session.scalar(select(func.count()).select_from(ImplementationReport))


def test_periods():
    assert monitoring.parse_period("2026-11") == ("month", date(2026, 11, 1))
    assert monitoring.parse_period("2026-Q4") == ("quarter", date(2026, 10, 1))
    assert monitoring.parse_period("2026-13") is None and monitoring.parse_period("x") is None
    assert monitoring.shift_period("quarter", date(2026, 1, 1), -1) == date(2025, 10, 1)
    assert monitoring.recent_periods("month", date(2026, 2, 1), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert monitoring.period_code("quarter", date(2026, 7, 1)) == "2026-Q3"


@pytest.mark.parametrize(
    ("who", "branch", "allowed"),
    [
        ("supervisor", "branch_a", True),
        ("admin", "branch_b", True),
        ("rm", "branch_b", True),  # the responsible RM: every covered branch
        ("branch_rm", "branch_a", True),  # branch staff: their own branch
        ("branch_rm", "branch_b", False),  # ... and no other
        ("stranger_rm", "branch_c", False),  # their branch is not covered
        ("other_rm", "branch_a", False),  # no branch, not responsible
        ("supervisor", "branch_c", False),  # not a covered branch at all
    ],
)
def test_who_may_report_for_which_branch(team, running, who, branch, allowed):
    user, branch_id = getattr(team, who), getattr(team, branch).id
    assert monitoring.can_report(user, running, branch_id) is allowed
    data = ReportData(branch_id, period(), "socialized", 10)
    if allowed:
        assert monitoring.save_report(running, data, user, today_local()).status == "socialized"
    else:
        with pytest.raises(PermissionError):
            monitoring.save_report(running, data, user, today_local())
        assert count_reports() == 0


def test_no_reports_on_a_draft(team):
    draft = mou(team)
    assert not monitoring.can_report(team.supervisor, draft)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "blocked", "blocked_reason": " "}, "blocked_reason"),
        ({"workers_covered": -1}, "workers_covered"),
        ({"workers_covered": None}, "workers_covered"),
        ({"period": "2999-01"}, "period"),
        ({"period": "kemarin"}, "period"),
        ({"status": "selesai"}, "status"),
    ],
)
def test_report_rules(team, running, changes, field):
    values = {
        "branch_id": team.branch_a.id,
        "period": period(),
        "status": "in_progress",
        "workers_covered": 5,
    } | changes
    with pytest.raises(ServiceError) as exc:
        monitoring.save_report(running, ReportData(**values), team.rm, today_local())
    assert exc.value.field == field


def test_a_second_report_for_the_same_period_updates_it(team, running):
    today = today_local()
    data = ReportData(team.branch_a.id, period(), "blocked", 0, blocked_reason="APBD belum cair")
    first = monitoring.save_report(running, data, team.branch_rm, today)
    assert first.blocked_reason == "APBD belum cair"
    data = ReportData(team.branch_a.id, period(), "implemented", 340, blocked_reason="lama")
    second = monitoring.save_report(running, data, team.rm, today)
    assert second.id == first.id and second.blocked_reason == "" and second.workers_covered == 340
    assert count_reports() == 1


def test_branch_staff_report_through_the_page_for_their_branch_only(
    client, login_as, team, running
):
    login_as(team.branch_rm)
    page = client.get(f"/agreements/{running.id}/reports").get_data(as_text=True)
    assert team.branch_a.name in page and team.branch_b.name not in page
    resp = report_form(client, running, branch_id=str(team.branch_b.id))
    assert resp.status_code == 403 and count_reports() == 0
    resp = report_form(client, running, branch_id=str(team.branch_a.id), status="blocked")
    assert resp.status_code == 400 and "Tulis alasan hambatannya." in resp.get_data(as_text=True)
    resp = report_form(client, running, branch_id=str(team.branch_a.id), workers_covered="-3")
    assert resp.status_code == 400 and "0 atau lebih" in resp.get_data(as_text=True)
    resp = report_form(client, running, branch_id=str(team.branch_a.id))
    assert resp.status_code == 302 and count_reports() == 1
    detail = client.get(f"/agreements/{running.id}").get_data(as_text=True)
    assert "120 pekerja" in detail


@pytest.mark.parametrize("who", ["other_rm", "stranger_rm"])
def test_users_without_a_covered_branch_get_403(client, login_as, team, running, who):
    login_as(getattr(team, who))
    assert client.get(f"/agreements/{running.id}/reports").status_code == 403
    resp = report_form(client, running, branch_id=str(team.branch_a.id))
    assert resp.status_code == 403 and count_reports() == 0


def test_evidence_pdf_is_kept_and_a_renamed_exe_refuses_the_whole_report(
    client, login_as, team, running
):
    login_as(team.branch_rm)
    bad = report_form(
        client,
        running,
        branch_id=str(team.branch_a.id),
        evidence=(io.BytesIO(EXE_BYTES), "bukti.pdf"),
    )
    assert bad.status_code == 400 and "bukan PDF" in bad.get_data(as_text=True)
    assert count_reports() == 0
    good = report_form(
        client,
        running,
        branch_id=str(team.branch_a.id),
        evidence=(io.BytesIO(pdf_bytes()), "bukti.pdf"),
    )
    assert good.status_code == 302
    doc = db.session.scalar(select(AgreementDocument))
    report = db.session.scalar(select(ImplementationReport))
    assert doc.kind == "evidence" and doc.report_id == report.id
    page = client.get(
        f"/agreements/{running.id}/reports?branch={team.branch_a.id}&period={period()}"
    ).get_data(as_text=True)
    assert "bukti.pdf" in page and "Catatan internal cabang" in page


def test_matrix_shows_six_months_and_links_to_older(client, login_as, team, running):
    today = today_local()
    current = monitoring.period_start("month", today)
    old = monitoring.shift_period("month", current, -7)
    for start, status in ((current, "implemented"), (old, "blocked")):
        db.session.add(
            ImplementationReport(
                agreement_id=running.id,
                branch_office_id=team.branch_a.id,
                period_kind="month",
                period_start=start,
                status=status,
                blocked_reason="Alasan lama" if status == "blocked" else "",
                workers_covered=7,
            )
        )
    db.session.flush()
    matrix = monitoring.build_matrix(running, "month", today, today)
    assert len(matrix.periods) == 6 and matrix.periods[-1] == current and matrix.newer is None
    row = {b.id: cells for b, cells in matrix.rows}
    assert row[team.branch_a.id][-1].status == "implemented"
    assert all(c is None for c in row[team.branch_b.id])
    login_as(team.rm)
    page = client.get(f"/agreements/{running.id}").get_data(as_text=True)
    assert "Periode sebelumnya" in page and "Alasan lama" not in page
    older = client.get(f"/agreements/{running.id}?before={matrix.older.isoformat()}").get_data(
        as_text=True
    )
    assert "Alasan lama" in older and "Periode berikutnya" in older
    quarters = client.get(f"/agreements/{running.id}?period=quarter").get_data(as_text=True)
    assert "TW " in quarters


def test_rollup_counts_lagging_branches_per_institution_rm_region_and_branch(team, running):
    today = today_local()
    second = mou(team, title="MoU Kedua", status="signed", branch_ids=[team.branch_c.id])
    mou(team, title="MoU Draf", branch_ids=[team.branch_a.id])  # drafts do not count

    def add(agreement, branch, status, days_ago=0, start=None):
        db.session.add(
            ImplementationReport(
                agreement_id=agreement.id,
                branch_office_id=branch.id,
                period_kind="month",
                period_start=start or monitoring.period_start("month", today),
                status=status,
                blocked_reason="x" if status == "blocked" else "",
                workers_covered=10,
                updated_at=utcnow() - timedelta(days=days_ago),
            )
        )

    add(running, team.branch_a, "implemented", start=date(2020, 1, 1))
    add(running, team.branch_a, "blocked")  # newest period wins: blocked
    add(running, team.branch_b, "in_progress", days_ago=90)  # stale
    db.session.flush()  # second × branch_c has no report: not started
    rollup = build_rollup(RollupFilters(group="institution"), today, 50)
    (row,) = rollup.rows
    assert (row.pairs, row.blocked, row.stale, row.not_started, row.implemented) == (3, 1, 1, 1, 0)
    assert row.lagging == 3 and row.workers == 20
    by_branch = {r.key: r for r in build_rollup(RollupFilters(group="branch"), today, 50).rows}
    assert by_branch[team.branch_a.id].blocked == 1 and by_branch[team.branch_c.id].not_started == 1
    by_rm = build_rollup(RollupFilters(group="rm", rm_id=team.rm.id), today, 50).rows
    assert [r.pairs for r in by_rm] == [3]
    only = build_rollup(RollupFilters(group="branch", account_id=second.account_id), today, 1)
    assert len(only.rows) == 1 and only.has_next
    region = build_rollup(RollupFilters(group="region"), today, 50).rows
    assert [r.label for r in region] == ["Kanwil DKI Jakarta"]
    # An MoU carried out through a PKS is monitored on the PKS, not on itself.
    child = pks(team, second, status="active", branch_ids=[team.branch_a.id])
    (row,) = build_rollup(RollupFilters(group="institution"), today, 50).rows
    assert row.pairs == 3 and child.parent_id == second.id


def test_a_report_body_over_the_request_limit_gets_the_form_with_a_message(
    app, client, login_as, team, running, monkeypatch
):
    login_as(team.rm)
    monkeypatch.setitem(app.config, "AGREEMENT_MAX_REQUEST_BYTES", 50_000)
    resp = report_form(
        client,
        running,
        branch_id=str(team.branch_a.id),
        evidence=(io.BytesIO(b"%PDF-" + b"x" * 100_000), "bukti.pdf"),
    )
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "Berkas terlalu besar" in page and "Simpan laporan" in page
    assert count_reports() == 0


def test_rollup_page_and_its_statements(client, login_as, team, running):
    login_as(team.other_rm)
    for group in ("institution", "rm", "region", "branch", "bogus"):
        resp = client.get(f"/agreements/monitoring?group={group}&page=x")
        assert resp.status_code == 200
        assert "Kementerian Uji Coba" in resp.get_data(as_text=True) or group != "institution"
    few = count_statements(lambda: client.get("/agreements/monitoring"))
    for i in range(5):
        mou(team, title=f"MoU {i}", status="active")
    assert count_statements(lambda: client.get("/agreements/monitoring")) == few
