"""Demo branch offices, institutions and companies (with valid identifiers) and users."""

from __future__ import annotations

import random

from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.admin.services import create_user
from crm.auth.models import User
from crm.demo.state import DemoState
from crm.demo_data import BRANCHES, CITY_BRANCH, COMPANIES, Co, Inst
from crm.extensions import db
from crm.offices import BranchOffice

DEMO_USERS = [
    # key, email, name, role, branch code
    ("admin", "admin@relasi.test", "Admin Relasi", "admin", None),
    ("supervisor", "supervisor@relasi.test", "Sri Wahyuni", "supervisor", "JKT-MJS"),
    # A second supervisor: letters a supervisor drafts need another to approve (four eyes).
    ("supervisor2", "supervisor2@relasi.test", "Bambang Hartono", "supervisor", "JKT-MJS"),
    ("rm", "rm@relasi.test", "Andi Pratama", "rm", "JKT-SDM"),
    ("rm2", "rm2@relasi.test", "Dewi Lestari", "rm", "JKT-KNG"),
    ("partner", "partner@kemendagri.test", "Budi Santoso", "partner", None),
]
JAKARTA_STREETS = [
    "Jl. Jend. Gatot Subroto",
    "Jl. Jend. Sudirman",
    "Jl. M.H. Thamrin",
    "Jl. H.R. Rasuna Said",
    "Jl. Medan Merdeka Barat",
    "Jl. Letjen S. Parman",
    "Jl. Jend. Ahmad Yani",
    "Jl. Pramuka",
]


# Kept for callers that want a quick list of plausible, fictional company names.
def company_names(rng: random.Random, n: int) -> list[str]:
    """n distinct fictional names built from the demo companies' own words."""
    words = sorted({w for c in COMPANIES for w in search_name(c.name).split() if len(w) > 3})
    names: set[str] = set()
    while len(names) < n:
        names.add(f"PT {rng.choice(words).title()} {rng.choice(words).title()}")
    return sorted(names)


def _add_branches() -> dict[str, BranchOffice]:
    branches = {}
    for code, name, region in BRANCHES:
        branch = BranchOffice(code=code, name=name, region=region, address=f"Kantor Cabang {name}")
        db.session.add(branch)
        branches[code] = branch
    db.session.flush()
    return branches


def _unique_digits(state: DemoState, prefix: str, length: int) -> str:
    while True:
        value = prefix + "".join(state.rng.choices("0123456789", k=length - len(prefix)))
        if value not in state.used_ids:
            state.used_ids.add(value)
            return value


def _add_accounts(
    state: DemoState, specs: list[Co | Inst], branches: dict[str, BranchOffice]
) -> dict[str, Account]:
    """Accounts with valid, unique identifiers; prospects are not registered yet (no NPP)."""
    rng, accounts = state.rng, {}
    jakarta = [code for code in branches if code.startswith("JKT-")]
    for spec in specs:
        company = isinstance(spec, Co)
        status = spec.status if company else "active"
        branch = CITY_BRANCH.get(spec.city) or rng.choice(jakarta)
        street = rng.choice(JAKARTA_STREETS) if spec.city == "Jakarta" else "Jl. Raya Utama"
        account = Account(
            name=spec.name,
            search_name=search_name(spec.name),
            kind="company" if company else spec.kind,
            segment="corporate" if company else "institutional",
            status=status,
            ownership=spec.ownership if company else None,
            sector=spec.sector if company else "pemerintahan",
            headcount=spec.headcount,
            address=f"{street} No. {rng.randint(1, 120)}",
            city=spec.city,
            # NPWP of a company starts 01-03, of a government treasurer 00 (stored with its
            # leading 0 as 16 digits); NIB exists only for businesses.
            npp=None if status == "prospect" else _unique_digits(state, "", 8),
            npwp=_unique_digits(
                state, "0" + (rng.choice(["01", "02", "03"]) if company else "00"), 16
            ),
            nib=_unique_digits(state, "912", 13) if company else None,
            branch_office_id=branches[branch].id,
            character_notes=spec.notes,
        )
        db.session.add(account)
        accounts[spec.name] = account
    db.session.flush()
    for spec in COMPANIES:
        if spec.parent:
            accounts[spec.name].parent_id = accounts[spec.parent].id
    return accounts


def _add_users(
    password: str, branches: dict[str, BranchOffice], accounts: dict[str, Account]
) -> dict[str, User]:
    kemendagri = accounts["Kementerian Dalam Negeri (Kemendagri)"]
    users = {}
    for key, email, name, role, branch_code in DEMO_USERS:
        users[key] = create_user(
            email=email,
            name=name,
            role=role,
            password=password,
            branch_office_id=branches[branch_code].id if branch_code else None,
            account_id=kemendagri.id if role == "partner" else None,
            must_change_password=False,
        )
    db.session.flush()
    return users
