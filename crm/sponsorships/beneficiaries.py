"""Beneficiaries: checking one, adding, editing and removing, and the audited full-NIK view.

A NIK taken by another running sponsorship is refused (crm.sponsorships.overlap). Audit
rows keep masked NIKs: the full NIK is stored once, in the beneficiary row.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.i18n import rupiah
from crm.services import ServiceError
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.nik import (
    mask_nik,
    normalize_kpj,
    normalize_nik,
    normalize_phone,
)
from crm.sponsorships.overlap import conflicts
from crm.sponsorships.services import (
    can_manage,
    is_open,
    refresh_figures,
)

TEXT_FIELDS = {
    "name": 150,
    "occupation": 100,
    "kelurahan": 100,
    "kecamatan": 100,
    "city": 100,
}
AUDIT_FIELDS = ("name", "occupation", "kelurahan", "kecamatan", "city", "phone", "kpj")


def clean_beneficiary(raw: dict, *, nik_required: bool = True) -> tuple[dict, dict[str, str]]:
    """The stored values of a beneficiary and the errors per field (empty when valid)."""
    values: dict = {}
    errors: dict[str, str] = {}
    raw_nik = (raw.get("nik") or "").strip()
    if raw_nik or nik_required:
        try:
            values["nik"] = normalize_nik(raw_nik)
        except ServiceError as exc:
            errors["nik"] = str(exc)
    for name, limit in TEXT_FIELDS.items():
        text = " ".join((raw.get(name) or "").split())
        if len(text) > limit:
            errors[name] = _("Paling panjang %(n)d karakter.", n=limit)
        values[name] = text[:limit]
    if not values["name"]:
        errors["name"] = _("Nama wajib diisi.")
    for name, normalize in (("phone", normalize_phone), ("kpj", normalize_kpj)):
        try:
            values[name] = normalize(raw.get(name))
        except ServiceError as exc:
            errors[name] = str(exc)
    return values, errors


def _guard(sponsorship: Sponsorship, actor, today: date) -> None:
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    if not is_open(sponsorship, today):
        raise ServiceError(
            _("Penerima manfaat hanya dapat diubah selama sponsorship masih berjalan.")
        )


def _check_nik(sponsorship: Sponsorship, nik: str, today: date, skip_id: int | None = None):
    same = db.session.scalar(
        select(SponsorshipBeneficiary.id).where(
            SponsorshipBeneficiary.sponsorship_id == sponsorship.id,
            SponsorshipBeneficiary.nik == nik,
        )
    )
    if same is not None and same != skip_id:
        raise ServiceError(_("NIK ini sudah ada di sponsorship ini."), "nik")
    found = conflicts([nik], sponsorship.start_month, sponsorship.end_on, sponsorship.id, today)
    if nik in found:
        raise ServiceError(found[nik].message(), "nik")


def _snapshot(b: SponsorshipBeneficiary) -> dict:
    return {"nik": mask_nik(b.nik), **audit.snapshot(b, AUDIT_FIELDS)}


def add_beneficiary(sponsorship: Sponsorship, values: dict, actor, today: date):
    """A new beneficiary (values from clean_beneficiary), refused when the NIK is taken."""
    _guard(sponsorship, actor, today)
    _check_nik(sponsorship, values["nik"], today)
    beneficiary = SponsorshipBeneficiary(sponsorship_id=sponsorship.id, **values)
    db.session.add(beneficiary)
    refresh_figures(sponsorship)
    audit.record(
        "sponsorship.beneficiary_add",
        sponsorship,
        summary=f"{mask_nik(beneficiary.nik)} {beneficiary.name}",
        after=_snapshot(beneficiary),
        actor=actor,
    )
    return beneficiary


def update_beneficiary(beneficiary: SponsorshipBeneficiary, values: dict, actor, today: date):
    """Edit a beneficiary; a new NIK (when given) is checked like a new one."""
    sponsorship = beneficiary.sponsorship
    _guard(sponsorship, actor, today)
    if values.get("nik") and values["nik"] != beneficiary.nik:
        _check_nik(sponsorship, values["nik"], today, skip_id=beneficiary.id)
    before = _snapshot(beneficiary)
    for name, value in values.items():
        if name != "nik" or value:
            setattr(beneficiary, name, value)
    db.session.flush()
    audit.record(
        "sponsorship.beneficiary_update",
        sponsorship,
        summary=f"{mask_nik(beneficiary.nik)} {beneficiary.name}",
        before=before,
        after=_snapshot(beneficiary),
        actor=actor,
    )


def remove_beneficiary(beneficiary: SponsorshipBeneficiary, actor, today: date) -> None:
    """Take a worker off; refused when the commitment would fall below what has been paid
    (the money was for that worker's months: replace the worker through the edit form)."""
    sponsorship = beneficiary.sponsorship
    _guard(sponsorship, actor, today)
    remaining = (sponsorship.beneficiary_count - 1) * sponsorship.price_per_worker
    if remaining * sponsorship.months < sponsorship.paid_total:
        raise ServiceError(
            _(
                "Iuran untuk pekerja ini sudah dibayar: komitmen tidak boleh kurang dari "
                "pembayaran yang diterima (%(paid)s). Ganti dengan pekerja lain lewat Ubah.",
                paid=rupiah(sponsorship.paid_total),
            )
        )
    audit.record(
        "sponsorship.beneficiary_remove",
        sponsorship,
        summary=f"{mask_nik(beneficiary.nik)} {beneficiary.name}",
        before=_snapshot(beneficiary),
        actor=actor,
    )
    db.session.delete(beneficiary)
    refresh_figures(sponsorship)


def reveal_nik(beneficiary: SponsorshipBeneficiary, actor) -> str:
    """The full NIK, for the sponsor account's RM, supervisors and admins; each view is
    audited (who, when, whose NIK)."""
    sponsorship = beneficiary.sponsorship
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("NIK lengkap hanya untuk RM akun ini dan supervisor."))
    audit.record(
        "sponsorship.nik_view",
        entity_type="sponsorship_beneficiary",
        entity_id=beneficiary.id,
        summary=_(
            "NIK lengkap %(nik)s (%(name)s) dilihat",
            nik=mask_nik(beneficiary.nik),
            name=beneficiary.name,
        ),
        after={"sponsorship_id": sponsorship.id},
        actor=actor,
    )
    return beneficiary.nik
