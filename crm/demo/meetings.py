"""Demo interaction history: a year of meetings, planned ones and next-step tasks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from crm.accounts.models import Account, Position
from crm.auth.models import User
from crm.demo.state import SEED, DemoState
from crm.demo_data_history import (
    AGENDAS,
    CONFIDENTIAL_MINUTES,
    CORPORATE_TOPICS,
    INSTITUTION_TOPICS,
    INSTITUTION_TYPES,
    MINUTES,
    NEXT_STEPS,
    OUTCOMES,
    PLACES,
    SENIOR_TYPES,
    STAFF_TYPES,
)
from crm.extensions import db
from crm.i18n import local_zone
from crm.meetings import summary
from crm.meetings.models import TOPICS, Interaction, InteractionAttendee, Task
from crm.meetings.months import add_months

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
