"""Letter-test data: an account's unpaid months with a PDS finding."""

from __future__ import annotations

from datetime import date

from crm.compliance.models import CompliancePeriod


def arrears_months(account, months=("2026-07-01", "2026-08-01"), pds=True) -> None:
    """Unpaid months (Rp 10 juta each); the latest with a PDS TK finding."""
    from crm.extensions import db

    last = len(months) - 1
    db.session.add_all(
        CompliancePeriod(
            account_id=account.id,
            period=date.fromisoformat(raw),
            contribution_due=10_000_000,
            amount_paid=0,
            unpaid=10_000_000,
            pds_tk=pds and i == last,
            pds_notes="120 pekerja belum didaftarkan" if pds and i == last else "",
        )
        for i, raw in enumerate(months)
    )
    db.session.flush()
