"""Demo supply chains: two BUMN parents with their vendors, registered and prospects.

PT Karya Bangun Persada (the RM's) has 55 vendors and PT Energi Pertiwi (rm2's) 40: a few
are demo companies that are already registered (their compliance months give the
registered workers), the rest are prospects in every campaign status. Eleven monthly
snapshots show the coverage growing toward today's figures. The data comes from its own
seeded RNG, so the other demo steps draw the same numbers with or without it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select

from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.demo.state import SEED, DemoState
from crm.demo_data import ENERGY, KARYA
from crm.extensions import db
from crm.supply_chain.coverage import parent_coverage
from crm.supply_chain.models import SupplyChainEvent, SupplyChainLink, SupplyChainSnapshot
from crm.supply_chain.services import status_note

PARENTS = {
    KARYA: {
        "registered": (
            "PT Semen Bukit Kapur",
            "PT Mitra Logistik Kilat",
            "PT Satria Keamanan Prima",
            "PT Pelita Kabel Indonesia",
            "PT Mandala Menara Infrastruktur Tbk",
            "PT Jaya Tekstil Priangan",
            "PT Prima Medika Husada",
            "PT Cipta Rasa Pangan Tbk",
            "PT Sakurada Auto Parts Indonesia",
            "PT Nusa Kargo Udara",
        ),
        "prospects": 45,
        "contracts": (
            "Subkontraktor struktur",
            "Sewa alat berat",
            "Pengadaan material",
            "Jasa keamanan",
            "Katering proyek",
            "Angkutan material",
        ),
    },
    ENERGY: {
        "registered": (
            "PT Harbor Star Energy Indonesia",
            "PT Satria Keamanan Prima",
            "PT Mitra Logistik Kilat",
            "PT Pelita Kabel Indonesia",
            "PT Makassar Niaga Bahari",
            "PT Arta Teknologi Digital",
            "PT Kaiyo Marine Logistics Indonesia",
            "PT Samudra Perikanan Timur",
        ),
        "prospects": 32,
        "contracts": (
            "Jasa pemeliharaan kilang",
            "Angkutan BBM",
            "Jasa kebersihan",
            "Jasa keamanan",
            "Teknisi listrik",
        ),
    },
}
WORDS = (
    "Abadi", "Bangun", "Cahaya", "Dharma", "Eka", "Fajar", "Graha", "Harapan", "Indah",
    "Jaya", "Karya", "Lestari", "Makmur", "Nusa", "Putra", "Rejeki", "Sentosa", "Tunggal",
    "Utama", "Wijaya", "Sejahtera", "Mandiri", "Perkasa", "Sinergi", "Bersama",
)  # fmt: skip
TRADES = ("Teknik", "Konstruksi", "Logistik", "Niaga", "Servis", "Mekanikal", "Katering")
FIRST = ("Agus", "Rina", "Dedi", "Sri", "Yusuf", "Dewi", "Hendra", "Lina", "Bayu", "Tuti")
LAST = ("Saputra", "Wulandari", "Hidayat", "Rahayu", "Siregar", "Lubis", "Nugroho", "Putri")
# Campaign status of the prospects, by share: most are still to contact.
STATUS_MIX = (
    ("not_contacted", 0.6),
    ("invited", 0.15),
    ("in_progress", 0.15),
    ("refused", 0.1),
)
SNAPSHOT_MONTHS = 11


def _prospect_names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < n:
        form = rng.choice(("PT", "PT", "CV"))
        name = f"{form} {rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(WORDS)}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _npwp(rng: random.Random, used: set[str]) -> str:
    while True:
        value = "0" + rng.choice(["01", "02", "03"]) + "".join(rng.choices("0123456789", k=13))
        if value not in used:
            used.add(value)
            return value


def _status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUS_MIX:
        total += share
        if roll < total:
            return status
    return "not_contacted"


def _prospect_row(rng, parent: Account, name: str, contracts, used: set[str], now) -> dict:
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    slug = search_name(name).split()[0]
    return {
        "parent_id": parent.id,
        "name": name,
        "search_name": search_name(name),
        "npwp": _npwp(rng, used) if rng.random() < 0.75 else None,
        "contact_name": person if rng.random() < 0.8 else "",
        "phone": f"0812-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        "email": f"admin@{slug}-{rng.randint(10, 99)}.co.id" if rng.random() < 0.6 else "",
        "address": f"Jl. {rng.choice(WORDS)} No. {rng.randint(1, 90)}, {parent.city or 'Jakarta'}",
        "estimated_workers": rng.choice((15, 25, 40, 60, 80, 120, 150, 200, 300, 450)),
        "contract": rng.choice(contracts),
        "campaign_status": _status(rng),
        "created_at": now,
        "updated_at": now,
    }


def _registered_row(rng, parent: Account, vendor: Account, contracts, now) -> dict:
    return {
        "parent_id": parent.id,
        "vendor_account_id": vendor.id,
        "name": vendor.name,
        "search_name": vendor.search_name,
        "npwp": vendor.npwp,
        "contact_name": "",
        "phone": "",
        "email": "",
        "address": vendor.address or "",
        # The parent's estimate of the vendor's workforce working on its contracts.
        "estimated_workers": max(20, int((vendor.headcount or 100) * rng.uniform(0.9, 1.3))),
        "contract": rng.choice(contracts),
        "campaign_status": "registered",
        "registered_at": now - timedelta(days=rng.randint(30, 330)),
        "created_at": now,
        "updated_at": now,
    }


def _add_parent(state: DemoState, rng, parent: Account, plan: dict, rm_id, used) -> int:
    now = state.now
    rows = []
    for name in plan["registered"]:
        vendor = db.session.scalar(select(Account).where(Account.name == name))
        if vendor is not None and vendor.npp and vendor.id != parent.id:
            rows.append(_registered_row(rng, parent, vendor, plan["contracts"], now))
    taken = {r["name"] for r in rows}
    for name in _prospect_names(rng, plan["prospects"], taken):
        rows.append(_prospect_row(rng, parent, name, plan["contracts"], used, now))
    ids = db.session.scalars(
        insert(SupplyChainLink).returning(SupplyChainLink.id, sort_by_parameter_order=True), rows
    ).all()
    events = []
    for link_id, row in zip(ids, rows, strict=True):
        events.append(_event(link_id, "imported", rm_id, "Impor daftar vendor-demo.xlsx", now))
        if row["campaign_status"] == "registered":
            events.append(_event(link_id, "registered", rm_id, "Cocok dengan akun saat impor", now))
        elif row["campaign_status"] != "not_contacted":
            note = status_note("not_contacted", row["campaign_status"], "rapat koordinasi vendor")
            events.append(_event(link_id, "status_changed", rm_id, note, now))
    db.session.execute(insert(SupplyChainEvent), events)
    return len(rows)


def _event(link_id: int, kind: str, actor_id, note: str, now) -> dict:
    return {"link_id": link_id, "kind": kind, "actor_id": actor_id, "note": note, "created_at": now}


def _add_snapshots(state: DemoState, parent: Account) -> None:
    """Eleven past months rising toward today's figures (one more vendor every month)."""
    current = parent_coverage(parent.id, state.today)
    month = state.today.replace(day=1)
    rows = []
    for back in range(1, SNAPSHOT_MONTHS + 1):
        month = (month - timedelta(days=1)).replace(day=1)
        registered = max(current.vendors_registered - (back + 1) // 2, 0)
        share = registered / current.vendors_registered if current.vendors_registered else 0
        rows.append(
            {
                "parent_id": parent.id,
                "month": month,
                "vendors_total": max(current.vendors_total - back, registered),
                "vendors_registered": registered,
                "workers_estimated": current.workers_estimated,
                "workers_registered": int(current.workers_registered * share * 0.97**back),
                "taken_at": state.now,
            }
        )
    db.session.execute(insert(SupplyChainSnapshot), rows)


def _add_supply_chains(state, accounts, users) -> dict[str, int]:
    """Vendor links of the demo parents and their coverage history."""
    rng = random.Random(SEED + 7)  # its own RNG: the other demo steps are unaffected
    used = {a.npwp for a in accounts.values() if a.npwp}
    total = 0
    for name, plan in PARENTS.items():
        parent = accounts[name]
        total += _add_parent(state, rng, parent, plan, parent.rm_id, used)
        db.session.flush()
        _add_snapshots(state, parent)
    return {"supply-chain vendors": total}
