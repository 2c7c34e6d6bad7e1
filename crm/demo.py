"""Deterministic demo data: branch offices, institutions, BUMN groups, key persons, users,
a year of meetings, two years of contribution months and the escalation cases of the
companies in arrears.

Everything comes from seeded RNGs and the catalog in crm.demo_data, so two runs on the
same day give the same database (dates are relative to today so the demo never looks stale).
Later features extend seed() with their own data.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.people import mark_left
from crm.accounts.services import search_name
from crm.admin.models import BranchOffice
from crm.admin.services import create_user
from crm.auth.models import User
from crm.demo_data import (
    AGENDAS,
    AVERAGE_WAGE,
    BRANCHES,
    CASE_NOTES,
    CASE_PLANS,
    CITY_BRANCH,
    COMPANIES,
    COMPLIANCE_EXPORT_NAME,
    CONFIDENTIAL_MINUTES,
    CORPORATE_TOPICS,
    FIRST_NAMES,
    FOREIGN_NAMES,
    GAPS,
    INSTITUTION_TOPICS,
    INSTITUTION_TYPES,
    INSTITUTIONS,
    JHT_BP,
    JKK_BP,
    JKM_BP,
    JP_BP,
    JP_WAGE_CAPS,
    LAST_NAMES,
    MINUTES,
    MOVES,
    NEXT_STEPS,
    OUTCOMES,
    PDS_FINDINGS,
    PLACES,
    SENIOR_TYPES,
    STAFF_TYPES,
    TITLES,
    Co,
    Inst,
)
from crm.extensions import db
from crm.meetings.models import TOPICS

if TYPE_CHECKING:
    from crm.compliance.arrears import Rule
    from crm.compliance.calendar import WorkingCalendar

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
    now: datetime | None = None


def seed(password: str, now: datetime | None = None) -> dict[str, int]:
    """Add the demo data set to an empty database (caller commits). `now` (UTC) moves the
    clock for tests; every date is relative to it."""
    from crm.compliance.holidays_data import seed_holidays
    from crm.i18n import local_date

    now = now or datetime.now(UTC)
    holidays = seed_holidays()  # working-day deadlines need the national holidays
    state = DemoState(random.Random(SEED), local_date(now), now=now)
    branches = _add_branches()
    specs: list[Co | Inst] = [*INSTITUTIONS, *COMPANIES]
    accounts = _add_accounts(state, specs, branches)
    users = _add_users(password, branches, accounts)
    for spec in specs:
        rm = users.get(spec.rm) if spec.rm else None
        accounts[spec.name].rm_id = rm.id if rm else None
    people, positions = _add_people(state, specs, accounts)
    tasks = _open_gaps(state, accounts, users)
    history = _add_interactions(state, accounts, users)
    compliance = _add_compliance(state, accounts, users)
    return {
        "branch offices": len(branches),
        "institutions": len(INSTITUTIONS),
        "companies": len(COMPANIES),
        "key persons": people,
        "positions": positions,
        "re-engagement tasks": tasks,
        "users": len(users),
        "national holidays": holidays,
        **history,
        **compliance,
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


# -- interaction history ---------------------------------------------------------------------

HISTORY_MONTHS = 12
# Corporate cadence profiles this month (weights): a BOD-1 meeting every month; every month
# but not yet this one (on track, then due in the last week); none last month (overdue).
CORPORATE_PROFILES = [("steady", 55), ("waiting", 25), ("lapsed", 20)]
# Institutions (every 60 days): regular; last contact 54-60 days ago (due); silent for
# 70+ days (overdue, re-engage); activity halved in the last quarter (re-engage).
INSTITUTION_PROFILES = ["regular"] * 8 + ["due"] * 3 + ["silent"] * 2 + ["dropped"] * 3


@dataclass
class History:
    rng: random.Random
    today: date
    now: datetime
    zone: object
    positions: dict[int, list[tuple]]  # account id -> (person, level, start, end, title)
    interactions: list[dict] = field(default_factory=list)
    attendees: list[list[tuple]] = field(default_factory=list)  # per interaction
    steps: list[tuple] = field(default_factory=list)  # (interaction index, title, due)


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _moment(h: History, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=h.zone).astimezone(UTC)


def _workday(h: History, first: date, last: date) -> date | None:
    """A random weekday between two dates (inclusive), or None when there is none."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5] or days
    return h.rng.choice(weekdays) if weekdays else None


def _month_days(h: History, offset: int) -> tuple[date, date] | None:
    """First and last day usable for a held interaction in the month `offset` months away
    (0 = this month, up to yesterday)."""
    from crm.meetings.summary import add_months

    first = add_months(h.today.replace(day=1), offset)
    last = add_months(first, 1) - timedelta(days=1)
    if offset == 0:
        last = h.today - timedelta(days=1)
    start = max(first, h.today - timedelta(days=HISTORY_MONTHS * 31))
    return (start, last) if start <= last else None


def _holders(h: History, account: Account, day: date, senior: bool) -> list[tuple]:
    """Key persons holding a position at the account on that day, senior (BOD, BOD-1) or not."""
    found = [
        p
        for p in h.positions.get(account.id, [])
        if (p[2] is None or p[2] <= day)
        and (p[3] is None or p[3] >= day)
        and (p[1] in ("bod", "bod1")) is senior
    ]
    # BOD-1 first for the working meetings; directors now and then.
    return sorted(found, key=lambda p: (p[1] != "bod1", p[0]))


def _log(
    h: History,
    account: Account,
    author: User,
    day: date,
    *,
    senior: bool,
    status: str = "held",
    hour: int | None = None,
) -> bool:
    """Queue one interaction with its attendees; False when nobody fits that day."""
    rng = h.rng
    people = _holders(h, account, day, senior)
    if not people:
        return False
    chosen = [people[0] if rng.random() < 0.7 else rng.choice(people)]
    others = _holders(h, account, day, not senior) if senior else people
    if rng.random() < 0.35 and others:
        extra = rng.choice(others)
        if extra not in chosen:
            chosen.append(extra)
    corporate = account.segment == "corporate"
    if corporate:
        kind = _weighted(rng, SENIOR_TYPES if senior else STAFF_TYPES)
        topic = rng.choice(CORPORATE_TOPICS)
    else:
        kind = _weighted(rng, INSTITUTION_TYPES)
        topic = rng.choice(INSTITUTION_TOPICS)
    if hour is None:
        hour = 12 if kind in ("lunch_meeting", "power_lunch") else rng.choice((9, 10, 13, 14, 15))
    starts = _moment(h, day, hour, rng.choice((0, 30)))
    if status == "held" and starts > h.now - timedelta(minutes=30):
        return False
    who = chosen[0][4]
    short = account.name.replace("PT ", "").split(" (")[0]
    topics = [topic] + ([rng.choice(CORPORATE_TOPICS)] if rng.random() < 0.2 else [])
    confidential = status == "held" and corporate and senior and rng.random() < 0.04
    held = status == "held"
    template = rng.choice(CONFIDENTIAL_MINUTES if confidential else MINUTES[topic])
    minutes = template.format(who=who, n=rng.choice((12, 25, 40, 75, 120))) if held else ""
    online = kind == "online_meeting"
    h.interactions.append(
        {
            "account_id": account.id,
            "author_id": author.id,
            "type": kind,
            "status": status,
            "starts_at": starts,
            "ends_at": starts + timedelta(minutes=30 if kind == "phone_call" else 90),
            "place": ""
            if online or kind in ("phone_call", "correspondence")
            else rng.choice(PLACES).format(account=short),
            "online_link": f"https://meet.relasi.test/{account.id}-{len(h.interactions)}"
            if online
            else "",
            "agenda": AGENDAS[topic],
            "topics": ",".join(t for t in TOPICS if t in topics),
            "minutes": minutes,
            "outcome": rng.choice(OUTCOMES) if held else "",
            "sentiment": _weighted(rng, [("positive", 4), ("neutral", 4), ("negative", 1)])
            if held
            else None,
            "confidential": confidential,
            "is_bod1": any(p[1] in ("bod", "bod1") for p in chosen),
            "sequence": 0,
            "created_at": min(starts, h.now)
            - timedelta(days=rng.randint(0, 5) if not held else 0)
            + (timedelta(hours=3) if held else timedelta(0)),
            "updated_at": min(starts + timedelta(hours=3), h.now),
        }
    )
    h.attendees.append([("p", p[0]) for p in chosen] + [("u", author.id)])
    if held and rng.random() < 0.35:
        h.steps.append((len(h.interactions) - 1, rng.choice(NEXT_STEPS), day))
    return True


def _corporate_history(h: History, account: Account, author: User) -> None:
    rng = h.rng
    if account.status == "inactive":
        months, profile = range(-HISTORY_MONTHS, -8), "steady"
    else:
        months, profile = range(-HISTORY_MONTHS + 1, 1), _weighted(rng, CORPORATE_PROFILES)
    for offset in months:
        span = _month_days(h, offset)
        if span is None:
            continue
        senior = not (
            (offset == 0 and profile in ("waiting", "lapsed"))
            or (offset == -1 and profile == "lapsed")
            or (profile == "lapsed" and rng.random() < 0.25)
        )
        if senior:
            for _ in range(5):  # a day with a BOD-1 official in office
                if _log(h, account, author, _workday(h, *span), senior=True):
                    break
        for _ in range(rng.choice((0, 1, 1, 2))):  # calls and letters with their staff
            _log(h, account, author, _workday(h, *span), senior=False)


def _institution_history(h: History, account: Account, author: User, profile: str) -> None:
    rng, today = h.rng, h.today
    start = today - timedelta(days=HISTORY_MONTHS * 30)
    if profile == "due":
        end = today - timedelta(days=rng.randint(54, 59))
    elif profile == "silent":
        end = today - timedelta(days=rng.randint(70, 120))
    else:
        end = today - timedelta(days=1)
    day, last_logged = start, None
    from crm.meetings.summary import add_months

    last_quarter = add_months(today.replace(day=1), -3)
    while day <= end:
        sparse = profile == "dropped" and day >= last_quarter
        senior = rng.random() < 0.5
        if (not sparse or rng.random() < 0.3) and (
            _log(h, account, author, day, senior=senior)
            or _log(h, account, author, day, senior=not senior)
        ):
            last_logged = day
        day += timedelta(days=rng.randint(15, 25) if not sparse else rng.randint(25, 35))
    recent = profile in ("due", "dropped") and last_logged != end and end < today
    if recent and not _log(h, account, author, end, senior=False):
        _log(h, account, author, end, senior=True)


def _planned(h: History, account: Account, author: User, day: date, hour: int) -> None:
    """A planned interaction (future, or earlier today / lately and not marked held yet)."""
    if not _log(h, account, author, day, senior=True, status="planned", hour=hour):
        _log(h, account, author, day, senior=False, status="planned", hour=hour)


def _add_interactions(
    state: DemoState, accounts: dict[str, Account], users: dict[str, User]
) -> dict[str, int]:
    """About 12 months of meetings, calls and letters with key persons holding a position on
    the day, planned meetings for the coming two weeks and next-step tasks. Bulk inserted,
    then the cadence summaries are rebuilt (crm.meetings.summary.rebuild_all)."""
    from sqlalchemy import insert, select

    from crm.i18n import local_zone
    from crm.meetings import summary
    from crm.meetings.models import Interaction, InteractionAttendee, Task

    rng = random.Random(SEED + 1)  # its own stream: the people above stay as they were
    zone = local_zone()
    now = state.now or datetime.now(UTC)
    positions: dict[int, list[tuple]] = {}
    for p in db.session.scalars(select(Position).order_by(Position.id)):
        positions.setdefault(p.account_id, []).append(
            (p.person_id, p.level, p.start_date, p.end_date, p.title)
        )
    h = History(rng, state.today, now, zone, positions)
    by_id = {u.id: u for u in users.values()}
    ordered = sorted(accounts.values(), key=lambda a: a.name)
    institutions = [a for a in ordered if a.segment == "institutional"]
    profiles = dict(zip([a.id for a in institutions], INSTITUTION_PROFILES, strict=False))
    for account in ordered:
        # Long-standing accounts: the monthly rule may call them overdue.
        account.created_at = datetime.combine(
            state.today - timedelta(days=rng.randint(400, 3000)), time(9), UTC
        )
        author = by_id.get(account.rm_id) or users["supervisor"]
        if account.segment == "corporate":
            _corporate_history(h, account, author)
        else:
            _institution_history(h, account, author, profiles.get(account.id, "regular"))
    # The coming two weeks: today and this week for both RMs, a few unmarked from lately.
    today = state.today
    for key in ("rm", "rm2"):
        mine = [a for a in ordered if a.rm_id == users[key].id and a.status != "inactive"]
        picks = rng.sample(mine, min(10, len(mine)))
        sunday = today + timedelta(days=6 - today.weekday())
        days = [today, today, min(today + timedelta(days=1), sunday), sunday]
        days += [today + timedelta(days=rng.randint(2, 14)) for _ in range(5)]
        for account, day in zip(picks, days, strict=False):
            _planned(h, account, users[key], day, rng.choice((9, 11, 14, 16)))
        for account in picks[-1:]:
            _planned(h, account, users[key], today - timedelta(days=2), 10)
    ids = list(
        db.session.scalars(
            insert(Interaction).returning(Interaction.id, sort_by_parameter_order=True),
            h.interactions,
        )
    )
    rows = []
    for ident, people in zip(ids, h.attendees, strict=True):
        for kind, who in people:
            rows.append(
                {
                    "interaction_id": ident,
                    "person_id": who if kind == "p" else None,
                    "user_id": who if kind == "u" else None,
                }
            )
    db.session.execute(insert(InteractionAttendee), rows)
    tasks = []
    for index, title, day in h.steps:
        row = h.interactions[index]
        due = day + timedelta(days=rng.randint(5, 21))
        late = due < today
        done = late and rng.random() < 0.8
        created = row["starts_at"] + timedelta(hours=3)
        tasks.append(
            {
                "account_id": row["account_id"],
                "interaction_id": ids[index],
                "assignee_id": row["author_id"],
                "created_by_id": row["author_id"],
                "kind": "next_step",
                "title": title,
                "details": "",
                "due_date": due,
                "status": "done" if done else "open",
                "completed_at": datetime.combine(
                    due - timedelta(days=rng.randint(0, 4)), time(8), UTC
                )
                if done
                else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    db.session.execute(insert(Task), tasks)
    summary.rebuild_all()
    db.session.flush()
    return {
        "interactions": len(ids),
        "planned interactions": sum(1 for r in h.interactions if r["status"] == "planned"),
        "next-step tasks": len(tasks),
    }


# -- compliance history and escalation cases -------------------------------------------------

COMPLIANCE_MONTHS = 24
# Share of months paid late (with the fine) by a company that is sometimes late, by a
# company in arrears before its arrears began, and by every other company.
LATE_SHARE = {"sometimes": 0.15, "arrears": 0.3, "punctual": 0.02}


def jp_wage_cap(period: date) -> int:
    """The JP wage cap in force for a contribution month (the earliest before 2024)."""
    cap = JP_WAGE_CAPS[0][1]
    for start, value in JP_WAGE_CAPS:
        if date.fromisoformat(start) <= period:
            cap = value
    return cap


def monthly_contribution(workers: int, wages: int, jkk_bp: int, period: date) -> int:
    """A month's contribution (employer and worker shares): JKK, JKM and JHT on the wages,
    JP on each worker's wage up to the cap; whole rupiah, rounded half up."""
    capped = min(wages // workers, jp_wage_cap(period)) * workers if workers else 0
    return (wages * (jkk_bp + JKM_BP + JHT_BP) + capped * JP_BP + 5000) // 10000


@dataclass
class Ledger:
    """What one company's months need: the rules, the calendar, the months and cut-off."""

    rng: random.Random
    today: date
    cutoff: date  # the export's day: no payment after it is known
    periods: list[date]
    deadlines: dict[date, date]
    rules: list[Rule]
    cal: WorkingCalendar


def _ledger(today: date, cutoff: date) -> Ledger:
    from crm.compliance import arrears
    from crm.compliance.calendar import working_calendar
    from crm.compliance.services import arrears_rules

    last = arrears.add_months(today.replace(day=1), -1)
    periods = [arrears.add_months(last, -k) for k in range(COMPLIANCE_MONTHS - 1, -1, -1)]
    rules, cal = arrears_rules(), working_calendar()
    deadlines = {p: arrears.deadline(p, arrears.rule_for(p, rules), cal) for p in periods}
    return Ledger(random.Random(SEED + 2), today, cutoff, periods, deadlines, rules, cal)


def _fine(led: Ledger, period: date, amount: int, paid_on: date) -> int:
    """The late fine on `amount` of a month paid on `paid_on` (crm.compliance.arrears)."""
    from crm.compliance import arrears

    figures = arrears.MonthFigures(period, amount, amount, paid_on)
    rule = arrears.rule_for(period, led.rules)
    return arrears.month_arrears(figures, paid_on, rule, led.cal).fine


def office_day(cal: WorkingCalendar, day: date) -> date:
    """`day` when it is a working day, else the working day before it."""
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def unpaid_since(opened: date, periods: list[date]) -> date:
    """The first unpaid month of a company whose case opened on `opened`: two months
    before the month 20 days earlier, so two months were overdue by then."""
    from crm.compliance import arrears

    return max(arrears.add_months((opened - timedelta(days=20)).replace(day=1), -2), periods[0])


def _payment(led: Ledger, period: date, due: int, late_share: float) -> dict:
    """Paid on time (a few days before the deadline), or now and then late with its fine;
    a month whose payment would come after the export is not paid yet (not due)."""
    rng, deadline = led.rng, led.deadlines[period]
    if rng.random() < late_share:
        late = deadline + timedelta(days=rng.randint(3, 40))
        if late <= led.cutoff:
            return {"amount_paid": due, "paid_on": late, "fine_paid": _fine(led, period, due, late)}
    paid_on = max(deadline - timedelta(days=rng.randint(0, 12)), (period + timedelta(days=31)))
    if paid_on > led.cutoff:
        return {"amount_paid": 0, "paid_on": None, "fine_paid": 0}
    return {"amount_paid": due, "paid_on": paid_on, "fine_paid": 0}


def _arrears_payment(led: Ledger, period: date, due: int, plan, partial: bool) -> dict:
    """A month of a company in arrears: unpaid, paid in part, or (paid off) paid with its
    fine on the export's day."""
    if plan.paid_off:
        return {
            "amount_paid": due,
            "paid_on": led.cutoff,
            "fine_paid": _fine(led, period, due, led.cutoff),
        }
    if partial:
        paid = due * led.rng.randint(30, 60) // 100
        day = min(led.deadlines[period] + timedelta(days=led.rng.randint(3, 15)), led.cutoff)
        return {"amount_paid": paid, "paid_on": day, "fine_paid": 0}
    return {"amount_paid": 0, "paid_on": None, "fine_paid": 0}


def _pds_flags(spec_name: str, back: int) -> dict:
    """The PDS flags and note of a company's month `back` months before the last one."""
    for company, flag, (first, last), note in PDS_FINDINGS:
        if company == spec_name and last <= back <= first:
            return {flag: True, "pds_notes": note}
    return {}


def _company_months(led: Ledger, spec: Co, account: Account, plan, import_id: int) -> list[dict]:
    """24 months of one company as the core system reports them: workers drifting, wages
    raised each January, the contribution from the rates, payments by its profile."""
    rng, last = led.rng, led.periods[-1]
    workers = spec.headcount * rng.uniform(0.9, 0.98)
    trend = rng.uniform(-0.002, 0.006)
    wage = AVERAGE_WAGE.get(spec.sector, 5_500_000) * rng.uniform(0.85, 1.2)
    plan = plan if plan and plan.reason == "arrears" else None
    profile = "arrears" if plan else rng.choices(["sometimes", "punctual"], [20, 80])[0]
    owing, partial = [], set()
    if plan:
        opened = office_day(led.cal, led.today - timedelta(days=plan.opened or plan.since))
        owing = [p for p in led.periods if p >= unpaid_since(opened, led.periods)]
        partial = set(owing[: plan.partial])
    rows = []
    for back, period in zip(range(len(led.periods) - 1, -1, -1), led.periods, strict=True):
        # Headcount drifts with the company's trend; wages rise 6.5 % each January.
        registered = max(1, round(workers * (1 - trend * back) * rng.uniform(0.995, 1.005)))
        reported = registered - rng.randint(0, registered // 200)
        raise_ = 1.065 ** (period.year - last.year)
        wages = round(reported * wage * raise_ * rng.uniform(0.98, 1.02), -3)
        due = monthly_contribution(reported, wages, JKK_BP.get(spec.sector, 89), period)
        if period in owing:
            paid = _arrears_payment(led, period, due, plan, period in partial)
        else:
            paid = _payment(led, period, due, LATE_SHARE[profile])
        flags = {"pds_tk": False, "pds_upah": False, "pds_program": False, "pds_notes": ""}
        flags |= _pds_flags(spec.name, back)
        rows.append(
            {
                "account_id": account.id,
                "period": period,
                "workers_registered": registered,
                "workers_reported": reported,
                "wages_reported": wages,
                "contribution_due": due,
                **paid,
                "unpaid": max(due - paid["amount_paid"], 0),
                **flags,
                "import_id": import_id,
            }
        )
    return rows


class _Backdate:
    """Moves what the last service calls wrote (case events, audit rows) to the moment the
    demo story says they happened; the services themselves always write "now"."""

    def __init__(self, zone) -> None:
        self.zone = zone
        self.event_id = self.audit_id = 0
        self.mark()

    def mark(self) -> None:
        from sqlalchemy import func, select

        from crm.audit import AuditLog
        from crm.cases.models import CaseEvent

        db.session.flush()
        self.event_id = db.session.scalar(select(func.max(CaseEvent.id))) or 0
        self.audit_id = db.session.scalar(select(func.max(AuditLog.id))) or 0

    def moment(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)

    def __call__(self, day: date, hour: int) -> datetime:
        from sqlalchemy import update

        from crm.audit import AuditLog
        from crm.cases.models import CaseEvent

        when = self.moment(day, hour)
        db.session.flush()
        for model, last in ((CaseEvent, self.event_id), (AuditLog, self.audit_id)):
            db.session.execute(update(model).where(model.id > last).values(created_at=when))
        self.mark()
        return when


def _replay_case(led: Ledger, stamp: _Backdate, plan, account: Account, users: dict):
    """Open the case and walk it up the ladder through the services, day by day as the plan
    says; letters are issued by the supervisor's office and received by the company."""
    from crm.cases import letters, services
    from crm.cases.clock import due_date
    from crm.cases.models import LETTER_TYPES, SUPERVISOR_STAGES

    rm = db.session.get(User, account.rm_id) if account.rm_id else users["supervisor"]
    boss, cal = users["supervisor"], led.cal
    day = office_day(cal, led.today - timedelta(days=plan.opened))
    since = unpaid_since(day, led.periods)
    months = sum(1 for p in led.periods if p >= since and led.deadlines[p] < day)
    note = CASE_NOTES["opened" if plan.reason == "arrears" else "opened_pds"]
    case = services.open_case(
        account, plan.reason, rm, note.format(months=months), day + timedelta(plan.persuasi_days)
    )
    case.stage_started_on = day
    case.supervisor_id = case.supervisor_id or boss.id  # the demo's one supervisor follows all
    case.opened_at = case.created_at = stamp(day, 10)
    for stage, entered, issued, received in plan.steps:
        day = office_day(cal, led.today - timedelta(days=entered))
        actor = boss if stage in SUPERVISOR_STAGES else rm
        services.advance_case(case, stage, actor, CASE_NOTES.get(stage, ""))
        if stage not in LETTER_TYPES:
            case.stage_started_on, case.stage_due_on = day, due_date(stage, day)
        when = stamp(day, 9)
        letter = case.current_letter
        if letter is None:
            continue
        letter.created_at = letter.updated_at = when
        if issued is not None:
            issued_on = office_day(cal, led.today - timedelta(days=issued))
            letters.mark_letter_issued(letter, issued_on, boss)
            letter.updated_at = stamp(issued_on, 13)
        if received is not None:
            received_on = office_day(cal, led.today - timedelta(days=received))
            letters.mark_letter_received(letter, received_on, rm)
            letter.updated_at = stamp(received_on, 15)
    return case


def _add_compliance(
    state: DemoState, accounts: dict[str, Account], users: dict[str, User]
) -> dict[str, int]:
    """24 months of contribution figures for every registered demo company, as one import
    of the core system's export made yesterday; the escalation cases of the companies in
    arrears replayed through the case services; suggestions and stored arrears refreshed."""
    from sqlalchemy import func, insert, select

    from crm import audit
    from crm.cases import services
    from crm.cases.suggestions import refresh_suggestions, suggestion_query
    from crm.compliance.calendar import working_calendar
    from crm.compliance.models import ComplianceImport, CompliancePeriod
    from crm.i18n import local_zone

    today = state.today
    cutoff = office_day(working_calendar(), today - timedelta(days=1))
    led = _ledger(today, cutoff)
    stamp = _Backdate(local_zone())
    boss = users["supervisor"]
    first, last = led.periods[0], led.periods[-1]
    run = ComplianceImport(
        key="demo-seed",
        actor_id=boss.id,
        actor_label=boss.email,
        filename=COMPLIANCE_EXPORT_NAME.format(first=f"{first:%Y-%m}", last=f"{last:%Y-%m}"),
        period_first=first,
        period_last=last,
        created_at=stamp.moment(cutoff, 16),
    )
    db.session.add(run)
    db.session.flush()
    plans = {p.company: p for p in CASE_PLANS}
    rows = []
    for spec in COMPANIES:
        account = accounts[spec.name]
        if account.npp:  # prospects are not registered yet: the core system has nothing
            rows += _company_months(led, spec, account, plans.get(spec.name), run.id)
    for row in rows:
        row["created_at"] = row["updated_at"] = run.created_at
    db.session.execute(insert(CompliancePeriod), rows)
    run.rows = run.created_count = len(rows)
    audit.record(
        "compliance.import",
        run,
        summary=f"{len(rows)} bulan kepatuhan diimpor dari {run.filename} ({len(rows)} baru)",
        after={"filename": run.filename, "rows": len(rows), "created": len(rows)},
        actor=boss,
    )
    stamp(cutoff, 16)
    cases = [
        _replay_case(led, stamp, plan, accounts[plan.company], users)
        for plan in CASE_PLANS
        if plan.opened is not None
    ]
    # The import showed one company's arrears paid: its case closes as the import does it.
    for case in services.auto_close_paid(run, as_of=today):
        case.closed_at = stamp(cutoff, 16)
    refresh_suggestions(today)
    services.refresh_case_arrears(as_of=today)
    db.session.flush()
    suggested = db.session.scalar(
        select(func.count()).select_from(suggestion_query(boss).subquery())
    )
    return {
        "compliance months": len(rows),
        "companies in arrears": sum(1 for p in CASE_PLANS if p.reason == "arrears")
        - sum(1 for p in CASE_PLANS if p.paid_off),
        "escalation cases": len(cases),
        "suggested cases (no case yet)": suggested,
    }
