"""Compliance services: the arrears rules in force, an account's months and arrears, and
the holiday calendar's edits (each audited; callers commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.compliance import arrears
from crm.compliance.calendar import PAYMENT, forget_calendar, working_calendar
from crm.compliance.models import HOLIDAY_KINDS, ArrearsRule, CompliancePeriod, Holiday
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date
from crm.services import ServiceError

GRID_MONTHS = 24


def today_local() -> date:
    """Today in the configured time zone."""
    return local_date(utcnow())


HOLIDAY_FIELDS = ("day", "name", "kind")


# -- rules and arrears -----------------------------------------------------------------------


def arrears_rules() -> list[arrears.Rule]:
    """Every effective-dated rule, read once per request or job run."""
    cached = g.get("_arrears_rules") if has_app_context() else None
    if cached is not None:
        return cached
    rules = [
        arrears.Rule(r.effective_from, r.due_day, r.due_months_after, r.fine_bp_per_month)
        for r in db.session.scalars(select(ArrearsRule).order_by(ArrearsRule.effective_from))
    ]
    if not rules:  # the migration seeds one; an emptied table falls back to DOMAIN.md's
        rules = [arrears.Rule(date(2015, 7, 1))]
    if has_app_context():
        g._arrears_rules = rules
    return rules


def figures_of(row: CompliancePeriod) -> arrears.MonthFigures:
    return arrears.MonthFigures(
        row.period, row.contribution_due, row.amount_paid, row.paid_on, row.fine_paid
    )


@dataclass
class GridMonth:
    period: date
    row: CompliancePeriod | None
    figures: arrears.MonthArrears | None

    @property
    def state(self) -> str:
        return self.figures.state if self.figures else "no_data"


@dataclass
class AccountCompliance:
    as_of: date
    grid: list[GridMonth]  # the GRID_MONTHS months ending with the as-of month, oldest first
    summary: arrears.ArrearsSummary  # every month up to the date


def account_compliance(account_id: int, as_of: date) -> AccountCompliance:
    """The account's grid and arrears as of a date: one query for its months."""
    rows = list(
        db.session.scalars(
            select(CompliancePeriod)
            .where(CompliancePeriod.account_id == account_id, CompliancePeriod.period <= as_of)
            .order_by(CompliancePeriod.period)
        )
    )
    summary = arrears.account_arrears(
        [figures_of(r) for r in rows], as_of, arrears_rules(), working_calendar(PAYMENT)
    )
    by_period = {m.period: m for m in summary.months}
    rows_by_period = {r.period: r for r in rows}
    last = arrears.month_start(as_of)
    grid = []
    for back in range(GRID_MONTHS - 1, -1, -1):
        period = arrears.add_months(last, -back)
        grid.append(GridMonth(period, rows_by_period.get(period), by_period.get(period)))
    return AccountCompliance(as_of, grid, summary)


# -- holidays --------------------------------------------------------------------------------


def save_holiday(holiday: Holiday | None, day: date, name: str, kind: str, actor) -> Holiday:
    """Add a holiday, or change one; one holiday per date."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Wajib diisi."), "name")
    if kind not in HOLIDAY_KINDS:
        raise ServiceError(_("Pilih jenis hari libur."), "kind")
    clash = db.session.scalar(select(Holiday).where(Holiday.day == day))
    if clash is not None and clash is not holiday:
        raise ServiceError(
            _("Tanggal ini sudah tercatat sebagai %(name)s.", name=clash.name), "day"
        )
    before = audit.snapshot(holiday, HOLIDAY_FIELDS) if holiday else None
    if holiday is None:
        holiday = Holiday(day=day, name=name[:150], kind=kind)
        db.session.add(holiday)
    else:
        holiday.day, holiday.name, holiday.kind = day, name[:150], kind
    db.session.flush()
    audit.record(
        "holiday.update" if before else "holiday.create",
        holiday,
        summary=f"{holiday.day.isoformat()} {holiday.name}",
        before=before,
        after=audit.snapshot(holiday, HOLIDAY_FIELDS),
        actor=actor,
    )
    forget_calendar()
    return holiday


def delete_holiday(holiday: Holiday, actor) -> None:
    audit.record(
        "holiday.delete",
        holiday,
        summary=f"{holiday.day.isoformat()} {holiday.name}",
        before=audit.snapshot(holiday, HOLIDAY_FIELDS),
        actor=actor,
    )
    db.session.delete(holiday)
    db.session.flush()
    forget_calendar()
