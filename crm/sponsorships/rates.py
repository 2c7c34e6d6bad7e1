"""The effective-dated package prices as admins keep them: the price for a month, the list,
a new price from a month on, and deleting one that has not started. A sponsorship keeps the
price it was created with, so a change never alters an existing commitment. Each change is
audited; callers commit."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from crm import rules
from crm.compliance.arrears import add_months, month_start
from crm.extensions import db
from crm.services import ServiceError
from crm.sponsorships.models import PACKAGES, Sponsorship, SponsorshipRate

MAX_PRICE = 10_000_000  # per worker per month: far above any BPU package


def rate_for(package: str, month: date) -> SponsorshipRate | None:
    """The price of a package for a month: the latest starting on or before it."""
    return rules.rule_in_force(SponsorshipRate, month, package=package)


def current_prices(today: date) -> dict[str, int | None]:
    """Each package's price this month (for forms and hints)."""
    month = month_start(today)
    return {p: getattr(rate_for(p, month), "price", None) for p in PACKAGES}


def rate_rows(today: date) -> list[rules.RuleRow]:
    """Every price, per package then newest first, marked past, current or future."""
    return rules.rule_rows(SponsorshipRate, month_start(today))


def _check(package: str, price: int | None, effective_from: date | None, today: date) -> None:
    if package not in PACKAGES:
        raise ServiceError(_("Pilih paket."), "package")
    if price is None or not 0 < price <= MAX_PRICE:
        raise ServiceError(_("Harga antara Rp 1 dan Rp 10.000.000 per pekerja per bulan."), "price")
    if effective_from is not None and effective_from.day != 1:
        raise ServiceError(_("Harga berlaku mulai tanggal 1 suatu bulan."), "effective_from")
    next_month = add_months(month_start(today), 1)
    too_early = _(
        "Harga tidak boleh berlaku surut: paling awal %(month)s. Sponsorship yang "
        "sudah dibuat tetap memakai harganya.",
        month=format_date(next_month, "MMMM yyyy"),
    )
    clash = _("Sudah ada harga paket ini mulai tanggal itu.")
    rules.check_new_rule(
        SponsorshipRate, effective_from, next_month, too_early, clash, package=package
    )


def add_rate(package: str, price: int | None, effective_from: date | None, actor, today: date):
    """A new price for the package from a future month's first day on."""
    _check(package, price, effective_from, today)
    rate = SponsorshipRate(package=package, price=price, effective_from=effective_from)
    summary = f"{package} Rp {price:,} mulai {effective_from.isoformat()}".replace(",", ".")
    return rules.add_rule(rate, "sponsorship_rate.create", summary, actor)


def deletion_refused(rate: SponsorshipRate, today: date) -> str | None:
    """A price in force (or past) stays: sponsorships may have been priced with it. So does
    a future one that a pledge starting that month or later was priced with (a start may
    be up to 12 months ahead); cancelled pledges do not count."""
    if rate.effective_from <= month_start(today):
        return _("Harga yang sudah berlaku tidak dapat dihapus.")
    return rules.deletion_refused(rate, month_start(today), used_by=_pledge_priced_with)


def _pledge_priced_with(rate: SponsorshipRate) -> str | None:
    used = db.session.scalar(
        select(Sponsorship.id)
        .where(
            Sponsorship.package == rate.package,
            Sponsorship.start_month >= rate.effective_from,
            Sponsorship.price_per_worker == rate.price,
            Sponsorship.status != "cancelled",
        )
        .limit(1)
    )
    if used is not None:
        return _("Sponsorship #%(id)d sudah memakai harga ini; harga tidak dapat dihapus.", id=used)
    return None


def delete_rate(rate: SponsorshipRate, actor, today: date) -> None:
    summary = f"{rate.package} mulai {rate.effective_from.isoformat()}"
    rules.delete_rule(
        rate, deletion_refused(rate, today), "sponsorship_rate.delete", summary, actor
    )
