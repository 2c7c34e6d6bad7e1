"""Local calendar months, and the account statuses the cadence counts."""

from __future__ import annotations

from datetime import date, datetime

from crm.i18n import local_date

IN_SCOPE_STATUSES = ("active", "prospect")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` away from day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime) -> date:
    """First day of the local calendar month a UTC moment falls in."""
    return month_start(local_date(moment))
