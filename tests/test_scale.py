"""`flask seed-scale`: a large, valid, re-runnable data set; and the benchmark still runs on it."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm import create_app
from crm.accounts import identifiers as ids
from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.services import search_name
from crm.auth.models import User
from crm.config import ROOT, TestConfig
from crm.scale import seed_scale
from tests.factories import AccountFactory, UserFactory


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def scale(db, n: int = 300) -> None:
    seed_scale(n, password_hash="x", batch=100, progress=lambda _line: None)


def test_seed_scale_command_adds_accounts_with_key_persons(db, runner):
    result = runner.invoke(args=["seed-scale", "--accounts", "300", "--batch", "100"])
    assert result.exit_code == 0, result.output
    assert "300/300 accounts" in result.output and "Added 300 accounts" in result.output
    assert count(db, Account) == 300
    people = count(db, KeyPerson)
    assert 3 * 300 <= people <= 5 * 300 and count(db, Position) == people
    assert 3.5 <= people / 300 <= 4.5  # about four each


def test_scaled_identifiers_are_valid_unique_and_search_names_match(db):
    scale(db)
    accounts = list(db.session.scalars(select(Account)))
    for key, normalize in (
        ("npp", ids.normalize_npp),
        ("npwp", ids.normalize_npwp),
        ("nib", ids.normalize_nib),
    ):
        values = [getattr(a, key) for a in accounts if getattr(a, key)]
        assert len(values) > 200 and all(normalize(v) == v for v in values), key
        assert len(values) == len(set(values)), key
    assert all(a.search_name == search_name(a.name) for a in accounts)
    assert len({a.name for a in accounts}) > 280  # combinatorial names rarely repeat


def test_scaled_people_form_one_reporting_tree_per_account(db):
    scale(db)
    positions = list(db.session.scalars(select(Position)))
    by_id = {p.id: p for p in positions}
    per_account = Counter(p.account_id for p in positions)
    assert all(3 <= n <= 5 for n in per_account.values())
    roots = Counter(p.account_id for p in positions if p.reports_to_id is None)
    assert set(roots.values()) == {1}
    for p in positions:
        if p.reports_to_id:
            assert by_id[p.reports_to_id].account_id == p.account_id
    assert {p.level for p in positions} == {"bod", "bod1", "bod2", "operational"}


def test_scaled_accounts_are_spread_over_rms_and_branches(db):
    UserFactory(role="rm")
    scale(db)
    per_rm = Counter(db.session.scalars(select(Account.rm_id)))
    assert len([rm for rm in per_rm if rm]) >= 5  # extra RMs were created
    assert len(set(db.session.scalars(select(Account.branch_office_id)))) >= 10
    assert count(db, User) >= 5


def test_seed_scale_appends_without_colliding_with_existing_rows(db):
    existing = AccountFactory(npp="12345678")
    scale(db, 150)
    scale(db, 150)
    assert count(db, Account) == 301
    npps = list(db.session.scalars(select(Account.npp).where(Account.npp.is_not(None))))
    assert len(npps) == len(set(npps))
    # The ORM still hands out fresh ids after the explicit-id bulk insert (PostgreSQL sequences).
    assert AccountFactory().id > existing.id
    assert db.session.get(Account, existing.id).npp == "12345678"


def test_seed_scale_is_refused_in_production(monkeypatch, tmp_path, database_url, redis_url):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    cfg = TestConfig(database_url, redis_url, Path(tmp_path))
    cfg.ENV_NAME = "production"
    prod = create_app(cfg)
    with prod.app_context():
        result = prod.test_cli_runner().invoke(args=["seed-scale", "--accounts", "10"])
    assert result.exit_code != 0 and "refused" in result.output


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location(
        "accounts_bench", ROOT / "bench" / "accounts_bench.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_account_benchmark_still_measures_every_case(db, app, bench):
    UserFactory(role="supervisor")
    scale(db)
    results = bench.measure(app, iterations=2, warmup=1, deep_page=3)
    assert len(results) == 7
    assert all(r.median_ms > 0 and r.p95_ms >= r.median_ms and r.queries for r in results)
    assert "list page 3 via cursor" in bench.table(results)


def summaries(db):
    from crm.meetings.models import AccountCadence, AccountMonth

    cadence = {
        (c.account_id, c.last_bod1_on, c.last_held_on, c.next_planned_id, c.held_count)
        for c in db.session.scalars(select(AccountCadence))
    }
    months = {
        (m.account_id, m.month, m.held, m.bod1_held, m.last_held_on)
        for m in db.session.scalars(select(AccountMonth))
    }
    return cadence, months


def test_scaled_interactions_attendees_tasks_and_summaries(db):
    from datetime import timedelta

    from crm.db import utcnow
    from crm.i18n import local_date
    from crm.meetings import summary
    from crm.meetings.models import AccountCadence, Interaction, InteractionAttendee, Task
    from crm.meetings.months import month_of

    scale(db)
    rows = db.session.execute(
        select(Interaction.id, Interaction.account_id, Interaction.status, Interaction.starts_at)
    ).all()
    assert 15 * 300 <= len(rows) <= 25 * 300  # about 20 per account
    now = utcnow()
    assert all(r.starts_at > now - timedelta(days=366) for r in rows)
    assert all(r.starts_at <= now for r in rows if r.status == "held")
    planned = [r for r in rows if r.status == "planned"]
    assert planned and all(now < r.starts_at <= now + timedelta(days=15) for r in planned)
    with_person = set(
        db.session.scalars(
            select(InteractionAttendee.interaction_id).where(
                InteractionAttendee.person_id.is_not(None)
            )
        )
    )
    assert with_person == {r.id for r in rows}  # at least one key person each
    corporate_held = (
        db.session.execute(
            select(Interaction.is_bod1)
            .join(Account, Account.id == Interaction.account_id)
            .where(Account.segment == "corporate", Interaction.status == "held")
        )
        .scalars()
        .all()
    )
    assert 0.45 <= sum(corporate_held) / len(corporate_held) <= 0.7  # ~60% BOD-1 attended
    tasks = db.session.execute(select(Task.status, Task.due_date, Task.assignee_id)).all()
    today = local_date(now)
    assert any(t.status == "open" and t.due_date < today for t in tasks)
    assert any(t.status == "open" and t.due_date >= today for t in tasks)
    assert all(t.assignee_id for t in tasks)
    # The set-based rebuild seed-scale ran equals the streaming one and the service's
    # per-account refresh.
    assert count(db, AccountCadence) == len({r.account_id for r in rows if r.status != "cancelled"})
    built = summaries(db)
    db.session.expunge_all()
    summary.rebuild_all(batch=500)
    db.session.flush()
    db.session.expunge_all()
    assert summaries(db) == built
    months = {}
    for r in rows:
        months.setdefault(r.account_id, set()).add(month_of(r.starts_at))
    for account_id, touched in months.items():
        summary.refresh_account(account_id, touched)
    db.session.flush()
    db.session.expunge_all()
    assert summaries(db) == built


def test_seed_scale_without_interactions(db, runner):
    result = runner.invoke(
        args=[
            "seed-scale",
            "--accounts",
            "100",
            "--batch",
            "100",
            "--interactions-per-account",
            "0",
        ]
    )
    assert result.exit_code == 0, result.output
    from crm.meetings.models import Interaction

    assert count(db, Account) == 100 and count(db, Interaction) == 0


@pytest.fixture
def meetings_bench():
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(
        "meetings_bench", ROOT / "bench" / "meetings_bench.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
    sys.modules.pop("accounts_bench", None)


def test_meetings_benchmark_measures_every_case(db, app, meetings_bench):
    UserFactory(role="supervisor")
    scale(db)
    results, cold = meetings_bench.measure(app, iterations=2, warmup=1)
    assert len(results) == 8 and cold > 0
    assert all(r.median_ms > 0 and r.p95_ms >= r.median_ms and r.queries for r in results)


# -- compliance months and escalation cases --------------------------------------------------


def scale_compliance(db, n: int = 50, months: int = 3, cases: int = 10):
    return seed_scale(
        n,
        password_hash="x",
        batch=100,
        interactions_per_account=0,
        compliance_months=months,
        cases=cases,
        progress=lambda _line: None,
    )


def test_seed_scale_command_adds_compliance_months_and_cases(db, runner):
    from crm.cases.models import EscalationCase
    from crm.compliance.models import CompliancePeriod

    args = ["seed-scale", "--accounts", "50", "--batch", "100", "--interactions-per-account"]
    result = runner.invoke(args=[*args, "0", "--compliance-months", "3", "--cases", "10"])
    assert result.exit_code == 0, result.output
    registered = db.session.scalar(select(func.count()).where(Account.npp.is_not(None)))
    assert count(db, CompliancePeriod) == 3 * registered
    assert count(db, EscalationCase) == 10
    assert f"Compliance: {3 * registered} months, 10 open cases" in result.output
    result = runner.invoke(args=["seed-scale", "--accounts", "5", "--cases", "3"])
    assert result.exit_code != 0 and "--compliance-months" in result.output


def test_scaled_compliance_months_are_unique_and_end_last_month(db):
    from crm.compliance.arrears import add_months
    from crm.compliance.models import ComplianceImport, CompliancePeriod
    from crm.compliance.services import today_local

    report = scale_compliance(db)
    rows = list(db.session.scalars(select(CompliancePeriod)))
    registered = set(db.session.scalars(select(Account.id).where(Account.npp.is_not(None))))
    assert report.compliance_rows == len(rows) == 3 * len(registered)
    keys = [(r.account_id, r.period) for r in rows]
    assert len(keys) == len(set(keys)) and {r.account_id for r in rows} == registered
    last = add_months(today_local().replace(day=1), -1)
    assert {r.period for r in rows} == {add_months(last, -k) for k in range(3)}
    run = db.session.scalar(select(ComplianceImport))
    assert run.rows == len(rows) and {r.import_id for r in rows} == {run.id}
    for r in rows:
        assert r.unpaid == max(r.contribution_due - r.amount_paid, 0)
        assert r.contribution_due > 0 and (r.paid_on is None) == (r.amount_paid == 0)
    assert any(r.unpaid for r in rows) and any(r.unpaid == 0 for r in rows)


def test_scaled_cases_are_valid_open_and_one_per_account_and_reason(db):
    from crm.cases.models import LETTER_TYPES, STAGES, CaseSuggestion, EscalationCase
    from crm.compliance.services import account_compliance, today_local

    report = scale_compliance(db)
    cases = list(db.session.scalars(select(EscalationCase)))
    assert report.cases == len(cases) == 10
    assert len({(c.account_id, c.reason) for c in cases}) == len(cases)
    today = today_local()
    for case in cases:
        assert case.status == "open" and case.stage in STAGES and case.owner_id
        assert case.branch_office_id == case.account.branch_office_id
        events = case.events
        assert events[0].kind == "opened" and events[0].created_at == case.opened_at
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        advanced = [e.to_stage for e in events if e.kind == "advanced"]
        assert advanced == list(STAGES[1 : STAGES.index(case.stage) + 1])
        letter_stages = [s for s in advanced if s in LETTER_TYPES]
        assert [r.stage for r in case.letter_requests] == letter_stages
        for letter in case.letter_requests:
            assert letter.received_on is None or letter.received_on >= letter.issued_on
        if case.stage_due_on is None:
            assert case.waiting_for_letter
        summary = account_compliance(case.account_id, today).summary
        assert case.arrears_as_of == today
        assert (case.arrears_unpaid, case.arrears_fine, case.arrears_total) == (
            summary.unpaid,
            summary.fine,
            summary.total,
        )
        if case.reason == "arrears":
            assert summary.months_in_arrears >= 2
    suggested = set(db.session.scalars(select(CaseSuggestion.account_id)))
    assert {c.account_id for c in cases} <= suggested


def test_services_work_on_scaled_cases_and_hand_out_fresh_ids(db):
    from crm.cases import services
    from crm.cases.models import EscalationCase

    scale_compliance(db)
    supervisor = UserFactory(role="supervisor")
    case = db.session.scalar(
        select(EscalationCase).where(EscalationCase.stage == "persuasi").order_by(EscalationCase.id)
    )
    services.advance_case(case, "pemberitahuan", supervisor, "Lanjut")
    assert case.events[-1].id > case.events[0].id and case.current_letter.id
    highest = db.session.scalar(select(func.max(EscalationCase.id)))
    fresh = services.open_case(AccountFactory(), "arrears", supervisor)
    assert fresh.id > highest


@pytest.fixture
def cases_bench():
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("cases_bench", ROOT / "bench" / "cases_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
    sys.modules.pop("accounts_bench", None)


def test_cases_benchmark_measures_the_board_the_jobs_and_the_import(db, app, cases_bench):
    from crm.cases.models import EscalationCase
    from crm.compliance.models import CompliancePeriod

    UserFactory(role="supervisor")
    scale_compliance(db, n=60, months=4, cases=12)
    results = cases_bench.measure_board(app, iterations=2, warmup=1)
    assert len(results) == 7
    assert all(r.median_ms > 0 and r.p95_ms >= r.median_ms and r.queries for r in results)
    jobs = cases_bench.time_jobs(app)
    assert [t.rows > 0 for t in jobs] == [True, True]
    before = count(db, CompliancePeriod)
    file, timings = cases_bench.time_import(app, size=80, paid_off=2)
    assert file.rows == 80 and file.paid_off_accounts == 2
    job, follow_up = timings[-2:]
    assert job.rows == 80 and set(job.parts) == {"dry_run", "_write"}
    assert follow_up.rows >= 1 and "after_compliance_import" in follow_up.name
    assert count(db, CompliancePeriod) == before + file.new
    closed = db.session.scalar(select(func.count()).where(EscalationCase.closed_reason == "paid"))
    assert closed >= 1
    assert "| step | seconds |" in cases_bench.timing_table(timings)
