"""Working days: Monday to Friday except the days in the holiday table (national holidays
and cuti bersama, admin-editable at /admin/holidays) whose kind is skipped for the purpose
at hand (HolidayUse): payment due dates skip national holidays only (banks are open on
cuti bersama), letter and case deadlines skip both (government offices are closed).

The pure part is WorkingCalendar, built from a set of holiday dates, so arrears and SLA
arithmetic can be tested without a database. working_calendar() loads the holidays once per
request (or job run) into `g`; nothing is cached across requests, so an edit on one web
node is seen by every other node at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask import g, has_app_context
from sqlalchemy import and_, select

from crm.compliance.models import HOLIDAY_PURPOSES, Holiday, HolidayUse
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


PAYMENT, LETTER = HOLIDAY_PURPOSES  # due dates of contributions; letter and case deadlines


def skipped_kinds(purpose: str) -> list[str]:
    """The holiday kinds that are not working days for this purpose."""
    if purpose not in HOLIDAY_PURPOSES:
        raise ValueError(f"unknown calendar purpose {purpose!r}")
    stmt = select(HolidayUse.kind).where(HolidayUse.purpose == purpose, HolidayUse.skipped)
    return list(db.session.scalars(stmt))


def load_calendar(purpose: str) -> WorkingCalendar:
    """The holidays of the kinds this purpose skips (a few dozen rows a year), one query."""
    if purpose not in HOLIDAY_PURPOSES:
        raise ValueError(f"unknown calendar purpose {purpose!r}")
    use = and_(HolidayUse.kind == Holiday.kind, HolidayUse.purpose == purpose)
    stmt = select(Holiday.day).join(HolidayUse, use).where(HolidayUse.skipped)
    return WorkingCalendar(db.session.scalars(stmt))


def working_calendar(purpose: str) -> WorkingCalendar:
    """The calendar for `purpose` (PAYMENT or LETTER), read once per request or job run."""
    if not has_app_context():
        return load_calendar(purpose)
    cache = g.setdefault("_working_calendars", {})
    if purpose not in cache:
        cache[purpose] = load_calendar(purpose)
    return cache[purpose]


def forget_calendar() -> None:
    """After a holiday edit, so the same request sees the change."""
    if has_app_context():
        g.pop("_working_calendars", None)
