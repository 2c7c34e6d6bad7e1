"""A sponsorship's period and its shown status, in Python and as SQL filters.

Stored: pledged, active (a payment was recorded), renewed, cancelled. Shown: renewed and
cancelled as stored; a pledged or active one whose period has ended is "expired", and
"expiring" from EXPIRING_DAYS days before its last day. Both depend on today, so they are
computed, and the filters are ranges of ix_sponsorship_status_end.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

from crm.compliance.arrears import add_months
from crm.sponsorships.models import OPEN_STATUSES, Sponsorship

EXPIRING_DAYS = 30
SHOWN_STATUSES = ("pledged", "active", "expiring", "expired", "renewed", "cancelled")


def period_end(start_month: date, months: int) -> date:
    """The last day of the last month covered."""
    return add_months(start_month.replace(day=1), months) - timedelta(days=1)


def shown_status(sponsorship: Sponsorship, today: date) -> str:
    """What the pages show: the stored status, or expired / expiring by today's date."""
    if sponsorship.status not in OPEN_STATUSES:
        return sponsorship.status
    if sponsorship.end_on < today:
        return "expired"
    if sponsorship.end_on <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return sponsorship.status


def status_condition(code: str, today: date) -> ColumnElement | None:
    """The WHERE clause of a shown status (None for an unknown code: no filter)."""
    s = Sponsorship
    soon = today + timedelta(days=EXPIRING_DAYS)
    if code in ("renewed", "cancelled"):
        return s.status == code
    if code == "expired":
        return and_(s.status.in_(OPEN_STATUSES), s.end_on < today)
    if code == "expiring":
        return and_(s.status.in_(OPEN_STATUSES), s.end_on >= today, s.end_on <= soon)
    if code in OPEN_STATUSES:
        return and_(s.status == code, s.end_on > soon)
    return None


def blocks_nik(sponsorship: Sponsorship, today: date) -> bool:
    """Whether its beneficiaries are taken for its period: not cancelled, not expired."""
    return sponsorship.status != "cancelled" and sponsorship.end_on >= today
