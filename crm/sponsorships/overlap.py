"""The NIK overlap rule between sponsorships.

A NIK may not be in two sponsorships whose [start month, last day] periods intersect,
unless the other one is cancelled or has expired (its last day is before today). The
refusal names the other sponsor, and shows the NIK masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from crm.accounts.models import Account
from crm.extensions import db
from crm.imports.checks import chunked
from crm.sponsorships.labels import scheme_label
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.nik import mask_nik


@dataclass
class Conflict:
    nik: str
    sponsorship_id: int
    sponsor: str
    scheme: str
    start_month: date
    end_on: date

    def message(self) -> str:
        return _(
            "NIK %(nik)s sudah disponsori %(sponsor)s (%(scheme)s, %(start)s – %(end)s).",
            nik=mask_nik(self.nik),
            sponsor=self.sponsor,
            scheme=scheme_label(self.scheme),
            start=format_date(self.start_month, "MMMM yyyy"),
            end=format_date(self.end_on, "MMMM yyyy"),
        )


def conflicts(
    niks, start: date, end: date, exclude_id: int | None, today: date
) -> dict[str, Conflict]:
    """The other running sponsorship holding each NIK in an overlapping period, loaded per
    chunk of NIKs (ix_sponsorship_beneficiary_nik)."""
    found: dict[str, Conflict] = {}
    b, s = SponsorshipBeneficiary, Sponsorship
    for batch in chunked(sorted(set(niks))):
        stmt = (
            select(b.nik, s.id, Account.name, s.scheme, s.start_month, s.end_on)
            .join(s, s.id == b.sponsorship_id)
            .join(Account, Account.id == s.account_id)
            .where(
                b.nik.in_(batch),
                s.status != "cancelled",
                s.end_on >= today,
                s.start_month <= end,
                s.end_on >= start,
            )
            .order_by(s.start_month, s.id)
        )
        if exclude_id is not None:
            stmt = stmt.where(s.id != exclude_id)
        for row in db.session.execute(stmt):
            found.setdefault(row[0], Conflict(*row))
    return found


def first_conflict(sponsorship: Sponsorship, start: date, end: date, today: date) -> str | None:
    """The message of the first beneficiary taken elsewhere for a new period, if any."""
    niks = db.session.scalars(
        select(SponsorshipBeneficiary.nik).where(
            SponsorshipBeneficiary.sponsorship_id == sponsorship.id
        )
    )
    found = conflicts(list(niks), start, end, sponsorship.id, today)
    if not found:
        return None
    first = found[sorted(found)[0]]
    more = len(found) - 1
    extra = _(" dan %(n)d NIK lain.", n=more) if more else ""
    return first.message() + extra
