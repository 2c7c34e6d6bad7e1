"""A large synthetic data set for load tests (`flask seed-scale`): bulk Core inserts in batches.

Names come from combinatorial word lists so that searching a name fragment behaves as it would
on real data; identifiers are valid and never collide with rows already present, so the
command can be run again to append more accounts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from crm.accounts.models import Account, KeyPerson, Position
from crm.auth.models import User
from crm.compliance.models import CompliancePeriod
from crm.extensions import db
from crm.i18n import local_zone
from crm.meetings import summary, tally_upkeep
from crm.meetings.models import Interaction, InteractionAttendee, Task
from crm.offices import BranchOffice
from crm.scale.accounts import (
    CITIES,
    FIRST_WORDS,
    FOREIGN_WORDS,
    INFLUENCE,
    INSTITUTION_FORMS,
    LEVELS_BY_COUNT,
    MIDDLE_WORDS,
    PLACES,
    SECTOR_CHOICES,
    SECTOR_WORDS,
    STANCES,
    _account_row,
    _people_rows,
    ensure_staff,
)
from crm.scale.cases import CASE_STAGE_MIX, STAGE_SPAN, _finish_compliance
from crm.scale.compliance import (
    LATE_PAYER_SHARE,
    PDS_NOTES,
    PDS_SHARE,
    _compliance_context,
    _compliance_rows,
)
from crm.scale.context import ScaleReport, _Context, _insert, _next_id, _reset_sequences
from crm.scale.meetings import (
    BOD1_SHARE,
    SCALE_MINUTES,
    SCALE_OUTCOMES,
    SCALE_TOPICS,
    SCALE_TYPES,
    TASK_TITLES,
    _interaction_rows,
)

__all__ = [
    "BOD1_SHARE",
    "CASE_STAGE_MIX",
    "CITIES",
    "FIRST_WORDS",
    "FOREIGN_WORDS",
    "INFLUENCE",
    "INSTITUTION_FORMS",
    "LATE_PAYER_SHARE",
    "LEVELS_BY_COUNT",
    "MIDDLE_WORDS",
    "PDS_NOTES",
    "PDS_SHARE",
    "PLACES",
    "SCALE_MINUTES",
    "SCALE_OUTCOMES",
    "SCALE_TOPICS",
    "SCALE_TYPES",
    "SECTOR_CHOICES",
    "SECTOR_WORDS",
    "STAGE_SPAN",
    "STANCES",
    "TASK_TITLES",
    "ScaleReport",
    "ensure_staff",
    "seed_scale",
]


def seed_scale(
    n: int,
    *,
    password_hash: str,
    seed: int = 2026,
    batch: int = 2500,
    interactions_per_account: int = 20,
    compliance_months: int = 0,
    cases: int = 0,
    progress: Callable[[str], None] = print,
) -> ScaleReport:
    """Append n accounts with ~4 key persons each and ~interactions_per_account interactions
    over the last 12 months (attendees, some planned, next-step tasks); commits every batch
    of accounts, then rebuilds the cadence summaries in SQL. With compliance_months, every
    registered account gets that many contribution months ending last month (some accounts
    in arrears or with PDS findings), and up to `cases` of those get an open case with its
    history; then the cases' stored arrears and the suggestions are refreshed."""
    started = time.perf_counter()
    report = ScaleReport()
    existing = db.session.scalar(select(func.count()).select_from(Account)) or 0
    report.rms_created, report.branches_created = ensure_staff(existing + n, password_hash)
    db.session.commit()
    taken = set()
    for column in (Account.npp, Account.npwp, Account.nib):
        taken.update(db.session.scalars(select(column).where(column.is_not(None))))
    ctx = _Context(
        rng=random.Random(f"{seed}-{existing}"),
        now=datetime.now(UTC),
        today=date.today(),
        rms=list(db.session.scalars(select(User.id).where(User.role == "rm", User.active))),
        branches=list(db.session.scalars(select(BranchOffice.id))),
        taken=taken,
        used_institutions=set(db.session.scalars(select(Account.name))),
        next_account=_next_id(Account),
        next_person=_next_id(KeyPerson),
        next_position=_next_id(Position),
        next_interaction=_next_id(Interaction),
        next_attendee=_next_id(InteractionAttendee),
        next_task=_next_id(Task),
        zone=local_zone(),
    )
    cc = _compliance_context(ctx, compliance_months, cases, n, seed) if compliance_months else None
    holding = None
    while report.accounts < n:
        accounts, people, positions = [], [], []
        rows: dict[str, list] = {"interactions": [], "attendees": [], "tasks": [], "months": []}
        for _ in range(min(batch, n - report.accounts)):
            parent = holding if holding and ctx.rng.random() < 0.1 else None
            row = _account_row(ctx, ctx.next_account, parent)
            ctx.next_account += 1
            if row["ownership"] == "bumn" and row["name"].endswith("(Persero)"):
                holding = row["id"]  # the next few companies may join its group
            accounts.append(row)
            first = len(positions)
            _people_rows(ctx, row, people, positions)
            _interaction_rows(ctx, row, positions[first:], interactions_per_account, rows)
            if cc:
                _compliance_rows(cc, row, rows["months"])
            report.accounts += 1
        _insert(accounts, Account.__table__, batch)
        _insert(people, KeyPerson.__table__, 10_000)
        _insert(positions, Position.__table__, 10_000)
        _insert(rows["interactions"], Interaction.__table__, 10_000)
        _insert(rows["attendees"], InteractionAttendee.__table__, 10_000)
        _insert(rows["tasks"], Task.__table__, 10_000)
        _insert(rows["months"], CompliancePeriod.__table__, 10_000)
        db.session.commit()
        report.compliance_rows += len(rows["months"])
        report.people += len(people)
        report.positions += len(positions)
        report.interactions += len(rows["interactions"])
        report.attendees += len(rows["attendees"])
        report.tasks += len(rows["tasks"])
        elapsed = time.perf_counter() - started
        progress(
            f"  {report.accounts:>7}/{n} accounts, {report.people} people, "
            f"{report.interactions} interactions, {report.compliance_rows} compliance months "
            f"({elapsed:.1f} s)"
        )
    _reset_sequences()
    db.session.commit()

    if not report.interactions:
        # Raw inserts bypass the ORM listeners: copy the accounts' scope to their cadence
        # rows and let the next read recount this month's tally (rebuild_all_sql does both).
        tally_upkeep.sync_scope()
        tally_upkeep.forget_tally()
        db.session.commit()
    else:
        summary_started = time.perf_counter()
        summary.rebuild_all_sql()
        db.session.commit()
        report.summary_seconds = time.perf_counter() - summary_started
        progress(f"  summaries rebuilt in {report.summary_seconds:.1f} s")
    if cc:
        _finish_compliance(ctx, cc, cases, report, progress)
    report.seconds = time.perf_counter() - started
    return report
