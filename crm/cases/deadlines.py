"""The stage deadlines (CaseStageRule) as admins keep them: the rules per stage, a new
effective-dated rule (today or later), and deleting one that has not started yet.

A case stores the due date computed when its stage started (crm.cases.clock), so a new
rule changes nothing for running stages: only stages that start on or after its date use
it. Each change is audited; callers commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.cases.models import STAGES, CaseStageRule
from crm.extensions import db
from crm.services import ServiceError

RULE_FIELDS = ("stage", "effective_from", "days", "calendar_days")


@dataclass
class StageRules:
    stage: str
    rules: list[tuple[CaseStageRule, str]] = field(default_factory=list)  # (rule, state)

    @property
    def current(self) -> CaseStageRule | None:
        return next((r for r, state in self.rules if state == "current"), None)


def stage_table(today: date) -> list[StageRules]:
    """Every stage in ladder order with its rules, newest first, each marked past, current
    (in force for a stage starting today) or future. One query."""
    rules = db.session.scalars(
        select(CaseStageRule).order_by(CaseStageRule.stage, CaseStageRule.effective_from.desc())
    )
    table = {stage: StageRules(stage) for stage in STAGES}
    for rule in rules:
        row = table.get(rule.stage)
        if row is None:
            continue
        if rule.effective_from > today:
            state = "future"
        elif row.current is None:
            state = "current"
        else:
            state = "past"
        row.rules.append((rule, state))
    return list(table.values())


def _check(stage: str, effective_from: date, days: int | None, calendar_days: bool, today):
    if stage not in STAGES:
        raise ServiceError(_("Pilih tahap."), "stage")
    if effective_from < today:
        raise ServiceError(
            _("Aturan baru berlaku paling cepat hari ini; tenggat yang sudah berjalan tetap."),
            "effective_from",
        )
    if days is not None and not 1 <= days <= 365:
        raise ServiceError(
            _("Jumlah hari 1 sampai 365, atau kosongkan bila tenggat ditetapkan manual."), "days"
        )
    if calendar_days and days is None:
        raise ServiceError(
            _("Hari kalender hanya berlaku bila jumlah hari diisi."), "calendar_days"
        )
    clash = db.session.scalar(
        select(CaseStageRule.id).where(
            CaseStageRule.stage == stage, CaseStageRule.effective_from == effective_from
        )
    )
    if clash is not None:
        raise ServiceError(
            _(
                "Tahap ini sudah punya aturan yang berlaku mulai %(day)s.",
                day=format_date(effective_from, "d MMMM yyyy"),
            ),
            "effective_from",
        )


def add_stage_rule(
    stage: str, effective_from: date, days: int | None, calendar_days: bool, actor, today: date
) -> CaseStageRule:
    """A new rule for the stage from `effective_from` (today or later) on; days None: the
    deadline is set by hand (the RM for Persuasi, the supervisor otherwise)."""
    _check(stage, effective_from, days, calendar_days, today)
    rule = CaseStageRule(
        stage=stage,
        effective_from=effective_from,
        days=days,
        calendar_days=bool(calendar_days) and days is not None,
    )
    db.session.add(rule)
    db.session.flush()
    audit.record(
        "case_stage_rule.create",
        rule,
        summary=_summary(rule),
        after=audit.snapshot(rule, RULE_FIELDS),
        actor=actor,
    )
    return rule


def deletion_refused(rule: CaseStageRule, today: date) -> str | None:
    """Why the rule cannot be deleted (it has started, or it is its stage's last), else None."""
    if rule.effective_from <= today:
        return _("Aturan yang sudah berlaku tidak dapat dihapus.")
    left = db.session.scalar(
        select(func.count()).select_from(CaseStageRule).where(CaseStageRule.stage == rule.stage)
    )
    if left <= 1:
        return _("Aturan terakhir suatu tahap tidak dapat dihapus.")
    return None


def delete_stage_rule(rule: CaseStageRule, actor, today: date) -> None:
    """Only a rule that has not started (no stage can have used it); never a stage's last."""
    refused = deletion_refused(rule, today)
    if refused:
        raise ServiceError(refused)
    audit.record(
        "case_stage_rule.delete",
        rule,
        summary=_summary(rule),
        before=audit.snapshot(rule, RULE_FIELDS),
        actor=actor,
    )
    db.session.delete(rule)
    db.session.flush()


def _summary(rule: CaseStageRule) -> str:
    if rule.days is None:
        length = "manual"
    else:
        length = f"{rule.days} {'hari kalender' if rule.calendar_days else 'hari kerja'}"
    return f"{rule.stage} mulai {rule.effective_from.isoformat()}: {length}"
