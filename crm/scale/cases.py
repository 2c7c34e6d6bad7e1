"""Scale escalation cases with their letters and events, then their stored figures."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import select

from crm.auth.models import User
from crm.cases.models import (
    LETTER_TYPES,
    STAGES,
    SUPERVISOR_STAGES,
    CaseEvent,
    CaseLetterRequest,
    EscalationCase,
)
from crm.cases.stored_arrears import refresh_case_arrears
from crm.cases.suggestions import refresh_suggestions
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.models import ComplianceImport
from crm.extensions import db
from crm.scale.compliance import _Compliance
from crm.scale.context import ScaleReport, _Context, _insert, _next_id, _reset_sequences

# Stages of the open cases, with weights: most cases are early on the ladder.
CASE_STAGE_MIX = [
    ("persuasi", 30),
    ("pemberitahuan", 20),
    ("teguran_1", 18),
    ("teguran_2", 12),
    ("denda", 10),
    ("tmp2t", 6),
    ("skk", 4),
]
# Days a stage lasts before the next one starts, when the case has moved on.
STAGE_SPAN = {
    "persuasi": (10, 30),
    "pemberitahuan": (14, 24),
    "teguran_1": (14, 24),
    "teguran_2": (14, 24),
    "denda": (28, 35),
    "tmp2t": (30, 60),
}


@dataclass
class _CaseIds:
    case: int
    event: int
    letter: int
    supervisor: int | None
    rms: list[int]


def _case_story(rng: random.Random, today: date, stage: str) -> list[tuple]:
    """The ladder up to `stage`, forward from the day the case opened: (stage, entered,
    issued, received) per stage; the current stage's letter may not be out yet, and about
    a quarter of the cases have outrun their deadline."""
    path = STAGES[: STAGES.index(stage) + 1]
    spans = [rng.randint(*STAGE_SPAN[s]) for s in path[:-1]]
    age = rng.randint(1, 30)  # days in the current stage
    day = today - timedelta(days=sum(spans) + age)
    story = []
    for k, name in enumerate(path):
        issued = received = None
        if name in LETTER_TYPES:
            issued = day + timedelta(days=rng.randint(1, 4))
            received = issued + timedelta(days=rng.randint(1, 5))
            if k == len(path) - 1:  # the current letter: waiting, issued or received
                state = rng.random()
                issued = None if state < 0.2 or issued >= today else issued
                received = None if issued is None or state < 0.45 or received >= today else received
        story.append((name, day, issued, received))
        if k < len(spans):
            day += timedelta(days=spans[k])
    return story


def _current_clock(story: list[tuple], rng: random.Random, cal) -> tuple:
    """(stage_started_on, stage_due_on) of the current stage, as the services set them:
    a letter stage waits for its letter, then counts 10 working days from issue or
    receipt; Persuasi, TMP2T and SKK have dates set by hand; Denda 30 calendar days."""
    stage, entered, issued, received = story[-1]
    start = received or issued
    if stage == "persuasi":
        return entered, entered + timedelta(days=rng.randint(14, 30))
    if stage == "denda":
        return entered, entered + timedelta(days=30)
    if stage == "tmp2t":
        return start, entered + timedelta(days=45)
    if stage == "skk":
        return entered, entered + timedelta(days=rng.randint(60, 90))
    return start, cal.add_working_days(start, 10) if start else None


def _case_rows(ctx: _Context, cc: _Compliance, pick: tuple, ids: _CaseIds, rows: dict) -> None:
    """One open case with its letter requests and events, as if walked through the case
    services (crm.cases.services) up to a stage drawn from CASE_STAGE_MIX."""
    (account, reason), rng = pick, cc.rng
    stage = rng.choices(*zip(*CASE_STAGE_MIX, strict=True))[0]
    story = _case_story(rng, cc.today, stage)
    owner = account["rm_id"] or rng.choice(ids.rms)
    started, due = _current_clock(story, rng, working_calendar(LETTER))
    opened = _at(ctx, story[0][1], 10)
    case_id, ids.case = ids.case, ids.case + 1
    rows["cases"].append(
        {
            "id": case_id,
            "account_id": account["id"],
            "reason": reason,
            "stage": stage,
            "status": "open",
            "owner_id": owner,
            "supervisor_id": ids.supervisor,
            "branch_office_id": account["branch_office_id"],
            "opened_at": opened,
            "stage_started_on": started,
            "stage_due_on": due,
            "closed_at": None,
            "closed_reason": None,
            "closed_note": "",
            "closing_import_id": None,
            "created_at": opened,
            "updated_at": opened,
        }
    )
    event = _event_maker(ctx, rows, ids, case_id)
    event("opened", None, "persuasi", owner, story[0][1], 10)
    for (previous, *_), (name, entered, issued, received) in pairwise(story):
        actor = ids.supervisor if name in SUPERVISOR_STAGES else owner
        event("advanced", previous, name, actor, entered, 9)
        if name not in LETTER_TYPES:
            continue
        letter_id, ids.letter = ids.letter, ids.letter + 1
        rows["letters"].append(
            {
                "id": letter_id,
                "case_id": case_id,
                "stage": name,
                "letter_type": LETTER_TYPES[name],
                "status": "received" if received else "issued" if issued else "draft_requested",
                "addressee": f"Yth. Pimpinan {account['name']}"[:300],
                "address": f"{account['address']}\n{account['city']}",
                "requested_by_id": actor,
                "issued_on": issued,
                "received_on": received,
                "created_at": _at(ctx, entered, 9),
                "updated_at": _at(ctx, received or issued or entered, 13),
            }
        )
        if issued:
            event("letter_issued", name, name, ids.supervisor, issued, 13, letter_id)
        if received:
            event("letter_received", name, name, owner, received, 15, letter_id)


def _at(ctx: _Context, day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ctx.zone).astimezone(UTC)


def _event_maker(ctx: _Context, rows: dict, ids: _CaseIds, case_id: int):
    def event(kind, from_stage, to_stage, actor, day, hour, letter_id=None) -> None:
        rows["events"].append(
            {
                "id": ids.event,
                "case_id": case_id,
                "kind": kind,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "actor_id": actor,
                "note": "",
                "import_id": None,
                "letter_request_id": letter_id,
                "created_at": _at(ctx, day, hour),
            }
        )
        ids.event += 1

    return event


def _add_cases(ctx: _Context, cc: _Compliance, wanted: int, report: ScaleReport, progress) -> None:
    """`wanted` open cases (fewer when fewer accounts are in arrears or flagged) among the
    candidates, at most one per account, inserted 5,000 at a time with their history."""
    picks = cc.rng.sample(cc.candidates, min(wanted, len(cc.candidates)))
    supervisor = db.session.scalar(
        select(User.id).where(User.role == "supervisor", User.active).order_by(User.id)
    )
    ids = _CaseIds(
        _next_id(EscalationCase),
        _next_id(CaseEvent),
        _next_id(CaseLetterRequest),
        supervisor,
        ctx.rms,
    )
    for start in range(0, len(picks), 5000):
        rows: dict[str, list] = {"cases": [], "letters": [], "events": []}
        for pick in picks[start : start + 5000]:
            _case_rows(ctx, cc, pick, ids, rows)
        _insert(rows["cases"], EscalationCase.__table__, 5000)
        _insert(rows["letters"], CaseLetterRequest.__table__, 10_000)
        _insert(rows["events"], CaseEvent.__table__, 10_000)
        db.session.commit()
        report.cases += len(rows["cases"])
        report.case_events += len(rows["events"])
        report.case_letters += len(rows["letters"])
    progress(f"  {report.cases} open cases, {report.case_events} case events")


def _refresh_case_figures(cc: _Compliance, report: ScaleReport, progress, batch: int = 5000):
    """The stored arrears of every open case (crm.cases.stored_arrears.refresh_case_arrears, a
    batch of cases per transaction), then the suggested cases; both timed."""
    started = time.perf_counter()
    open_ids = list(
        db.session.scalars(
            select(EscalationCase.id)
            .where(EscalationCase.status == "open")
            .order_by(EscalationCase.id)
        )
    )
    for first in range(0, len(open_ids), batch):
        refresh_case_arrears(open_ids[first : first + batch], as_of=cc.today)
        db.session.commit()
    report.arrears_seconds = time.perf_counter() - started
    progress(f"  stored arrears of {len(open_ids)} open cases in {report.arrears_seconds:.1f} s")
    started = time.perf_counter()
    suggested = refresh_suggestions(cc.today)
    db.session.commit()
    report.suggestions_seconds = time.perf_counter() - started
    progress(f"  {suggested} suggested cases in {report.suggestions_seconds:.1f} s")


def _finish_compliance(ctx: _Context, cc: _Compliance, cases: int, report, progress) -> None:
    """The export row's counts, the cases, the ids past the explicit ones, the figures."""
    run = db.session.get(ComplianceImport, cc.import_id)
    run.rows = run.created_count = report.compliance_rows
    db.session.commit()
    started = time.perf_counter()
    if cases:
        _add_cases(ctx, cc, cases, report, progress)
        _reset_sequences()
        db.session.commit()
    report.cases_seconds = time.perf_counter() - started
    _refresh_case_figures(cc, report, progress)
