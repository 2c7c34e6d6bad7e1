"""Deterministic demo data: Jakarta branch offices, institutions, BUMN groups and the demo users.

Later features extend seed() with their own data. Everything comes from one seeded RNG, so two
runs give the same database.
"""

from __future__ import annotations

import random

from crm.accounts.models import Account
from crm.admin.models import BranchOffice
from crm.admin.services import create_user
from crm.extensions import db

SEED = 2026

# The 17 Jakarta branches (Kanwil DKI Jakarta) and a few regional ones.
BRANCHES = [
    ("JKT-MJS", "Jakarta Menara Jamsostek", "Kanwil DKI Jakarta"),
    ("JKT-SLB", "Jakarta Salemba", "Kanwil DKI Jakarta"),
    ("JKT-KBS", "Jakarta Kebon Sirih", "Kanwil DKI Jakarta"),
    ("JKT-RWM", "Jakarta Rawamangun", "Kanwil DKI Jakarta"),
    ("JKT-CLD", "Jakarta Cilandak", "Kanwil DKI Jakarta"),
    ("JKT-KLG", "Jakarta Kelapa Gading", "Kanwil DKI Jakarta"),
    ("JKT-CRC", "Jakarta Ciracas", "Kanwil DKI Jakarta"),
    ("JKT-MGD", "Jakarta Mangga Dua", "Kanwil DKI Jakarta"),
    ("JKT-CKR", "Jakarta Cengkareng", "Kanwil DKI Jakarta"),
    ("JKT-TNA", "Jakarta Tanah Abang", "Kanwil DKI Jakarta"),
    ("JKT-PLG", "Jakarta Pulo Gadung", "Kanwil DKI Jakarta"),
    ("JKT-GRG", "Jakarta Grogol", "Kanwil DKI Jakarta"),
    ("JKT-SDM", "Jakarta Sudirman", "Kanwil DKI Jakarta"),
    ("JKT-GMB", "Jakarta Gambir", "Kanwil DKI Jakarta"),
    ("JKT-KNG", "Jakarta Kuningan", "Kanwil DKI Jakarta"),
    ("JKT-KMY", "Jakarta Kemayoran", "Kanwil DKI Jakarta"),
    ("JKT-TBT", "Jakarta Tebet", "Kanwil DKI Jakarta"),
    ("BDG-SKJ", "Bandung Suci", "Kanwil Jawa Barat"),
    ("SBY-RKT", "Surabaya Rungkut", "Kanwil Jawa Timur"),
    ("MDN-KTR", "Medan Kota", "Kanwil Sumbagut"),
    ("MKS-KTR", "Makassar", "Kanwil Sulawesi Maluku"),
]

INSTITUTIONS = [
    ("Kementerian Dalam Negeri (Kemendagri)", "ministry"),
    ("Badan Gizi Nasional (BGN)", "agency"),
    ("Kementerian Ketenagakerjaan (Kemnaker)", "ministry"),
    ("Kementerian Kesehatan (Kemenkes)", "ministry"),
    ("Badan Kepegawaian Negara (BKN)", "agency"),
    ("Kementerian Badan Usaha Milik Negara", "ministry"),
    ("Pemerintah Provinsi DKI Jakarta", "local_government"),
]

# Fictional company names in the style of Indonesian BUMN groups and private firms.
COMPANY_PREFIXES = [
    "Nusantara",
    "Mandala",
    "Garuda",
    "Sinar",
    "Bumi",
    "Cipta",
    "Karya",
    "Samudra",
    "Mitra",
    "Prima",
    "Jaya",
    "Arta",
]
COMPANY_SECTORS = [
    "Energi",
    "Konstruksi",
    "Logistik",
    "Perkebunan",
    "Telekomunikasi",
    "Semen",
    "Farmasi",
    "Tekstil",
    "Pangan",
    "Pelayaran",
    "Baja",
    "Properti",
]


def company_names(rng: random.Random, n: int) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        a, b = rng.choice(COMPANY_PREFIXES), rng.choice(COMPANY_SECTORS)
        suffix = rng.choice(["(Persero)", "Tbk", "", "Indonesia"])
        names.add(" ".join(p for p in ["PT", a, b, suffix] if p))
    return sorted(names)


def seed(password: str) -> dict[str, int]:
    """Add the demo data set to an empty database (caller commits)."""
    rng = random.Random(SEED)
    branches = {}
    for code, name, region in BRANCHES:
        branch = BranchOffice(code=code, name=name, region=region, address=f"Kantor Cabang {name}")
        db.session.add(branch)
        branches[code] = branch
    institutions = {}
    for name, kind in INSTITUTIONS:
        account = Account(name=name, kind=kind, segment="institutional", status="active")
        db.session.add(account)
        institutions[name] = account
    companies = [
        Account(
            name=name,
            kind="company",
            segment="corporate",
            status=rng.choice(["active", "active", "active", "prospect"]),
        )
        for name in company_names(rng, 16)
    ]
    db.session.add_all(companies)
    db.session.flush()
    kemendagri = institutions["Kementerian Dalam Negeri (Kemendagri)"]
    demo_users = [
        ("admin@relasi.test", "Admin Relasi", "admin", None, None),
        ("supervisor@relasi.test", "Sri Wahyuni", "supervisor", "JKT-MJS", None),
        ("rm@relasi.test", "Andi Pratama", "rm", "JKT-SDM", None),
        ("rm2@relasi.test", "Dewi Lestari", "rm", "JKT-KNG", None),
        ("partner@kemendagri.test", "Budi Santoso", "partner", None, kemendagri.id),
    ]
    for email, name, role, branch_code, account_id in demo_users:
        create_user(
            email=email,
            name=name,
            role=role,
            password=password,
            branch_office_id=branches[branch_code].id if branch_code else None,
            account_id=account_id,
            must_change_password=False,
        )
    return {
        "branch offices": len(branches),
        "institutions": len(institutions),
        "companies": len(companies),
        "users": len(demo_users),
    }
