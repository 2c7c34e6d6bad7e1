"""Demo key persons: positions in a reports-to tree, the people who moved, the gaps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.people import mark_left
from crm.accounts.services import search_name
from crm.auth.models import User
from crm.demo.state import DemoState
from crm.demo_data import Co, Inst
from crm.demo_data_people import FIRST_NAMES, FOREIGN_NAMES, GAPS, LAST_NAMES, MOVES, TITLES
from crm.extensions import db

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


@dataclass
class Slot:
    """One current position to create at an account; `person` is set for a known mover."""

    level: str
    title: str
    person: KeyPerson | None = None
    start: date | None = None
    position: Position | None = None
    reports_to: Slot | None = None


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
