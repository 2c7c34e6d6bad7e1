"""Arrears worked by hand: deadlines (holidays moved), months late, fines, partial and
late payments, as-of dates, totals and effective-dated rules."""

from __future__ import annotations

from datetime import date

import pytest

from crm.compliance.arrears import (
    MonthFigures,
    Rule,
    account_arrears,
    add_months,
    deadline,
    month_arrears,
    months_late,
    rule_for,
)
from crm.compliance.calendar import WorkingCalendar
from crm.compliance.holidays_data import HOLIDAYS

CAL = WorkingCalendar(day for day, _name, _kind in HOLIDAYS)
RULE = Rule(date(2015, 7, 1))  # 15th of the next month, 2 % a month


def arrears_of(period, due, paid=0, paid_on=None, as_of=date(2026, 11, 22), fine_paid=0):
    figures = MonthFigures(period, due, paid, paid_on, fine_paid)
    return month_arrears(figures, as_of, RULE, CAL)


def test_deadline_is_the_15th_of_the_next_month_on_a_working_day():
    assert deadline(date(2026, 9, 1), RULE, CAL) == date(2026, 10, 15)  # a Thursday


def test_deadline_on_a_sunday_moves_to_monday():
    assert deadline(date(2026, 10, 1), RULE, CAL) == date(2026, 11, 16)


def test_deadline_on_holidays_moves_past_all_of_them():
    # 15 Feb 2026 is a Sunday, 16 Feb cuti bersama Imlek, 17 Feb Imlek: Wednesday 18 Feb.
    assert deadline(date(2026, 1, 1), RULE, CAL) == date(2026, 2, 18)
    # 15 May 2026 (Friday) is cuti bersama after Kenaikan: Monday 18 May.
    assert deadline(date(2026, 4, 1), RULE, CAL) == date(2026, 5, 18)
    # 15 Aug 2026 is a Saturday and Monday 17 Aug is Independence Day: Tuesday 18 Aug.
    assert deadline(date(2026, 7, 1), RULE, CAL) == date(2026, 8, 18)


@pytest.mark.parametrize(
    ("day", "late"),
    [
        (date(2026, 2, 18), 0),  # on the deadline
        (date(2026, 2, 19), 1),  # one day late is a month
        (date(2026, 3, 18), 1),  # exactly a month later: still one
        (date(2026, 3, 19), 2),
        (date(2026, 4, 18), 2),
        (date(2026, 4, 20), 3),
        (date(2027, 2, 18), 12),
    ],
)
def test_every_started_month_after_the_deadline_counts(day, late):
    assert months_late(date(2026, 2, 18), day) == late


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), -23) == date(2024, 12, 15)


def test_paid_in_full_on_the_deadline_is_on_time():
    m = arrears_of(date(2026, 4, 1), 10_000_000, 10_000_000, date(2026, 5, 18))
    assert (m.state, m.fine, m.arrears) == ("on_time", 0, 0)


def test_paid_in_full_one_day_after_the_deadline_owes_one_month_of_fine():
    m = arrears_of(date(2026, 4, 1), 10_000_000, 10_000_000, date(2026, 5, 19))
    # 2 % x 10.000.000 x 1 month = 200.000, still owed: the export shows no fine paid.
    assert (m.state, m.months_late, m.unpaid, m.fine, m.arrears) == (
        "late",
        1,
        0,
        200_000,
        200_000,
    )


def test_a_late_payment_with_its_fine_paid_leaves_nothing_owed():
    # June 2026: deadline 15 Jul; paid 20 Aug = 2 months late: 2 % x 6.000.000 x 2 = 240.000.
    m = arrears_of(date(2026, 6, 1), 6_000_000, 6_000_000, date(2026, 8, 20), fine_paid=240_000)
    assert (m.state, m.months_late, m.fine, m.fine_owed, m.arrears) == (
        "late",
        2,
        240_000,
        0,
        0,
    )


def test_partial_payment_on_time_fines_only_the_unpaid_rest():
    # January 2026: deadline Wed 18 Feb (holidays). 3.000.000 of 8.000.000 paid on 10 Feb.
    # On 20 Apr the remaining 5.000.000 is 3 months late (18 Mar, 18 Apr, then 20 Apr):
    # fine 2 % x 5.000.000 x 3 = 300.000; arrears 5.000.000 + 300.000.
    m = arrears_of(date(2026, 1, 1), 8_000_000, 3_000_000, date(2026, 2, 10), date(2026, 4, 20))
    assert (m.state, m.paid, m.unpaid, m.months_late, m.fine, m.arrears) == (
        "partial",
        3_000_000,
        5_000_000,
        3,
        300_000,
        5_300_000,
    )


def test_partial_payment_as_of_earlier_dates():
    args = (date(2026, 1, 1), 8_000_000, 3_000_000, date(2026, 2, 10))
    on_deadline = arrears_of(*args, as_of=date(2026, 2, 18))
    assert (on_deadline.state, on_deadline.arrears) == ("not_due", 0)
    next_day = arrears_of(*args, as_of=date(2026, 2, 19))
    assert (next_day.fine, next_day.arrears) == (100_000, 5_100_000)
    # Before the payment date the payment had not happened yet.
    before = arrears_of(*args, as_of=date(2026, 2, 9))
    assert (before.paid, before.unpaid, before.state) == (0, 8_000_000, "not_due")


def test_partial_payment_made_late_is_fined_on_both_parts():
    # 4.000.000 of 10.000.000 paid 20 Jun for April (deadline 18 May): 2 months late on
    # 4.000.000 = 160.000; on 20 Dec the rest is 8 months late (18 Jun ... 18 Dec, then
    # 20 Dec): 6.000.000 x 2 % x 8 = 960.000.
    m = arrears_of(
        date(2026, 4, 1), 10_000_000, 4_000_000, date(2026, 6, 20), as_of=date(2026, 12, 20)
    )
    assert (m.unpaid, m.fine, m.arrears) == (6_000_000, 1_120_000, 7_120_000)


def test_fines_round_half_up_to_whole_rupiah():
    # 1.234.567 x 2 % x 2 = 49.382,68 -> 49.383
    m = arrears_of(date(2026, 9, 1), 1_234_567)
    assert (m.months_late, m.fine, m.arrears) == (2, 49_383, 1_283_950)


def test_account_totals_as_of_a_date():
    months = [
        MonthFigures(date(2026, 8, 1), 2_000_000),  # due 15 Sep: 3 months late, 120.000
        MonthFigures(date(2026, 9, 1), 1_234_567),  # due 15 Oct: 2 months late, 49.383
        MonthFigures(date(2026, 10, 1), 1_000_000),  # due Mon 16 Nov: 1 month, 20.000
        MonthFigures(date(2026, 11, 1), 1_000_000),  # due 15 Dec: not yet
        MonthFigures(date(2026, 7, 1), 5_000_000, 5_000_000, date(2026, 8, 14)),  # on time
        MonthFigures(date(2026, 12, 1), 9_000_000),  # after the date: left out
    ]
    summary = account_arrears(months, date(2026, 11, 22), [RULE], CAL)
    assert [m.period.month for m in summary.months] == [7, 8, 9, 10, 11]
    assert [m.state for m in summary.months] == [
        "on_time",
        "unpaid",
        "unpaid",
        "unpaid",
        "not_due",
    ]
    assert summary.unpaid == 4_234_567
    assert summary.fine == 189_383
    assert summary.total == 4_423_950
    assert summary.months_in_arrears == 3


def test_nothing_due_is_on_time():
    m = arrears_of(date(2026, 3, 1), 0)
    assert (m.state, m.arrears) == ("on_time", 0)


def test_a_rule_change_applies_only_to_later_months():
    rules = [Rule(date(2015, 7, 1)), Rule(date(2027, 1, 1), fine_bp_per_month=300)]
    assert rule_for(date(2026, 12, 1), rules).fine_bp_per_month == 200
    assert rule_for(date(2027, 1, 1), rules).fine_bp_per_month == 300
    assert rule_for(date(2010, 1, 1), rules).effective_from == date(2015, 7, 1)
    months = [MonthFigures(date(2026, 12, 1), 1_000_000), MonthFigures(date(2027, 1, 1), 1_000_000)]
    # As of 20 Mar 2027: December (due 15 Jan) 3 months at 2 %; January (due 15 Feb) 2 at 3 %.
    summary = account_arrears(months, date(2027, 3, 20), rules, CAL)
    assert [m.fine for m in summary.months] == [60_000, 60_000]
