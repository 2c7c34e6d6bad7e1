"""Working days: Monday to Friday except the days in the holiday table (national holidays
and cuti bersama, admin-editable at /admin/holidays).

The pure part is WorkingCalendar, built from a set of holiday dates, so arrears and SLA
arithmetic can be tested without a database. working_calendar() loads the holidays once per
request (or job run) into `g`; nothing is cached across requests, so an edit on one web
node is seen by every other node at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask import g, has_app_context
from sqlalchemy import select

from crm.compliance.models import Holiday
from crm.extensions import db

SATURDAY = 5
MAX_SCAN_DAYS = 3660  # a guard: no real calendar has ten years without a working day


class WorkingCalendar:
    """Weekends and the given holidays are not working days."""

    def __init__(self, holidays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day found")

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself does not count, whatever it
        is): Friday + 1 = Monday; n = 0 gives start. Negative n counts backwards."""
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        guard = 0
        while left:
            day += timedelta(days=step)
            guard += 1
            if guard > MAX_SCAN_DAYS + 3 * abs(n):
                raise ValueError("no working day found")
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def load_calendar() -> WorkingCalendar:
    """Every holiday in the table (a few dozen rows a year)."""
    return WorkingCalendar(db.session.scalars(select(Holiday.day)))


def working_calendar() -> WorkingCalendar:
    """The calendar, read once per request or job run."""
    if not has_app_context():
        return load_calendar()
    cached = g.get("_working_calendar")
    if cached is None:
        cached = g._working_calendar = load_calendar()
    return cached


def forget_calendar() -> None:
    """After a holiday edit, so the same request sees the change."""
    if has_app_context():
        g.pop("_working_calendar", None)


def is_working_day(day: date) -> bool:
    return working_calendar().is_working_day(day)


def next_working_day(day: date) -> date:
    return working_calendar().next_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return working_calendar().add_working_days(start, n)
