"""What a compliance row replaces: the stored month, old -> new values, paid -> unpaid."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.compliance.models import CompliancePeriod
from crm.extensions import db
from crm.i18n import rupiah
from crm.imports import Change, Check, Issue, chunked


def stored_months(
    keys: set[tuple[int, date]], fields: tuple[str, ...]
) -> dict[tuple[int, date], dict[str, Any]]:
    """The (account, month) rows already stored (id and figures), per month and chunk of
    accounts."""
    by_period: dict[date, set[int]] = {}
    for account_id, period in keys:
        by_period.setdefault(period, set()).add(account_id)
    names = ("id", *fields, "unpaid")
    cols = [getattr(CompliancePeriod, name) for name in names]
    found: dict[tuple[int, date], dict[str, Any]] = {}
    for period, account_ids in by_period.items():
        for batch in chunked(sorted(account_ids)):
            stmt = select(CompliancePeriod.account_id, *cols).where(
                CompliancePeriod.period == period, CompliancePeriod.account_id.in_(batch)
            )
            for account_id, *values in db.session.execute(stmt):
                found[(account_id, period)] = dict(zip(names, values, strict=True))
    return found


def _shown(value: Any) -> str:
    """A stored or imported figure as the preview shows it."""
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if value is None or value == "":
        return "-"
    return value.isoformat() if isinstance(value, date) else str(value)


def compare(
    check: Check, row: Any, npp: str, stored: dict[str, Any], headers: dict[str, str]
) -> None:
    """Old -> new for every figure the row replaces; a paid month turning unpaid warns."""
    record = f"{npp} {row.period:%Y-%m}"
    for key in (k for k in stored if k not in ("id", "unpaid")):  # in column order
        old, new = stored[key], row.values[key]
        if (old or None) != (new or None):
            check.changes.append(Change(row.line, record, headers[key], _shown(old), _shown(new)))
    if stored["unpaid"] == 0 and row.values["unpaid"] > 0:
        message = _(
            "Bulan ini tercatat lunas; file ini mencatatnya belum lunas (lunas → belum lunas, "
            "tunggakan %(amount)s).",
            amount=rupiah(row.values["unpaid"]),
        )
        check.warnings.append(Issue(row.line, headers["amount_paid"], message))
