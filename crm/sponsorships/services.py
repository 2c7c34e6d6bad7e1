"""Sponsorship rules: who may manage one, creating and editing its terms, cancelling,
recording payments and renewing. Every write checks permission and writes an audit row;
callers commit.

Decisions: the RM of the sponsor account, supervisors and admins manage a sponsorship
(other RMs see the register with masked NIKs and cannot edit). The price per worker is
fixed at creation from the rate in force for the start month; the terms (scheme, package,
months, start) can change only while nothing has been paid. A payment may not exceed the
outstanding amount and turns a pledged sponsorship active; a renewed or ended one still takes
what it owes. Cancelling a renewal gives the predecessor back its running status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.accounts.services import can_edit
from crm.compliance.arrears import add_months, month_start
from crm.extensions import db
from crm.i18n import rupiah
from crm.meetings.models import Task
from crm.services import ServiceError
from crm.sponsorships.labels import scheme_label
from crm.sponsorships.models import (
    OPEN_STATUSES,
    PACKAGES,
    SCHEME_MONTHS,
    SCHEMES,
    Sponsorship,
    SponsorshipBeneficiary,
    SponsorshipPayment,
)
from crm.sponsorships.overlap import first_conflict
from crm.sponsorships.rates import rate_for
from crm.sponsorships.status import period_end

FIELDS = (
    "scheme",
    "package",
    "months",
    "start_month",
    "end_on",
    "price_per_worker",
    "status",
    "beneficiary_count",
    "commitment",
    "paid_total",
    "notes",
)
FIRST_MONTH = date(2022, 9, 1)  # SERTAKAN started in September 2022
MAX_MONTHS_AHEAD = 12  # a pledge starts at most a year from now


@dataclass
class Terms:
    scheme: str
    package: str
    months: int | None
    start_month: date | None
    notes: str = ""


def can_manage(user, account) -> bool:
    """The account's RM, supervisors and admins (crm.accounts.services.can_edit)."""
    return user is not None and getattr(user, "is_authenticated", True) and can_edit(user, account)


def is_open(sponsorship: Sponsorship, today: date) -> bool:
    """Its beneficiaries and payments can still change: not renewed, cancelled or ended."""
    return sponsorship.status in OPEN_STATUSES and sponsorship.end_on >= today


def takes_payments(sponsorship: Sponsorship) -> bool:
    """Whether a payment can be recorded: something is owed and it is not cancelled."""
    return sponsorship.status != "cancelled" and sponsorship.outstanding > 0


def _check_terms(terms: Terms, today: date) -> int:
    """Raise ServiceError on the first bad term; the price per worker otherwise."""
    if terms.scheme not in SCHEMES:
        raise ServiceError(_("Pilih skema."), "scheme")
    if terms.package not in PACKAGES:
        raise ServiceError(_("Pilih paket."), "package")
    allowed = SCHEME_MONTHS[terms.scheme]
    if terms.months not in allowed:
        raise ServiceError(
            _(
                "%(scheme)s berjalan %(months)s bulan.",
                scheme=scheme_label(terms.scheme),
                months=", ".join(str(m) for m in allowed),
            ),
            "months",
        )
    start = terms.start_month
    if start is None:
        raise ServiceError(_("Isi bulan mulai."), "start_month")
    if start < FIRST_MONTH:
        raise ServiceError(_("SERTAKAN berlaku sejak September 2022."), "start_month")
    if start > add_months(month_start(today), MAX_MONTHS_AHEAD):
        raise ServiceError(_("Bulan mulai paling lambat 12 bulan dari sekarang."), "start_month")
    rate = rate_for(terms.package, start)
    if rate is None:
        raise ServiceError(_("Belum ada tarif paket ini untuk bulan mulai itu."), "package")
    return rate.price


def refresh_figures(sponsorship: Sponsorship) -> None:
    """Recount the beneficiaries and recompute the commitment (beneficiaries x price x months)."""
    db.session.flush()
    count = db.session.scalar(
        select(func.count())
        .select_from(SponsorshipBeneficiary)
        .where(SponsorshipBeneficiary.sponsorship_id == sponsorship.id)
    )
    sponsorship.beneficiary_count = count or 0
    sponsorship.commitment = (
        sponsorship.beneficiary_count * sponsorship.price_per_worker * sponsorship.months
    )


def create_sponsorship(account, terms: Terms, actor, today: date) -> Sponsorship:
    """A pledged sponsorship of the account, priced from the rate of its start month."""
    if not can_manage(actor, account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    price = _check_terms(terms, today)
    start = month_start(terms.start_month)
    sponsorship = Sponsorship(
        account=account,
        scheme=terms.scheme,
        package=terms.package,
        months=terms.months,
        start_month=start,
        end_on=period_end(start, terms.months),
        price_per_worker=price,
        status="pledged",
        notes=(terms.notes or "").strip()[:5000],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(sponsorship)
    db.session.flush()
    audit.record(
        "sponsorship.create",
        sponsorship,
        summary=_summary(sponsorship),
        after=audit.snapshot(sponsorship, FIELDS),
        actor=actor,
    )
    return sponsorship


def update_sponsorship(sponsorship: Sponsorship, terms: Terms, actor, today: date) -> None:
    """Change the terms (only while nothing is paid) and the notes."""
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    if sponsorship.status not in OPEN_STATUSES:
        raise ServiceError(_("Sponsorship yang diperpanjang atau dibatalkan tidak diubah."))
    before = audit.snapshot(sponsorship, FIELDS)
    start = month_start(terms.start_month) if terms.start_month else None
    changed = (terms.scheme, terms.package, terms.months, start) != (
        sponsorship.scheme,
        sponsorship.package,
        sponsorship.months,
        sponsorship.start_month,
    )
    if changed:
        if sponsorship.paid_total > 0:
            raise ServiceError(
                _("Sudah ada pembayaran: skema, paket dan periode tidak dapat diubah.")
            )
        price = _check_terms(terms, today)
        end = period_end(start, terms.months)
        clash = first_conflict(sponsorship, start, end, today)
        if clash:
            raise ServiceError(clash, "start_month")
        sponsorship.scheme, sponsorship.package = terms.scheme, terms.package
        sponsorship.months, sponsorship.start_month, sponsorship.end_on = terms.months, start, end
        sponsorship.price_per_worker = price
        refresh_figures(sponsorship)
    sponsorship.notes = (terms.notes or "").strip()[:5000]
    audit.record(
        "sponsorship.update",
        sponsorship,
        summary=_summary(sponsorship),
        before=before,
        after=audit.snapshot(sponsorship, FIELDS),
        actor=actor,
    )


def cancel_sponsorship(sponsorship: Sponsorship, actor) -> None:
    """A pledge that came to nothing: only while pledged and unpaid. A cancelled renewal
    gives its predecessor back its running status, so that one can be renewed again."""
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    if sponsorship.status != "pledged" or sponsorship.paid_total > 0:
        raise ServiceError(_("Hanya sponsorship yang belum dibayar yang dapat dibatalkan."))
    before = audit.snapshot(sponsorship, FIELDS)
    sponsorship.status = "cancelled"
    predecessor_id = sponsorship.renewed_from_id
    # The link goes too: one successor per predecessor (uq_sponsorship_renewed_from_id).
    sponsorship.renewed_from_id = None
    audit.record(
        "sponsorship.cancel",
        sponsorship,
        summary=_summary(sponsorship),
        before={**before, "renewed_from_id": predecessor_id},
        after=audit.snapshot(sponsorship, FIELDS),
        actor=actor,
    )
    if predecessor_id is not None:
        _reopen_predecessor(db.session.get(Sponsorship, predecessor_id), actor)


def _reopen_predecessor(predecessor: Sponsorship | None, actor) -> None:
    if predecessor is None or predecessor.status != "renewed":
        return
    before = audit.snapshot(predecessor, ("status",))
    predecessor.status = "active" if predecessor.paid_total > 0 else "pledged"
    # Renewing closed the RM's renewal task; the renewal is still to do, so it opens again.
    task = (
        db.session.get(Task, predecessor.renewal_task_id) if predecessor.renewal_task_id else None
    )
    if task is not None and task.status == "done":
        task.status, task.completed_at = "open", None
    audit.record(
        "sponsorship.update",
        predecessor,
        summary=_("Perpanjangan dibatalkan: %(summary)s", summary=_summary(predecessor)),
        before=before,
        after=audit.snapshot(predecessor, ("status",)),
        actor=actor,
    )


def record_payment(
    sponsorship: Sponsorship,
    paid_on: date | None,
    amount: int | None,
    reference: str,
    actor,
    today: date,
) -> SponsorshipPayment:
    """Money received; never more than what is outstanding. Pledged becomes active. A
    renewed or ended sponsorship still takes what is owed for its period (renewal comes
    30 days before the end, often before the last instalment); a cancelled one does not."""
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    # Two clerks recording at once must not both pass the outstanding check: lock the row
    # and read the figures again (PostgreSQL; SQLite has one writer anyway).
    db.session.refresh(sponsorship, ["status", "commitment", "paid_total"], with_for_update=True)
    if sponsorship.status == "cancelled":
        raise ServiceError(_("Sponsorship ini tidak menerima pembayaran lagi."))
    if paid_on is None:
        raise ServiceError(_("Isi tanggal yang valid."), "paid_on")
    if paid_on > today:
        raise ServiceError(_("Tanggal bayar tidak boleh di masa depan."), "paid_on")
    if paid_on < FIRST_MONTH:
        raise ServiceError(_("Tanggal bayar sebelum program SERTAKAN."), "paid_on")
    if amount is None or amount <= 0:
        raise ServiceError(_("Isi jumlah rupiah lebih dari 0."), "amount")
    if amount > sponsorship.outstanding:
        raise ServiceError(
            _("Melebihi sisa komitmen (%(left)s).", left=_rupiah(sponsorship.outstanding)),
            "amount",
        )
    payment = SponsorshipPayment(
        sponsorship_id=sponsorship.id,
        paid_on=paid_on,
        amount=amount,
        reference=(reference or "").strip()[:100],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(payment)
    before = audit.snapshot(sponsorship, ("status", "paid_total"))
    sponsorship.paid_total += amount
    if sponsorship.status == "pledged":
        sponsorship.status = "active"
    db.session.flush()
    audit.record(
        "sponsorship.payment",
        sponsorship,
        summary=f"Pembayaran {_rupiah(amount)} ({paid_on.isoformat()}) {payment.reference}",
        before=before,
        after=audit.snapshot(sponsorship, ("status", "paid_total")),
        actor=actor,
    )
    return payment


def _rupiah(amount: int) -> str:
    return rupiah(amount)


def _summary(s: Sponsorship) -> str:
    return (
        f"{scheme_label(s.scheme)} {s.account.name}: {s.beneficiary_count} pekerja x "
        f"{s.months} bln mulai {s.start_month.isoformat()[:7]} ({s.status})"
    )
