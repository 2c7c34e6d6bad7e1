"""Flask commands: users, seed-demo."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from crm.accounts.models import Account
from crm.auth.models import User
from crm.demo import company_names
from tests.factories import BranchFactory, InstitutionFactory


def test_users_create_makes_a_user_who_must_change_password(db, runner):
    BranchFactory(code="JKT-SDM")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Baru@Relasi.test",
            "--name",
            "Rina",
            "--role",
            "rm",
            "--branch",
            "jkt-sdm",
            "--password",
            "sandi-Awal-2026",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "baru@relasi.test"))
    assert user.role == "rm" and user.branch_office.code == "JKT-SDM"
    assert user.must_change_password and user.check_password("sandi-Awal-2026")


def test_users_create_partner_needs_an_institution(db, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "m@kemendagri.test",
            "--name",
            "M",
            "--role",
            "partner",
            "--password",
            "sandi-Awal-2026",
        ]
    )
    assert result.exit_code != 0 and "institusi" in result.output
    InstitutionFactory(name="Kementerian Dalam Negeri (Kemendagri)")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "m@kemendagri.test",
            "--name",
            "M",
            "--role",
            "partner",
            "--institution",
            "Kementerian Dalam Negeri (Kemendagri)",
            "--password",
            "sandi-Awal-2026",
        ]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "rm", "--branch", "TIDAK-ADA"],
        ["--role", "superuser"],
    ],
)
def test_users_create_refuses_bad_input(db, runner, args):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@relasi.test",
            "--name",
            "X",
            "--password",
            "sandi-Awal-2026",
            *args,
        ]
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_loads_the_demo_users_and_refuses_a_second_time(db, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    emails = set(db.session.scalars(select(User.email)))
    assert emails == {
        "admin@relasi.test",
        "supervisor@relasi.test",
        "supervisor2@relasi.test",
        "rm@relasi.test",
        "rm2@relasi.test",
        "partner@kemendagri.test",
    }
    partner = db.session.scalar(select(User).where(User.role == "partner"))
    assert "Kemendagri" in partner.account.name and partner.check_password("demo-relasi-2026")
    assert (
        db.session.scalar(
            select(func.count()).select_from(Account).where(Account.name.like("%BGN%"))
        )
        == 1
    )
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0


def test_demo_names_are_deterministic():
    assert company_names(random.Random(2026), 10) == company_names(random.Random(2026), 10)
