"""Locale selection and the formatting filters: dates like `22 November 2026`, `Rp 16.800`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user


def select_locale() -> str:
    """The user's chosen language; Indonesian unless they chose English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    lang = session.get("lang")
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def long_date(value: date | datetime | None) -> str:
    """`22 November 2026` (Indonesian month names unless English is chosen)."""
    if value is None:
        return "-"
    if type(value) is date:  # a list page formats the same few days many times
        return _long_day(value, str(get_locale()))
    return format_date(value, "d MMMM yyyy")


@lru_cache(maxsize=4096)
def _long_day(value: date, locale: str) -> str:
    return babel_format_date(value, "d MMMM yyyy", locale=locale)


def long_datetime(value: datetime | None) -> str:
    """`22 November 2026 14.05` in the configured time zone (Asia/Jakarta by default)."""
    if value is None:
        return "-"
    return format_datetime(value, "d MMMM yyyy HH.mm")


def local_zone() -> ZoneInfo:
    """The configured time zone (CRM_TIMEZONE, Asia/Jakarta by default): we store UTC and
    show, plan and count calendar days and months in this zone."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")


def local_date(value: datetime) -> date:
    """The calendar date of a UTC moment in the configured time zone."""
    return value.astimezone(local_zone()).date()


def local_midnight(day: date) -> datetime:
    """The UTC moment the given local calendar day starts."""
    return datetime.combine(day, time(0, 0), tzinfo=local_zone()).astimezone(UTC)


def local_time_hhmm(value: datetime | None) -> str:
    """`14.05`: the local clock time of a UTC moment."""
    if value is None:
        return "-"
    return value.astimezone(local_zone()).strftime("%H.%M")


def rupiah(amount: int | float | Decimal | None) -> str:
    """`Rp 16.800`: whole rupiah, dot as the thousands separator, minus before Rp."""
    if amount is None:
        return "-"
    whole = int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    digits = f"{abs(whole):,}".replace(",", ".")
    return f"-Rp {digits}" if whole < 0 else f"Rp {digits}"


def register_filters(app: Flask) -> None:
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(long_datetime, "long_datetime")
    app.add_template_filter(rupiah, "rupiah")
    app.add_template_filter(local_time_hhmm, "hhmm")
