"""Deterministic demo data: branch offices, institutions, BUMN groups, key persons and users.

Everything comes from one seeded RNG and the catalog in crm.demo_data, so two runs on the
same day give the same database (dates are relative to today so the demo never looks stale).
Later features extend seed() with their own data.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.people import mark_left
from crm.accounts.services import search_name
from crm.admin.models import BranchOffice
from crm.admin.services import create_user
from crm.auth.models import User
from crm.demo_data import (
    BRANCHES,
    CITY_BRANCH,
    COMPANIES,
    FIRST_NAMES,
    FOREIGN_NAMES,
    GAPS,
    INSTITUTIONS,
    LAST_NAMES,
    MOVES,
    TITLES,
    Co,
    Inst,
)
from crm.extensions import db

SEED = 2026
DEMO_USERS = [
    # key, email, name, role, branch code
    ("admin", "admin@relasi.test", "Admin Relasi", "admin", None),
    ("supervisor", "supervisor@relasi.test", "Sri Wahyuni", "supervisor", "JKT-MJS"),
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
# Level mix by number of people: a head, the HR line below it, then staff.
LEVEL_MIX = {
    3: ["bod", "bod1", "bod2"],
    4: ["bod", "bod1", "bod2", "operational"],
    5: ["bod", "bod", "bod1", "bod2", "operational"],
    6: ["bod", "bod", "bod1", "bod1", "bod2", "operational"],
    7: ["bod", "bod", "bod1", "bod1", "bod2", "bod2", "operational"],
    8: ["bod", "bod", "bod1", "bod1", "bod1", "bod2", "bod2", "operational"],
}
INFLUENCE = {"bod": (4, 5), "bod1": (3, 5), "bod2": (2, 4), "operational": (1, 3)}
STANCES = ["champion", "supporter", "supporter", "neutral", "neutral", "skeptic", "blocker"]
HR_WORDS = re.compile(r"SDM|HR|Human|Kepegawaian|Sumber Daya")


# Kept for callers that want a quick list of plausible, fictional company names.
def company_names(rng: random.Random, n: int) -> list[str]:
    """n distinct fictional names built from the demo companies' own words."""
    words = sorted({w for c in COMPANIES for w in search_name(c.name).split() if len(w) > 3})
    names: set[str] = set()
    while len(names) < n:
        names.add(f"PT {rng.choice(words).title()} {rng.choice(words).title()}")
    return sorted(names)


@dataclass
class Slot:
    """One current position to create at an account; `person` is set for a known mover."""

    level: str
    title: str
    person: KeyPerson | None = None
    start: date | None = None
    position: Position | None = None
    reports_to: Slot | None = None


@dataclass
class DemoState:
    rng: random.Random
    today: date
    used_names: set[str] = field(default_factory=set)
    used_ids: set[str] = field(default_factory=set)
    slots: dict[str, list[Slot]] = field(default_factory=dict)


def seed(password: str) -> dict[str, int]:
    """Add the demo data set to an empty database (caller commits)."""
    state = DemoState(random.Random(SEED), date.today())
    branches = _add_branches()
    specs: list[Co | Inst] = [*INSTITUTIONS, *COMPANIES]
    accounts = _add_accounts(state, specs, branches)
    users = _add_users(password, branches, accounts)
    for spec in specs:
        rm = users.get(spec.rm) if spec.rm else None
        accounts[spec.name].rm_id = rm.id if rm else None
    people, positions = _add_people(state, specs, accounts)
    tasks = _open_gaps(state, accounts, users)
    return {
        "branch offices": len(branches),
        "institutions": len(INSTITUTIONS),
        "companies": len(COMPANIES),
        "key persons": people,
        "positions": positions,
        "re-engagement tasks": tasks,
        "users": len(users),
    }


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


def _audience(spec: Co | Inst) -> str:
    if isinstance(spec, Inst):
        return spec.kind
    return "foreign" if spec.ownership == "foreign" else "company"


def _domain(spec: Co | Inst) -> str:
    if isinstance(spec, Inst):
        return spec.domain
    words = [w for w in search_name(spec.name).split() if w not in ("indonesia", "perseroda")]
    return "".join(words[:2]) + ".co.id"


def _email(name: str, domain: str) -> str:
    words = re.sub(r"[^a-z ]", "", name.lower().replace("-", "")).split()
    return f"{words[0]}.{words[-1]}@{domain}" if len(words) > 1 else f"{words[0]}@{domain}"


def _person_name(state: DemoState, spec: Co | Inst, head: bool) -> str:
    """A unique name; the head of a foreign-owned company comes from its home country."""
    rng = state.rng
    while True:
        if head and isinstance(spec, Co) and spec.origin != "id":
            name = rng.choice(FOREIGN_NAMES[spec.origin])
        else:
            parts = [rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)]
            if rng.random() < 0.3:
                parts.insert(1, rng.choice(LAST_NAMES))
            name = " ".join(parts)
        if name not in state.used_names:
            state.used_names.add(name)
            return name


def _new_person(state: DemoState, name: str, level: str, domain: str) -> KeyPerson:
    rng = state.rng
    low, high = INFLUENCE[level]
    senior = level in ("bod", "bod1")
    return KeyPerson(
        name=name,
        email=_email(name, domain),
        phone=f"+62 81{rng.randint(1, 9)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        preferred_channel=rng.choice(
            ["whatsapp", "in_person", "letter"] if senior else ["email", "whatsapp", "phone"]
        ),
        influence=rng.randint(low, high),
        stance=rng.choice(STANCES),
        assessed_on=state.today - timedelta(days=rng.randint(7, 240)),
    )


def _slots(state: DemoState, spec: Co | Inst, required: list[Slot], big: bool) -> list[Slot]:
    """The account's current positions: required ones first, then titles drawn from the pool."""
    pool = TITLES[_audience(spec)]
    n = state.rng.randint(3, 8)
    n = max(n, 6) if required or big else n
    levels = list(LEVEL_MIX[n])
    if isinstance(spec, Inst):  # one Sekretaris Jenderal/Utama/Daerah at the top
        levels = ["bod1" if lvl == "bod" and i else lvl for i, lvl in enumerate(levels)]
    slots = list(required)
    for slot in required:
        levels.remove(slot.level)
    taken = {s.title for s in slots}
    for level in levels:
        choices = [t for t in pool[level] if t not in taken]
        title = choices[0] if level == "bod" else state.rng.choice(choices)
        taken.add(title)
        slots.append(Slot(level, title))
    rank = {"bod": 0, "bod1": 1, "bod2": 2, "operational": 3}
    return sorted(slots, key=lambda s: (rank[s.level], s.title != pool["bod"][0]))


def _link_tree(state: DemoState, slots: list[Slot]) -> None:
    """Directors report to the head, the HR line to the HR director, staff to their managers."""
    by_level = {lvl: [s for s in slots if s.level == lvl] for lvl in INFLUENCE}
    root = slots[0]
    hr_head = next((s for s in by_level["bod"] if HR_WORDS.search(s.title)), root)
    for slot in slots[1:]:
        if slot.level == "bod":
            slot.reports_to = root
        elif slot.level == "bod1":
            slot.reports_to = hr_head
        elif slot.level == "bod2":
            slot.reports_to = state.rng.choice(by_level["bod1"])
        else:
            slot.reports_to = state.rng.choice(by_level["bod2"] or by_level["bod1"])


def _add_people(
    state: DemoState, specs: list[Co | Inst], accounts: dict[str, Account]
) -> tuple[int, int]:
    """3-8 current key persons per account with a reports-to tree, plus the people who moved."""
    rng, today = state.rng, state.today
    required: dict[str, list[Slot]] = {}
    movers = []
    for name, src, src_title, src_level, dst, dst_title, dst_level, days in MOVES:
        state.used_names.add(name)
        person = _new_person(state, name, dst_level, _domain(_spec(specs, dst)))
        new = Slot(dst_level, dst_title, person, start=today - timedelta(days=days - 14))
        successor = Slot(src_level, src_title)  # whoever holds the old title now
        required.setdefault(dst, []).append(new)
        required.setdefault(src, []).append(successor)
        movers.append((person, src, src_title, src_level, successor, dst, days))
    gap_accounts = {g[0] for g in GAPS}
    people = positions = 0
    for spec in specs:
        slots = _slots(state, spec, required.get(spec.name, []), spec.name in gap_accounts)
        _link_tree(state, slots)
        for i, slot in enumerate(slots):
            if slot.person is None:
                name = _person_name(state, spec, head=i == 0)
                slot.person = _new_person(state, name, slot.level, _domain(spec))
                people += 1
            hr_line = slot.level == "bod1" and HR_WORDS.search(slot.title)
            slot.position = Position(
                person=slot.person,
                account=accounts[spec.name],
                title=slot.title,
                level=slot.level,
                decision_maker=slot.level == "bod" or bool(hr_line),
                reports_to=slot.reports_to.position if slot.reports_to else None,
                start_date=slot.start or today - timedelta(days=rng.randint(200, 6 * 365)),
            )
            db.session.add(slot.position)
            positions += 1
        state.slots[spec.name] = slots
    for person, src, title, level, successor, dst, days in movers:
        left_on = today - timedelta(days=days)
        db.session.add(
            Position(
                person=person,
                account=accounts[src],
                title=title,
                level=level,
                decision_maker=True,
                reports_to=state.slots[src][0].position,
                start_date=left_on - timedelta(days=rng.randint(700, 2500)),
                end_date=left_on,
                left_note=f"Pindah ke {dst}.",
                successor=successor.person,
                ended_at=datetime.combine(left_on, time(9), UTC),
            )
        )
        people += 1
        positions += 1
    db.session.flush()
    return people, positions


def _spec(specs: list[Co | Inst], name: str) -> Co | Inst:
    return next(s for s in specs if s.name == name)


def _open_gaps(state: DemoState, accounts: dict[str, Account], users: dict[str, User]) -> int:
    """Real "key person left" events: the account is flagged and its RM gets the task."""
    for name, level, note in GAPS:
        account = accounts[name]
        slot = [s for s in state.slots[name] if s.level == level][-1]
        mark_left(
            slot.position,
            end_date=state.today - timedelta(days=12),
            note=note,
            successor=None,
            actor=db.session.get(User, account.rm_id),
        )
    db.session.flush()
    return len(GAPS)
