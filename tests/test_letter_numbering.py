"""Letter numbers: `CODE/sequence/MMYYYY`, one gapless sequence per code and year, given only
at approval; a rolled-back approval gives its number back; concurrent approvals on
PostgreSQL get distinct consecutive numbers."""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest

from crm.auth.models import User
from crm.extensions import db as _db
from crm.letters import services, workflow
from crm.letters.models import Letter, LetterSequence, LetterTypeSetting
from crm.letters.numbering import format_number, next_number
from crm.services import ServiceError
from tests.factories import AccountFactory, UserFactory


def submitted(account, rm, letter_type="undangan") -> Letter:
    letter = services.draft_letter(account, letter_type, rm)
    workflow.submit_letter(letter, rm)
    return letter


@pytest.fixture
def people(db):
    rm = UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    return rm, supervisor, AccountFactory(rm=rm)


def test_number_format_is_code_sequence_month_year():
    assert format_number("B", 91, date(2025, 2, 10)) == "B/91/022025"
    assert format_number("TGR", 1, date(2026, 11, 30)) == "TGR/1/112026"


def test_sequence_per_code_and_year_restarts_every_year(db):
    assert next_number("pemberitahuan", date(2025, 2, 10)).text == "B/1/022025"
    assert next_number("pemberitahuan", date(2025, 12, 31)).text == "B/2/122025"
    # Teguran I and II share the code TGR, so one sequence.
    assert next_number("teguran_1", date(2025, 3, 1)).text == "TGR/1/032025"
    assert next_number("teguran_2", date(2025, 3, 2)).text == "TGR/2/032025"
    assert next_number("pemberitahuan", date(2026, 1, 2)).text == "B/1/012026"
    assert next_number("pemberitahuan", date(2025, 12, 31)).text == "B/3/122025"
    assert db.session.get(LetterSequence, ("B", 2025)).last == 3


def test_the_admin_code_is_used(db):
    db.session.get(LetterTypeSetting, "undangan").code = "UND.JKT-1"
    assert next_number("undangan", date(2026, 5, 4)).text == "UND.JKT-1/1/052026"


def test_approval_numbers_in_order_and_a_cancelled_draft_takes_no_number(db, people):
    rm, supervisor, account = people
    first = submitted(account, rm)
    cancelled = services.draft_letter(account, "undangan", rm)
    workflow.cancel_letter(cancelled, rm)
    cancelled_submitted = submitted(account, rm)
    workflow.cancel_letter(cancelled_submitted, rm)
    second = submitted(account, rm)
    day = date(2026, 2, 3)
    workflow.approve_letter(first, supervisor, today=day)
    workflow.approve_letter(second, supervisor, today=day)
    assert (first.number, second.number) == ("UND/1/022026", "UND/2/022026")
    assert cancelled.number is None and cancelled_submitted.number is None
    assert (second.number_code, second.number_year, second.number_seq) == ("UND", 2026, 2)
    assert second.letter_date == day


def test_yearly_restart_through_approval_with_a_frozen_today(db, people, monkeypatch):
    rm, supervisor, account = people
    letters = [submitted(account, rm) for _ in range(3)]
    monkeypatch.setattr(workflow, "today_local", lambda: date(2026, 12, 31))
    workflow.approve_letter(letters[0], supervisor)
    workflow.approve_letter(letters[1], supervisor)
    monkeypatch.setattr(workflow, "today_local", lambda: date(2027, 1, 4))
    workflow.approve_letter(letters[2], supervisor)
    assert [x.number for x in letters] == ["UND/1/122026", "UND/2/122026", "UND/1/012027"]


def test_a_rolled_back_approval_gives_its_number_back(db, people):
    rm, supervisor, account = people
    one, two = submitted(account, rm), submitted(account, rm)
    day = date(2026, 4, 1)
    savepoint = db.session.begin_nested()
    workflow.approve_letter(one, supervisor, today=day)
    assert one.number == "UND/1/042026"
    savepoint.rollback()
    workflow.approve_letter(two, supervisor, today=day)
    assert two.number == "UND/1/042026"


def test_numbers_are_given_only_at_approval(db, people):
    rm, supervisor, account = people
    letter = submitted(account, rm)
    assert letter.number is None and letter.letter_date is None
    with pytest.raises(ServiceError):
        workflow.approve_letter(services.draft_letter(account, "undangan", rm), supervisor)
    with pytest.raises(PermissionError):
        workflow.approve_letter(letter, rm)
    assert letter.number is None and db.session.get(LetterSequence, ("UND", 2026)) is None


@pytest.mark.live
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent row locks need PostgreSQL (SQLite has a single writer)",
)
def test_twenty_concurrent_approvals_get_distinct_consecutive_numbers(app, db):
    rm = UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    account = AccountFactory(rm=rm)
    ids = [submitted(account, rm).id for _ in range(20)]
    supervisor_id = supervisor.id
    _db.session.commit()
    _db.session.remove()
    day = date(2026, 3, 9)
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def approve(letter_id: int) -> None:
        with app.app_context():  # its own session and connection
            try:
                # Start together; the pool (smaller than 20) makes the rest queue for a
                # connection, and those holding one queue on the sequence row's lock.
                barrier.wait(timeout=30)
                letter = _db.session.get(Letter, letter_id)
                actor = _db.session.get(User, supervisor_id)
                workflow.approve_letter(letter, actor, today=day)
                _db.session.commit()
            except BaseException as exc:  # reported below
                errors.append(exc)
                _db.session.rollback()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    seqs = sorted(_db.session.scalars(_db.select(Letter.number_seq).where(Letter.id.in_(ids))))
    assert seqs == list(range(1, 21))
    numbers = set(_db.session.scalars(_db.select(Letter.number).where(Letter.id.in_(ids))))
    assert numbers == {f"UND/{n}/032026" for n in range(1, 21)}
    assert _db.session.get(LetterSequence, ("UND", 2026)).last == 20
