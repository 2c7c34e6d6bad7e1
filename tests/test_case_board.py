"""The escalation board: stages with counts, overdue counts and arrears totals, bounded
cards, filters, access, the XLSX export (at once and as a job), the stored arrears figure
and its refreshes, and the cases on the RM's and the supervisor's home pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.cases import board, services, stored_arrears
from crm.cases.models import STAGES, EscalationCase
from crm.compliance.services import account_compliance, today_local
from crm.jobs.models import BackgroundJob
from crm.jobs.scheduler import PERIODIC
from tests.factories import AccountFactory, BranchFactory, CaseFactory, UserFactory
from tests.support.cases import add_month, import_rows, names_on, xlsx_rows
from tests.support.compliance import row
from tests.support.db import count_statements
from tests.support.queue import work

JUTA = 1_000_000


@pytest.fixture
def config(app):
    """Change app.config for one test."""
    saved = dict(app.config)
    yield app.config
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def team(db):
    """Two RMs in two branches, a supervisor, and an account for each RM."""
    north, south = BranchFactory(name="Kantor Utara"), BranchFactory(name="Kantor Selatan")
    rm = UserFactory(role="rm", name="Rina RM", branch_office=north)
    rm2 = UserFactory(role="rm", name="Sandi RM", branch_office=south)
    supervisor = UserFactory(role="supervisor")
    return {"rm": rm, "rm2": rm2, "supervisor": supervisor, "north": north, "south": south}


def account_of(rm, branch, name, **kw):
    return AccountFactory(name=name, rm=rm, branch_office=branch, **kw)


def case_for(rm, branch, name, **kw) -> EscalationCase:
    return CaseFactory(account=account_of(rm, branch, name), **kw)


def days_ago(n: int) -> date:
    return today_local() - timedelta(days=n)


# -- the board --------------------------------------------------------------------------------


def test_board_groups_open_cases_by_stage_with_counts_overdue_and_arrears_totals(
    db, client, login_as, team
):
    rm, north = team["rm"], team["north"]
    case_for(rm, north, "PT Kasus A", arrears_unpaid=10 * JUTA, arrears_fine=JUTA)
    case_for(rm, north, "PT Kasus B", arrears_unpaid=4 * JUTA, stage_due_on=days_ago(2))
    case_for(rm, north, "PT Kasus C", stage="teguran_1", arrears_unpaid=200 * JUTA)
    case_for(rm, north, "PT Kasus D", stage="skk", arrears_unpaid=2000 * JUTA)
    closed = case_for(rm, north, "PT Kasus Tutup", arrears_unpaid=999 * JUTA)
    closed.status, closed.closed_reason = "closed", "paid"
    db.session.flush()

    result = board.build_board(board.CaseFilters(), team["supervisor"], today_local())
    figures = {c.stage: (c.count, c.overdue, c.arrears) for c in result.columns}
    assert [c.stage for c in result.columns] == list(STAGES)
    assert figures["persuasi"] == (2, 1, 15 * JUTA)
    assert figures["teguran_1"] == (1, 0, 200 * JUTA)
    assert figures["skk"] == (1, 0, 2000 * JUTA)
    assert figures["denda"] == (0, 0, 0)
    assert (result.count, result.overdue, result.arrears) == (4, 1, 2215 * JUTA)
    persuasi = result.columns[0]
    assert [c.account.name for c in persuasi.cards] == ["PT Kasus B", "PT Kasus A"]

    login_as(team["supervisor"])
    html = client.get("/cases/").get_data(as_text=True)
    assert names_on(html) == {"PT Kasus A", "PT Kasus B", "PT Kasus C", "PT Kasus D"}
    assert "Rp 2.215.000.000" in html  # the grand total row
    assert "Rp 15.000.000" in html and "Rina RM" in html
    assert "terlambat 2 hari" in html
    assert "Usulan kasus" in html and "/cases/suggestions" in html
    for c in persuasi.cards:
        assert f'href="/cases/{c.id}"' in html


def test_each_column_is_bounded_most_overdue_first_and_links_to_its_full_list(
    db, client, login_as, team
):
    rm, north = team["rm"], team["north"]
    for i in range(board.CARDS_PER_STAGE + 3):
        case_for(rm, north, f"PT Kasus N{i:02d}", stage_due_on=days_ago(i))
    waiting = case_for(rm, north, "PT Kasus Surat", stage="pemberitahuan", stage_started_on=None)
    assert waiting.stage_due_on is None
    db.session.flush()

    result = board.build_board(board.CaseFilters(), team["supervisor"], today_local())
    cards = result.columns[0].cards
    assert len(cards) == board.CARDS_PER_STAGE and result.columns[0].count == 23
    assert [c.account.name for c in cards[:3]] == ["PT Kasus N22", "PT Kasus N21", "PT Kasus N20"]

    login_as(team["supervisor"])
    html = client.get("/cases/?reason=arrears").get_data(as_text=True)
    assert "Lihat semua (23)" in html
    more = re.search(r'href="([^"]*stage=persuasi[^"]*)">Lihat semua', html).group(1)
    assert "view=list" in more and "reason=arrears" in more
    listed = client.get(more.replace("&amp;", "&")).get_data(as_text=True)
    assert len({n for n in names_on(listed) if n.startswith("PT Kasus N")}) == 23
    assert "PT Kasus Surat" not in listed
    assert "menunggu surat" in html


def test_overdue_days_count_calendar_days_past_the_due_date_and_skip_letter_waits(
    db, client, login_as, team
):
    rm, north = team["rm"], team["north"]
    late = case_for(rm, north, "PT Kasus Telat", stage_due_on=days_ago(9))
    due_today = case_for(rm, north, "PT Kasus Hari", stage_due_on=today_local())
    waiting = case_for(
        rm, north, "PT Kasus Surat", stage="teguran_1", stage_started_on=None
    )  # a due date typed by hand while the letter is not issued yet: no clock
    waiting.stage_due_on = days_ago(4)
    db.session.flush()
    today = today_local()
    assert board.days_overdue(late, today) == 9
    assert board.days_overdue(due_today, today) is None
    assert board.days_overdue(waiting, today) is None and board.awaiting_letter(waiting)

    login_as(team["supervisor"])
    html = client.get("/cases/").get_data(as_text=True)
    assert "terlambat 9 hari" in html and "terlambat 4 hari" not in html
    assert "menunggu surat" in html
    result = board.build_board(board.CaseFilters(), team["supervisor"], today)
    assert result.overdue == 1
    only_late = client.get("/cases/?overdue=1").get_data(as_text=True)
    assert names_on(only_late) == {"PT Kasus Telat"}


@pytest.fixture
def spread(db, team):
    """Cases across RMs, branches, reasons and amounts."""
    rm, rm2, north, south = team["rm"], team["rm2"], team["north"], team["south"]
    case_for(rm, north, "PT Kasus Kecil", arrears_unpaid=9_999_999)
    case_for(rm, north, "PT Kasus Sepuluh", arrears_unpaid=10 * JUTA, reason="pds_tk")
    case_for(rm2, south, "PT Kasus Ratus", arrears_unpaid=100 * JUTA, stage="denda")
    case_for(rm2, south, "PT Kasus Miliar", arrears_unpaid=1000 * JUTA, stage_due_on=days_ago(1))
    db.session.flush()
    return team


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Kecil", "Sepuluh", "Ratus", "Miliar"}),
        ("owner={rm}", {"Kecil", "Sepuluh"}),
        ("branch={south}", {"Ratus", "Miliar"}),
        ("reason=pds_tk", {"Sepuluh"}),
        ("band=lt10jt", {"Kecil"}),
        ("band=10jt-100jt", {"Sepuluh"}),
        ("band=100jt-1m", {"Ratus"}),
        ("band=ge1m", {"Miliar"}),
        ("overdue=1", {"Miliar"}),
        ("owner={rm2}&band=100jt-1m", {"Ratus"}),
        ("branch={north}&reason=arrears", {"Kecil"}),
    ],
)
def test_board_filters(client, login_as, spread, query, expected):
    login_as(spread["supervisor"])
    ids = {k: spread[k].id for k in ("rm", "rm2", "north", "south")}
    url = "/cases/?" + query.format(**ids)
    html = client.get(url).get_data(as_text=True)
    assert names_on(html) == {f"PT Kasus {n}" for n in expected}
    listed = client.get(url + "&view=list").get_data(as_text=True)
    assert names_on(listed) == {f"PT Kasus {n}" for n in expected}


def test_amount_bands_are_defined_once_and_cover_every_amount_without_overlap():
    def bands_of(amount):
        return [
            key
            for key, b in board.AMOUNT_BANDS.items()
            if (b.low is None or amount >= b.low) and (b.high is None or amount < b.high)
        ]

    for amount in (0, 9_999_999, 10 * JUTA, 99_999_999, 100 * JUTA, 10**9 - 1, 10**9, 10**13):
        assert len(bands_of(amount)) == 1, amount
    assert bands_of(10**9) == ["ge1m"]


@pytest.mark.parametrize(
    "query",
    [
        "owner=abc",
        "owner=-1",
        "owner=99999999999999999999999999",
        "branch=%27%3B--",
        "reason=zzz",
        "band=sejuta",
        "overdue=maybe",
        "stage=nope",
        "status=zzz&view=list",
        "view=list&after=xyz",
        "view=list&after=WyJ4IiwxXQ",
        "view=list&stage=skk&after=" + "9" * 40,
        "view=list&after=WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",  # [10**23]
        "view=list&after=W251bGxd",  # [null]
        "view=list&after=WyJhYmMiXQ",  # ["abc"]
        "owner=1&owner=2&band=",
    ],
)
def test_invalid_filter_values_are_ignored_never_a_500(client, login_as, spread, query):
    login_as(spread["supervisor"])
    resp = client.get("/cases/?" + query)
    assert resp.status_code == 200
    assert client.get("/cases/export.xlsx?" + query).status_code == 200
    if "view=list" not in query and "owner=1" not in query:
        assert len(names_on(resp.get_data(as_text=True))) == 4


# -- access -----------------------------------------------------------------------------------


def test_an_rm_sees_and_exports_only_the_cases_they_own(client, login_as, spread):
    rm, rm2 = spread["rm"], spread["rm2"]
    login_as(rm)
    mine = {"PT Kasus Kecil", "PT Kasus Sepuluh"}
    assert names_on(client.get("/cases/").get_data(as_text=True)) == mine
    # Asking for another RM's cases changes nothing: the owner filter is the RM themself.
    assert names_on(client.get(f"/cases/?owner={rm2.id}").get_data(as_text=True)) == mine
    assert names_on(client.get("/cases/?view=list").get_data(as_text=True)) == mine
    assert names_on(client.get("/cases/?status=all").get_data(as_text=True)) == mine
    html = client.get("/cases/").get_data(as_text=True)
    assert 'name="owner"' not in html  # no RM filter for an RM
    rows = xlsx_rows(client.get(f"/cases/export.xlsx?owner={rm2.id}").data)
    assert {r[1] for r in rows[1:]} == mine
    result = board.build_board(board.CaseFilters(owner_id=rm2.id), rm, today_local())
    assert result.count == 2


@pytest.mark.parametrize(
    "url", ["/cases/", "/cases/?view=list", "/cases/?status=closed", "/cases/export.xlsx"]
)
def test_partner_gets_403_on_the_board_the_list_and_the_export(db, client, login_as, url):
    login_as(UserFactory(role="partner"))
    assert client.get(url).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(db, client):
    for url in ("/cases/", "/cases/export.xlsx"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_closed_cases_are_listed_apart(db, client, login_as, team):
    rm, north = team["rm"], team["north"]
    case_for(rm, north, "PT Kasus Buka")
    done = case_for(rm, north, "PT Kasus Lunas")
    services.close_case(done, "paid", rm)
    login_as(team["supervisor"])
    assert names_on(client.get("/cases/").get_data(as_text=True)) == {"PT Kasus Buka"}
    closed = client.get("/cases/?view=list&status=closed").get_data(as_text=True)
    assert names_on(closed) == {"PT Kasus Lunas"} and "Lunas" in closed


def test_empty_board_and_empty_filter_results_say_so(db, client, login_as, team):
    login_as(team["supervisor"])
    html = client.get("/cases/").get_data(as_text=True)
    assert "Belum ada kasus terbuka." in html and "Rp 0" in html
    case_for(team["rm"], team["north"], "PT Kasus Satu")
    html = client.get("/cases/?band=ge1m").get_data(as_text=True)
    assert "Tidak ada kasus terbuka yang cocok dengan filter ini." in html


# -- export -----------------------------------------------------------------------------------


def test_export_writes_the_filtered_open_cases_with_typed_cells(db, client, login_as, spread):
    rm2, south = spread["rm2"], spread["south"]
    formula = case_for(rm2, south, "=HYPERLINK(1)", stage="teguran_2", arrears_unpaid=5)
    formula.account.npp = "12345678"
    db.session.flush()
    login_as(spread["supervisor"])
    resp = client.get(f"/cases/export.xlsx?branch={south.id}")
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = xlsx_rows(resp.data)
    assert rows[0][:5] == ("ID kasus", "Akun", "NPP", "Alasan", "Tahap")
    assert rows[0][5:12] == (
        "RM",
        "Supervisor",
        "Kantor cabang",
        "Dibuka",
        "Tahap dimulai",
        "Tenggat tahap",
        "Status tenggat",
    )
    assert len(rows[0]) == 17 and rows[0][-1] == "Tunggakan per"
    by_name = {r[1]: r for r in rows[1:]}
    # a name starting with = is quoted by crm.exports: never a formula
    assert set(by_name) == {"PT Kasus Ratus", "PT Kasus Miliar", "'=HYPERLINK(1)"}
    late = by_name["PT Kasus Miliar"]
    case = EscalationCase.query.filter_by(arrears_total=1000 * JUTA).one()
    assert late[0] == case.id and late[3] == "Tunggakan iuran" and late[4] == "Persuasi"
    assert late[5] == "Sandi RM" and late[7] == "Kantor Selatan"
    assert late[9].date() == days_ago(3)  # the stage started
    assert late[10].date() == days_ago(1) and late[11] == "terlambat" and late[12] == 1
    assert late[13:16] == (1000 * JUTA, 0, 1000 * JUTA) and late[16].date() == today_local()
    assert by_name["'=HYPERLINK(1)"][2] == "12345678"  # an NPP stays text
    assert by_name["PT Kasus Ratus"][12] is None  # not overdue
    assert by_name["PT Kasus Ratus"][11] == "berjalan"


def test_a_long_export_runs_as_a_job_with_the_users_access(
    app, db, client, login_as, spread, config
):
    config["EXPORT_SYNC_MAX_ROWS"] = 1
    login_as(spread["rm"])
    resp = client.get("/cases/export.xlsx")
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    again = client.get("/cases/export.xlsx")  # a second click while it waits: the same job
    assert again.headers["Location"].endswith(job_id)
    work(app)
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    assert job.status == "done" and job.result["rows"] == 2, job.error
    assert job.owner_id == spread["rm"].id
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert {r[1] for r in xlsx_rows(download.data)[1:]} == {"PT Kasus Kecil", "PT Kasus Sepuluh"}


def test_small_exports_download_at_once(db, client, login_as, spread, config):
    config["EXPORT_SYNC_MAX_ROWS"] = 4
    login_as(spread["supervisor"])
    resp = client.get("/cases/export.xlsx")
    assert resp.status_code == 200 and len(xlsx_rows(resp.data)) == 5
    assert (
        db.session.scalar(select(BackgroundJob.id).where(BackgroundJob.kind == "cases.export"))
        is None
    )


# -- the stored arrears figure ----------------------------------------------------------------


def figures(case) -> tuple:
    return case.arrears_unpaid, case.arrears_fine, case.arrears_total, case.arrears_as_of


def test_refresh_matches_the_compliance_page_for_partial_and_late_payments(db, team):
    rm, north = team["rm"], team["north"]
    account = account_of(rm, north, "PT Kasus Cicil", npp="40100001")
    other = account_of(rm, north, "PT Kasus Lain", npp="40100002")
    add_month(account, date(2026, 6, 1), 10 * JUTA, 4 * JUTA, date(2026, 8, 20))  # partial
    add_month(account, date(2026, 7, 1), 10 * JUTA)  # nothing paid
    add_month(account, date(2026, 8, 1), 8 * JUTA, 8 * JUTA, date(2026, 10, 1), 50_000)  # late
    add_month(other, date(2026, 7, 1), 3 * JUTA, JUTA, date(2026, 9, 1))
    db.session.flush()

    case = services.open_case(account, "arrears", rm)  # opening stores the figure at once
    pds = services.open_case(account, "pds_tk", rm)
    other_case = services.open_case(other, "arrears", rm)
    today = today_local()
    summary = account_compliance(account.id, today).summary
    assert summary.unpaid > 0 and summary.fine > 0 and summary.total > summary.unpaid
    assert figures(case) == (summary.unpaid, summary.fine, summary.total, today)
    assert figures(pds) == figures(case)

    later = date(2027, 3, 1)  # fines keep growing
    assert stored_arrears.refresh_case_arrears([case.id, other_case.id], as_of=later) == 2
    db.session.expire_all()
    summary = account_compliance(account.id, later).summary
    assert figures(case) == (summary.unpaid, summary.fine, summary.total, later)
    assert pds.arrears_as_of == today  # not asked for
    assert other_case.arrears_total == account_compliance(other.id, later).summary.total

    services.close_case(other_case, "written_off", team["supervisor"], "Perusahaan sudah bubar")
    assert stored_arrears.refresh_case_arrears() == 2  # every open case, closed ones left alone
    assert stored_arrears.refresh_case_arrears([]) == 0
    assert stored_arrears.refresh_case_arrears([other_case.id, 2**31 - 1]) == 0


def test_refresh_reads_compliance_months_per_batch_not_per_case(db, team, monkeypatch):
    rm, north = team["rm"], team["north"]
    cases = [case_for(rm, north, f"PT Kasus B{i}") for i in range(7)]
    for c in cases:
        add_month(c.account, date(2026, 7, 1), JUTA)
    db.session.flush()
    monkeypatch.setattr(stored_arrears, "ARREARS_BATCH", 3)
    statements = count_statements(
        lambda: stored_arrears.refresh_case_arrears([c.id for c in cases])
    )
    # 3 batches of case ids, 3 batches of months, 3 updates (+ rules and calendar once)
    assert statements <= 3 + 3 + 3 + 2
    db.session.expire_all()
    assert {c.arrears_total for c in cases} == {
        account_compliance(cases[0].account_id, today_local()).summary.total
    }


def test_a_compliance_import_refreshes_the_figure_of_the_accounts_it_touched(
    db, client, login_as, team
):
    rm, north = team["rm"], team["north"]
    touched = account_of(rm, north, "PT Kasus Impor", npp="40200001")
    untouched = account_of(rm, north, "PT Kasus Diam", npp="40200002")
    add_month(touched, date(2026, 8, 1), 10 * JUTA)
    add_month(untouched, date(2026, 8, 1), 10 * JUTA)
    db.session.flush()
    case = services.open_case(touched, "arrears", rm)
    quiet = services.open_case(untouched, "arrears", rm)
    quiet.arrears_total = 1  # a stale figure the import must not touch
    db.session.flush()
    before = case.arrears_total

    login_as(team["supervisor"])
    import_rows(client, [row("40200001", period="2026-09", due="5.000.000", paid="0", paid_on="")])
    db.session.refresh(case)
    db.session.refresh(quiet)
    summary = account_compliance(touched.id, today_local()).summary
    assert case.arrears_total == summary.total > before
    assert (case.arrears_unpaid, case.arrears_fine) == (summary.unpaid, summary.fine)
    assert quiet.arrears_total == 1


def test_the_daily_task_refreshes_every_open_case_a_chunk_at_a_time(db, team, monkeypatch):
    from crm.cases import jobs

    cases = [
        case_for(team["rm"], team["north"], f"PT Kasus Harian{i}", arrears_unpaid=123)
        for i in range(3)
    ]
    for c in cases:
        add_month(c.account, date(2026, 7, 1), 2 * JUTA)
    db.session.flush()
    monkeypatch.setattr(jobs, "DAILY_CHUNK", 2)
    assert "cases.arrears" in PERIODIC
    PERIODIC["cases.arrears"].func()
    expected = account_compliance(cases[0].account_id, today_local()).summary.total
    for c in cases:
        db.session.refresh(c)
        assert (c.arrears_total, c.arrears_as_of) == (expected, today_local())


def test_opening_a_case_audits_its_arrears(db, team):
    account = account_of(team["rm"], team["north"], "PT Kasus Audit")
    add_month(account, date(2026, 7, 1), 2 * JUTA)
    db.session.flush()
    case = services.open_case(account, "arrears", team["rm"])
    entry = AuditLog.query.filter_by(action="case.open").one()
    assert entry.after["arrears_total"] == case.arrears_total > 0


# -- home pages -------------------------------------------------------------------------------


def test_rm_home_shows_my_cases_overdue_first(db, client, login_as, team):
    rm, north = team["rm"], team["north"]
    case_for(rm, north, "PT Kasus Nanti", stage_due_on=today_local() + timedelta(days=5))
    case_for(rm, north, "PT Kasus Lewat", stage_due_on=days_ago(6), stage="teguran_1")
    case_for(team["rm2"], team["south"], "PT Kasus Orang", stage_due_on=days_ago(30))
    login_as(rm)
    html = client.get("/").get_data(as_text=True)
    assert "Kasus saya" in html and "2 kasus terbuka" in html and "1 terlambat" in html
    assert "terlambat 6 hari" in html and "PT Kasus Orang" not in html
    assert html.index("PT Kasus Lewat") < html.index("PT Kasus Nanti")
    assert 'href="/cases/"' in html

    mine = board.my_open_cases(rm, today_local(), limit=1)
    assert (mine.count, mine.overdue, [c.account.name for c in mine.items]) == (
        2,
        1,
        ["PT Kasus Lewat"],
    )


def test_rm_home_without_cases_says_so(db, client, login_as, team):
    login_as(team["rm"])
    assert "Tidak ada kasus terbuka yang Anda tangani." in client.get("/").get_data(as_text=True)


def test_supervisor_home_has_a_stage_strip_linking_to_the_board(db, client, login_as, team):
    case_for(team["rm"], team["north"], "PT Kasus Strip", stage="denda", stage_due_on=days_ago(1))
    login_as(team["supervisor"])
    html = client.get("/").get_data(as_text=True)
    assert "Kasus eskalasi terbuka" in html and 'href="/cases/"' in html
    assert "/cases/?view=list&amp;stage=denda" in html and "1 terlambat" in html


# -- performance ------------------------------------------------------------------------------


def test_board_statements_do_not_grow_with_the_cases(db, client, login_as, team):
    rm, rm2, north, south = team["rm"], team["rm2"], team["north"], team["south"]

    def build(n):
        for i in range(n):
            for stage in STAGES:
                owner, branch = (rm, north) if i % 2 else (rm2, south)
                case_for(owner, branch, f"PT Kasus {stage}{i}{n}", stage=stage)
        db.session.flush()

    build(1)
    login_as(team["supervisor"])
    client.get("/cases/")  # warm-up
    few = count_statements(lambda: client.get("/cases/"))
    build(25)
    many = count_statements(lambda: client.get("/cases/"))
    filtered = count_statements(lambda: client.get(f"/cases/?owner={rm.id}&overdue=1&band=lt10jt"))
    # user, stage figures, card ids, cards with account and owner, RM and branch choices
    assert many == few <= 8
    assert filtered <= few
    listed = count_statements(lambda: client.get("/cases/?view=list&stage=skk"))
    assert listed <= 6
