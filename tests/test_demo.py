"""The demo data set: enough accounts, people, groups, moves and gaps to try every screen."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from crm.accounts import identifiers as ids
from crm.accounts.models import Account, Position
from crm.accounts.services import search_name
from crm.demo import seed
from crm.meetings.models import Task


@pytest.fixture(autouse=True)
def cheap_password_hash(monkeypatch):
    """scrypt takes 0.14 s per demo user; passwords are not what these tests check."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "crm.auth.models.generate_password_hash",
        lambda password, method=None: generate_password_hash(password, "pbkdf2:sha256:1"),
    )


@pytest.fixture
def demo(db):
    seed("demo-relasi-2026")
    db.session.flush()
    return db


def test_demo_has_companies_institutions_and_bumn_groups(demo):
    kinds = Counter(demo.session.scalars(select(Account.kind)))
    assert kinds["company"] >= 55
    assert sum(kinds[k] for k in ("ministry", "agency", "local_government")) >= 13
    names = set(demo.session.scalars(select(Account.name)))
    assert {"Kementerian Dalam Negeri (Kemendagri)", "Badan Gizi Nasional (BGN)"} <= names
    children = Counter(
        demo.session.scalars(select(Account.parent_id).where(Account.parent_id.is_not(None)))
    )
    assert sum(1 for n in children.values() if n >= 2) >= 4  # holdings with subsidiaries
    ownership = Counter(demo.session.scalars(select(Account.ownership)))
    assert ownership["bumn"] >= 20 and ownership["foreign"] >= 8 and ownership["private"] >= 10


def test_demo_identifiers_are_valid_unique_and_search_names_match(demo):
    accounts = list(demo.session.scalars(select(Account)))
    for key, normalize in (
        ("npp", ids.normalize_npp),
        ("npwp", ids.normalize_npwp),
        ("nib", ids.normalize_nib),
    ):
        values = [getattr(a, key) for a in accounts if getattr(a, key)]
        assert values and all(normalize(v) == v for v in values), key
        assert len(values) == len(set(values)), key
    assert all(a.search_name == search_name(a.name) for a in accounts)
    assert all(a.npp is None for a in accounts if a.status == "prospect")


def test_every_account_has_three_to_eight_people_in_a_reporting_tree(demo):
    current = list(demo.session.scalars(select(Position).where(Position.end_date.is_(None))))
    per_account = Counter(p.account_id for p in current)
    assert len(per_account) == demo.session.scalar(select(func.count()).select_from(Account))
    assert all(3 <= n <= 8 for n in per_account.values()), per_account
    by_id = {p.id: p for p in current}
    roots = Counter(p.account_id for p in current if p.reports_to_id is None)
    assert all(n == 1 for n in roots.values())  # one head per account, everyone else below
    for p in current:
        if p.reports_to_id is not None:
            assert by_id[p.reports_to_id].account_id == p.account_id
    assert {p.level for p in current} == {"bod", "bod1", "bod2", "operational"}
    assert any(p.decision_maker for p in current) and not all(p.decision_maker for p in current)
    people = {p.person for p in current}
    assert all(1 <= kp.influence <= 5 and kp.assessed_on and kp.email for kp in people)


def test_some_people_moved_between_accounts_and_keep_their_history(demo):
    moved = [
        person_id
        for person_id, n in demo.session.execute(
            select(Position.person_id, func.count()).group_by(Position.person_id)
        )
        if n > 1
    ]
    assert len(moved) >= 3
    for person_id in moved:
        positions = list(
            demo.session.scalars(select(Position).where(Position.person_id == person_id))
        )
        assert len({p.account_id for p in positions}) == 2
        ended = [p for p in positions if p.end_date]
        assert len(ended) == 1 and ended[0].successor is not None


def test_a_key_person_gap_has_an_open_reengagement_task_for_its_rm(demo):
    gaps = list(
        demo.session.scalars(select(Account).where(Account.key_person_gap_since.is_not(None)))
    )
    assert gaps
    for account in gaps:
        task = demo.session.scalar(
            select(Task).where(Task.account_id == account.id, Task.kind == "reengagement")
        )
        assert task.status == "open" and task.assignee_id == account.rm_id is not None
        assert demo.session.scalar(
            select(Position).where(
                Position.account_id == account.id, Position.end_date.is_not(None)
            )
        )


def test_accounts_are_spread_over_the_demo_rms_and_branches(demo):
    per_rm = Counter(demo.session.scalars(select(Account.rm_id)))
    assert len([rm for rm in per_rm if rm]) == 2 and min(per_rm.values()) >= 1
    assert len(set(demo.session.scalars(select(Account.branch_office_id)))) >= 10


def test_demo_seed_is_deterministic(db):
    def snapshot():
        with db.session.begin_nested() as nested:
            seed("demo-relasi-2026")
            db.session.flush()
            accounts = db.session.execute(
                select(
                    Account.name, Account.npp, Account.npwp, Account.nib, Account.rm_id
                ).order_by(Account.name)
            ).all()
            people = db.session.execute(
                select(Position.title, Position.level).order_by(Position.id)
            ).all()
            nested.rollback()
        return [tuple(r[:4]) for r in accounts], [tuple(r) for r in people]

    assert snapshot() == snapshot()
