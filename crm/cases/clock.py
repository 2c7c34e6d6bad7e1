"""Stage deadlines: the CaseStageRule in force for a stage and the due date it gives."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from crm.cases.models import CaseStageRule
from crm.compliance.calendar import LETTER, working_calendar
from crm.extensions import db


def stage_rule(stage: str, start: date) -> CaseStageRule | None:
    """The latest rule for the stage starting on or before `start`."""
    return db.session.scalar(
        select(CaseStageRule)
        .where(CaseStageRule.stage == stage, CaseStageRule.effective_from <= start)
        .order_by(CaseStageRule.effective_from.desc())
        .limit(1)
    )


def due_date(stage: str, start: date) -> date | None:
    """start + the stage's days (working days, weekends and holidays skipped; calendar days
    for Denda); None when the stage's deadline is set by hand."""
    rule = stage_rule(stage, start)
    if rule is None or rule.days is None:
        return None
    if rule.calendar_days:
        return start + timedelta(days=rule.days)
    return working_calendar(LETTER).add_working_days(start, rule.days)


def has_default_days(stage: str, start: date) -> bool:
    rule = stage_rule(stage, start)
    return rule is not None and rule.days is not None
