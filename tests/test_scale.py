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
