"""The Piagam/Tanda Terima SERTAKAN of a sponsorship: its plain facts and the draft letter.

The letter's `sponsorship` block has the keys crm.letters.context expects (sponsor,
workers, amount, period, program) plus scheme, months, commitment and the beneficiaries
(NIK masked: the letter is public through /verify). `amount` is what has been received.
The sponsorship keeps the id of its latest piagam; a second click opens that draft instead
of making another, unless it was cancelled; while that one is a draft (or returned), its
sponsorship block is brought up to date.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.i18n import rupiah
from crm.letters.models import Letter
from crm.letters.services import draft_letter
from crm.letters.template_context import bulan
from crm.services import ServiceError
from crm.sponsorships.labels import scheme_label
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.nik import mask_nik
from crm.sponsorships.services import can_manage

LETTER_TYPE = "piagam_sertakan"
REFRESHABLE = ("draft", "returned")  # not yet submitted: the facts may still change
MAX_LISTED = 500  # beneficiaries printed; the count is always complete
PACKAGE_TEXT = {"jkk_jkm": "JKK dan JKM", "jkk_jkm_jht": "JKK, JKM dan JHT"}


def piagam_facts(s: Sponsorship) -> dict:
    """The JSON-safe `sponsorship` block of the letter facts."""
    rows = db.session.execute(
        select(
            SponsorshipBeneficiary.nik,
            SponsorshipBeneficiary.name,
            SponsorshipBeneficiary.occupation,
            SponsorshipBeneficiary.kelurahan,
            SponsorshipBeneficiary.kecamatan,
            SponsorshipBeneficiary.city,
        )
        .where(SponsorshipBeneficiary.sponsorship_id == s.id)
        .order_by(SponsorshipBeneficiary.name, SponsorshipBeneficiary.id)
        .limit(MAX_LISTED)
    ).all()
    last_month = s.end_on.replace(day=1)
    return {
        "sponsor": s.account.name,
        "workers": s.beneficiary_count,
        "amount": s.paid_total,
        "commitment": s.commitment,
        "period": f"{bulan(s.start_month)} – {bulan(last_month)} ({s.months} bulan)",
        "program": (
            f"{PACKAGE_TEXT[s.package]}, {rupiah(s.price_per_worker)} per pekerja per bulan"
        ),
        "scheme": scheme_label(s.scheme),
        "months": s.months,
        "beneficiaries": [
            {
                "nik": mask_nik(r.nik),
                "name": r.name,
                "occupation": r.occupation,
                "area": ", ".join(p for p in (r.kelurahan, r.kecamatan, r.city) if p),
            }
            for r in rows
        ],
    }


def current_piagam(s: Sponsorship) -> Letter | None:
    if s.letter_id is None:
        return None
    letter = db.session.get(Letter, s.letter_id)
    return letter if letter is not None and letter.status != "cancelled" else None


def draft_piagam(s: Sponsorship, actor, today: date) -> tuple[Letter, bool]:
    """The sponsorship's piagam draft (new=True) or the one drafted before (new=False)."""
    if not can_manage(actor, s.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    existing = current_piagam(s)
    if existing is not None:
        if existing.status in REFRESHABLE:
            _refresh(existing, s, actor)
        return existing, False
    if s.status == "cancelled":
        raise ServiceError(_("Sponsorship yang dibatalkan tidak mendapat piagam."))
    if s.paid_total <= 0 or s.beneficiary_count == 0:
        raise ServiceError(
            _("Piagam dibuat setelah ada penerima manfaat dan pembayaran yang diterima.")
        )
    letter = draft_letter(
        s.account, LETTER_TYPE, actor, facts={"sponsorship": piagam_facts(s)}, today=today
    )
    letter.lampiran = _lampiran(s)
    s.letter_id = letter.id
    db.session.flush()
    return letter, True


def _lampiran(s: Sponsorship) -> str:
    return f"1 (satu) berkas daftar {s.beneficiary_count} pekerja"[:120]


def _refresh(letter: Letter, s: Sponsorship, actor) -> None:
    """A draft made before the last payment or worker change would print stale figures:
    until it is submitted, drafting again brings its sponsorship block up to date."""
    before = (letter.facts or {}).get("sponsorship", {})
    facts = piagam_facts(s)
    letter.facts = {**(letter.facts or {}), "sponsorship": facts}  # a new dict: JSON change
    letter.lampiran = _lampiran(s)
    db.session.flush()
    audit.record(
        "letter.update",
        letter,
        summary=_("Data sponsorship #%(id)d di draf piagam diperbarui", id=s.id),
        before={k: before.get(k) for k in ("workers", "amount", "commitment")},
        after={k: facts[k] for k in ("workers", "amount", "commitment")},
        actor=actor,
    )
