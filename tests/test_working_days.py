"""Working days: weekends and the holiday table are skipped."""

from __future__ import annotations

from datetime import date

from crm.compliance import calendar
from crm.compliance.calendar import LETTER, PAYMENT, WorkingCalendar
from crm.compliance.holidays_data import HOLIDAYS, seed_holidays
from crm.compliance.models import Holiday

CAL = WorkingCalendar(day for day, _name, _kind in HOLIDAYS)


def test_weekends_and_holidays_are_not_working_days():
    assert CAL.is_working_day(date(2026, 11, 20))  # Friday
    assert not CAL.is_working_day(date(2026, 11, 21))  # Saturday
    assert not CAL.is_working_day(date(2026, 8, 17))  # Monday, Independence Day
    assert not CAL.is_working_day(date(2026, 12, 24))  # cuti bersama


def test_next_working_day():
    assert CAL.next_working_day(date(2026, 11, 20)) == date(2026, 11, 20)
    assert CAL.next_working_day(date(2026, 8, 15)) == date(2026, 8, 18)
    # Idulfitri 2026: 20-24 March are holidays or leave, 21-22 a weekend.
    assert CAL.next_working_day(date(2026, 3, 18)) == date(2026, 3, 25)


def test_add_working_days_skips_weekends_and_holidays():
    assert CAL.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Fri -> Mon
    assert CAL.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)
    # 10 working days from Tue 17 Mar 2026: 25, 26, 27, 30, 31 Mar, 1, 2, (3 Good Friday),
    # 6, 7, 8 Apr.
    assert CAL.add_working_days(date(2026, 3, 17), 10) == date(2026, 4, 8)


def test_add_working_days_zero_and_backwards():
    assert CAL.add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 21)
    # Back from Mon 18 May 2026: 15 May leave, 14 May Kenaikan: Wednesday 13 May.
    assert CAL.add_working_days(date(2026, 5, 18), -1) == date(2026, 5, 13)


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 3, 17), date(2026, 4, 8)) == 10
    assert CAL.working_days_between(date(2026, 4, 8), date(2026, 3, 17)) == 0


def test_a_calendar_without_holidays_only_skips_weekends():
    plain = WorkingCalendar()
    assert plain.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 17)


def test_the_database_calendar_reads_the_holiday_table_once_per_request(app, db):
    db.session.add(Holiday(day=date(2026, 11, 23), name="Libur uji", kind="national"))
    db.session.flush()
    with app.test_request_context():
        assert calendar.working_calendar(LETTER).add_working_days(date(2026, 11, 20), 1) == date(
            2026, 11, 24
        )
        db.session.add(Holiday(day=date(2026, 11, 24), name="Libur uji 2", kind="national"))
        db.session.flush()
        assert calendar.working_calendar(LETTER).is_working_day(date(2026, 11, 24))  # cached
        calendar.forget_calendar()
        assert not calendar.working_calendar(LETTER).is_working_day(date(2026, 11, 24))


def test_seed_holidays_is_idempotent_and_keeps_admin_edits(app, db):
    db.session.add(Holiday(day=date(2026, 12, 25), name="Natal (diubah admin)", kind="national"))
    db.session.flush()
    added = seed_holidays()
    assert added == len(HOLIDAYS) - 1
    assert seed_holidays() == 0
    assert db.session.query(Holiday).count() == len(HOLIDAYS)
    natal = db.session.query(Holiday).filter_by(day=date(2026, 12, 25)).one()
    assert natal.name == "Natal (diubah admin)"


def test_cuti_bersama_moves_letter_deadlines_but_not_payment_due_dates(app, db):
    """January 2026 is due on the 16th of February although the 16th is cuti bersama (banks
    are open); a letter deadline over the same days skips it (offices are closed)."""
    db.session.add(
        Holiday(day=date(2026, 2, 16), name="Cuti bersama Imlek", kind="collective_leave")
    )
    db.session.add(Holiday(day=date(2026, 2, 17), name="Imlek", kind="national"))
    db.session.flush()
    with app.test_request_context():
        pay, letter = calendar.working_calendar(PAYMENT), calendar.working_calendar(LETTER)
        assert pay.next_working_day(date(2026, 2, 15)) == date(2026, 2, 16)
        assert letter.next_working_day(date(2026, 2, 15)) == date(2026, 2, 18)
        assert letter.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 18)
