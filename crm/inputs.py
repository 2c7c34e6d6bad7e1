"""Bounds for numbers and dates typed by users: one place decides what is in range.

Every primary key is an INTEGER column (32 bits on PostgreSQL) and SQLite refuses a Python
int of 2**63 or more with OverflowError, so an out-of-range number never reaches a query;
dates outside 1900-2100 are typos (and 9999-12-31 + 1 day is no date at all).
"""

from __future__ import annotations

from datetime import date

from flask import request

MAX_ID = 2**31 - 1
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)


def parse_int(raw, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The ASCII whole number in raw when minimum <= n <= maximum, else None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        digits = text[1:] if text[:1] in "+-" else text
        # isascii: str.isdigit() also accepts "²", which int() refuses; the length check
        # keeps int() from ever parsing a megabyte of digits.
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):
            return None
        value = int(text)
    return value if minimum <= value <= maximum else None


def parse_date(raw, *, earliest: date = MIN_DATE, latest: date = MAX_DATE) -> date | None:
    """The ISO date in raw when earliest <= day <= latest, else None."""
    if isinstance(raw, date):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw or "").strip()[:10])
        except ValueError:
            return None
    return day if earliest <= day <= latest else None


def int_arg(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A number from the query string; absent, malformed or out of range is None."""
    return parse_int(request.args.get(name, ""), minimum=minimum, maximum=maximum)


def int_args(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> list[int]:
    """Every in-range number of a repeated query or form argument (`?id=1&id=2`)."""
    values = [*request.args.getlist(name), *request.form.getlist(name)]
    numbers = (parse_int(v, minimum=minimum, maximum=maximum) for v in values)
    return [n for n in numbers if n is not None]


def date_arg(name: str, *, earliest: date = MIN_DATE, latest: date = MAX_DATE) -> date | None:
    """A date from the query string; absent, malformed or out of range is None."""
    return parse_date(request.args.get(name, ""), earliest=earliest, latest=latest)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(column, text: str):
    """column LIKE %text% where a typed %, _ or \\ is a character, never a wildcard."""
    return column.like(f"%{_escape_like(text)}%", escape="\\")


def starts_with_text(column, text: str):
    """column LIKE text% with text's own %, _ and \\ escaped."""
    return column.like(f"{_escape_like(text)}%", escape="\\")
