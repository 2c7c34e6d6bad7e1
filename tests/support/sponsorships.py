"""Helpers for sponsorship tests: valid NIKs and sponsorships made through the services."""

from __future__ import annotations

from datetime import date

from crm.sponsorships import beneficiaries, services
from crm.sponsorships.services import Terms


def nik(n: int, region: str = "327301", born: str = "150585") -> str:
    """A valid NIK (province 32, born 15 May 1985) with serial n (1..9999)."""
    return f"{region}{born}{n:04d}"


def worker(n: int, **extra) -> dict:
    """Cleaned beneficiary values for worker n."""
    values = {
        "nik": nik(n),
        "name": f"Pekerja {n:04d}",
        "occupation": "Pengemudi ojek",
        "kelurahan": "Braga",
        "kecamatan": "Sumur Bandung",
        "city": "Kota Bandung",
        "phone": "081234567890",
        "kpj": None,
    }
    return values | extra


def make_sponsorship(
    account,
    actor,
    today: date,
    *,
    workers=(),
    scheme: str = "sertakan",
    package: str = "jkk_jkm",
    months: int = 12,
    start: date | None = None,
):
    """A sponsorship with the given worker numbers as beneficiaries, through the services."""
    terms = Terms(scheme, package, months, start or today.replace(day=1))
    sponsorship = services.create_sponsorship(account, terms, actor, today)
    for n in workers:
        beneficiaries.add_beneficiary(sponsorship, worker(n), actor, today)
    return sponsorship
