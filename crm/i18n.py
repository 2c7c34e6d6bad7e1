"""Locale selection and the formatting filters: dates like `22 November 2026`, `Rp 16.800`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime
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
    return format_date(value, "d MMMM yyyy")


def long_datetime(value: datetime | None) -> str:
    """`22 November 2026 14.05` in the configured time zone (Asia/Jakarta by default)."""
    if value is None:
        return "-"
    return format_datetime(value, "d MMMM yyyy HH.mm")


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
