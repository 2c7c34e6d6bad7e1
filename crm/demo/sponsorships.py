"""Demo SERTAKAN and GN Lingkaran sponsorships with their beneficiaries and payments.

Six sponsorships of 5 to 40 workers each, made through the services so every figure and
audit row is what the app itself would write: one expiring this month (fully paid, with
its renewal task and a piagam draft), one running GN Lingkaran partly paid, one pledged
for next month, one expired last quarter and its renewal, and one GN Lingkaran paid up.
Its own RNG keeps the workers the same whatever other demo steps draw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from crm.compliance.arrears import add_months, month_start
from crm.demo.state import SEED
from crm.sponsorships import beneficiaries, renewal, services
from crm.sponsorships.letters import draft_piagam
from crm.sponsorships.services import Terms

FIRST = (
    "Siti",
    "Dewi",
    "Rina",
    "Sri",
    "Yanti",
    "Nur",
    "Ani",
    "Wati",
    "Budi",
    "Agus",
    "Joko",
    "Dedi",
    "Rudi",
    "Asep",
    "Ujang",
    "Eko",
    "Slamet",
    "Hendra",
    "Yusuf",
    "Bambang",
)
LAST = (
    "Aminah",
    "Lestari",
    "Rahayu",
    "Hidayat",
    "Saputra",
    "Setiawan",
    "Kurniawan",
    "Susanti",
    "Wijaya",
    "Nurhayati",
    "Gunawan",
    "Permana",
    "Suryani",
    "Maulana",
)
WOMEN = {"Siti", "Dewi", "Rina", "Sri", "Yanti", "Nur", "Ani", "Wati"}
JOBS = (
    "Asisten rumah tangga",
    "Pengemudi",
    "Satpam",
    "Pengemudi ojek",
    "Pedagang pasar",
    "Pedagang kaki lima",
    "Tukang parkir",
    "Petugas kebersihan",
)
# City -> (NIK region prefix, kecamatan, kelurahan choices)
AREAS = {
    "Jakarta": ("317401", "Setiabudi", ("Karet", "Kuningan Timur", "Menteng Atas", "Guntur")),
    "Bandung": ("327301", "Sumur Bandung", ("Braga", "Merdeka", "Kebon Pisang", "Babakan Ciamis")),
    "Bekasi": ("327501", "Bekasi Timur", ("Aren Jaya", "Duren Jaya", "Margahayu", "Bekasi Jaya")),
    "Padang": (
        "137101",
        "Padang Barat",
        ("Olo", "Belakang Tangsi", "Kampung Pondok", "Berok Nipah"),
    ),
}


@dataclass
class Plan:
    sponsor: str
    rm: str
    scheme: str
    package: str
    months: int
    start_offset: int  # months from this month
    workers: int
    city: str
    paid_share: float  # of the commitment


PLANS = (
    Plan("PT Prima Medika Husada", "rm", "sertakan", "jkk_jkm", 12, -11, 24, "Jakarta", 1.0),
    Plan("PT Jaya Tekstil Priangan", "rm", "gn_lingkaran", "jkk_jkm_jht", 6, 0, 40, "Bandung", 0.5),
    Plan("PT Cipta Rasa Pangan Tbk", "rm2", "sertakan", "jkk_jkm", 3, 1, 5, "Bekasi", 0.0),
    Plan("PT Semen Bukit Kapur", "rm", "sertakan", "jkk_jkm", 12, -15, 12, "Padang", 1.0),
    Plan("PT Mitra Logistik Kilat", "rm2", "gn_lingkaran", "jkk_jkm", 12, -4, 18, "Jakarta", 1.0),
)


class _Workers:
    """Unique, valid beneficiaries drawn from the demo's own RNG."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED + 7)
        self.serial = 0

    def draw(self, city: str) -> dict:
        rng = self.rng
        region, kecamatan, kelurahans = AREAS[city]
        first = rng.choice(FIRST)
        day = rng.randint(1, 28) + (40 if first in WOMEN else 0)
        born = f"{day:02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}"
        self.serial += 1
        return {
            "nik": f"{region}{born}{self.serial:04d}",
            "name": f"{first} {rng.choice(LAST)}",
            "occupation": rng.choice(JOBS),
            "kelurahan": rng.choice(kelurahans),
            "kecamatan": kecamatan,
            "city": f"Kota {city}" if city != "Jakarta" else "Jakarta Selatan",
            "phone": f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}",
            "kpj": f"{rng.randint(10**10, 10**11 - 1)}" if rng.random() < 0.6 else None,
        }


def _make(plan: Plan, account, actor, today: date, workers: _Workers):
    start = add_months(month_start(today), plan.start_offset)
    made_on = min(start, today)  # a past sponsorship was made when it started
    terms = Terms(plan.scheme, plan.package, plan.months, start, "")
    sponsorship = services.create_sponsorship(account, terms, actor, made_on)
    for _ in range(plan.workers):
        beneficiaries.add_beneficiary(sponsorship, workers.draw(plan.city), actor, made_on)
    amount = int(sponsorship.commitment * plan.paid_share)
    if amount:
        paid_on = min(start.replace(day=12), today)
        services.record_payment(sponsorship, paid_on, amount, "Transfer bank", actor, today)
    return sponsorship


def _add_sponsorships(state, accounts, users) -> dict[str, int]:
    """The demo sponsorships (the caller commits)."""
    today = state.today
    workers = _Workers()
    made = []
    for plan in PLANS:
        account = accounts.get(plan.sponsor)
        actor = users.get(plan.rm)
        if account is None or actor is None:
            continue
        made.append((plan, _make(plan, account, actor, today, workers)))
    for plan, sponsorship in list(made):
        if plan.start_offset <= -plan.months:  # ended: renewed for the next year, part paid
            terms = renewal.default_renewal_terms(sponsorship)
            renewed = renewal.renew_sponsorship(sponsorship, terms, users[plan.rm], today)
            paid_on = min(renewed.start_month.replace(day=10), today)
            services.record_payment(
                renewed, paid_on, renewed.commitment // 4, "Transfer bank", users[plan.rm], today
            )
            made.append((plan, renewed))
    tasks = renewal.create_renewal_tasks(today)
    expiring = next((s for p, s in made if p.start_offset == -11), None)
    if expiring is not None:
        draft_piagam(expiring, users["rm"], today)
    return {
        "sponsorships": len(made),
        "sponsored workers": sum(s.beneficiary_count for _, s in made),
        "sponsorship renewal tasks": tasks,
    }
