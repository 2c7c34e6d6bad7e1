"""factory_boy factories bound to the test session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from crm.accounts.models import Account, KeyPerson, Position
from crm.auth.models import User
from crm.extensions import db
from crm.offices import BranchOffice
from tests.conftest import PASSWORD


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class BranchFactory(Base):
    class Meta:
        model = BranchOffice

    code = factory.Sequence(lambda n: f"TST-{n:03d}")
    name = factory.Sequence(lambda n: f"Kantor Uji {n}")
    region = "Kanwil DKI Jakarta"
    address = "Jl. Gatot Subroto"


class AccountFactory(Base):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"PT Contoh Sejahtera {n}")
    search_name = factory.LazyAttribute(lambda o: _search_name(o.name))
    kind = "company"
    segment = "corporate"
    status = "active"


class InstitutionFactory(AccountFactory):
    name = factory.Sequence(lambda n: f"Kementerian Contoh {n}")
    kind = "ministry"
    segment = "institutional"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@relasi.test")
    name = factory.Sequence(lambda n: f"Pengguna {n}")
    role = "rm"
    active = True
    locale = "id"
    session_version = 1
    password_hash = factory.LazyFunction(lambda: _hash(PASSWORD))
    account = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == "partner"),
        yes_declaration=factory.SubFactory(InstitutionFactory),
        no_declaration=None,
    )


_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    """scrypt is slow on purpose; hash the shared test password once per run."""
    if password not in _HASHES:
        from werkzeug.security import generate_password_hash

        _HASHES[password] = generate_password_hash(password, method="scrypt")
    return _HASHES[password]


def _search_name(name: str) -> str:
    from crm.accounts.services import search_name

    return search_name(name)


class KeyPersonFactory(Base):
    class Meta:
        model = KeyPerson

    name = factory.Sequence(lambda n: f"Budi Contoh {n}")
    email = factory.Sequence(lambda n: f"orang{n}@perusahaan.test")
    phone = "0812-0000-0000"
    influence = 3
    stance = "neutral"


class PositionFactory(Base):
    class Meta:
        model = Position

    person = factory.SubFactory(KeyPersonFactory)
    account = factory.SubFactory(AccountFactory)
    title = "GM Human Capital"
    level = "bod1"
    decision_maker = True


# -- escalation cases (tests/test_case_board.py) -----------------------------------------------

from datetime import timedelta  # noqa: E402

from crm.cases.models import REASONS, EscalationCase  # noqa: E402
from crm.compliance.services import today_local  # noqa: E402


class CaseFactory(Base):
    """An open case at Persuasi, started 3 days ago and due in 14, owned by the account's
    RM, with stored arrears (give arrears_unpaid / arrears_fine; the total follows)."""

    class Meta:
        model = EscalationCase

    account = factory.SubFactory(AccountFactory)
    reason = "arrears"
    stage = "persuasi"
    status = "open"
    owner = factory.LazyAttribute(lambda o: o.account.rm)
    branch_office_id = factory.LazyAttribute(lambda o: o.account.branch_office_id)
    stage_started_on = factory.LazyFunction(lambda: today_local() - timedelta(days=3))
    stage_due_on = factory.LazyAttribute(
        lambda o: o.stage_started_on + timedelta(days=14) if o.stage_started_on else None
    )
    arrears_unpaid = 0
    arrears_fine = 0
    arrears_total = factory.LazyAttribute(lambda o: o.arrears_unpaid + o.arrears_fine)
    arrears_as_of = factory.LazyFunction(today_local)


# -- letters (tests/test_letter_jobs.py, test_letter_verify.py, test_letter_bulk.py) -----------

LETTER_ARREARS = {
    "as_of": "2026-11-20",
    "rows": [
        {
            "period": "2026-08-01",
            "due_on": "2026-09-15",
            "contribution_due": 12_500_000,
            "paid": 0,
            "unpaid": 12_500_000,
            "months_late": 2,
            "fine": 500_000,
            "total": 13_000_000,
        }
    ],
    "unpaid": 12_500_000,
    "fine": 500_000,
    "total": 13_000_000,
}


def case_for_letter(account, letter_type: str):
    """For an escalation letter type, a case of the account at the letter's stage (a new
    one per reason: an account has at most one open case for each); None for others."""
    from crm.letters.types import CASE_LETTER_TYPES

    if letter_type not in CASE_LETTER_TYPES:
        return None
    taken = set(
        db.session.scalars(
            select(EscalationCase.reason).where(
                EscalationCase.account_id == account.id, EscalationCase.status == "open"
            )
        )
    )
    reason = next(r for r in REASONS if r not in taken)
    return CaseFactory(account=account, reason=reason, stage=CASE_LETTER_TYPES[letter_type])


def approved_letter(
    account=None, *, letter_type="teguran_1", rm=None, supervisor=None, arrears=False
):
    """A letter drafted by the account's RM, submitted and approved (numbered) through the
    letters services; `arrears` puts LETTER_ARREARS (one unpaid month) in its facts. An
    escalation letter is drafted from a case of its own at the letter's stage (a case per
    reason: an account has at most one open case for each)."""
    from crm.letters.services import draft_letter
    from crm.letters.workflow import approve_letter, submit_letter

    if account is None:
        account = AccountFactory(rm=rm or UserFactory(role="rm"))
    rm = account.rm
    case = case_for_letter(account, letter_type)
    letter = draft_letter(account, letter_type, rm, case=case)
    if arrears:
        letter.facts = {**(letter.facts or {}), "arrears": LETTER_ARREARS, "pds": []}
    submit_letter(letter, rm)
    approve_letter(letter, supervisor or UserFactory(role="supervisor"))
    db.session.flush()
    return letter
