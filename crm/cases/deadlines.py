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

from crm import rules
from crm.cases.models import STAGES, CaseStageRule
from crm.services import ServiceError


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
    table = {stage: StageRules(stage) for stage in STAGES}
    for row in rules.rule_rows(CaseStageRule, today):
        if row.rule.stage in table:
            table[row.rule.stage].rules.append((row.rule, row.state))
    return list(table.values())


def _check(stage: str, effective_from: date, days: int | None, calendar_days: bool, today):
    if stage not in STAGES:
        raise ServiceError(_("Pilih tahap."), "stage")
    if days is not None and not 1 <= days <= 365:
        raise ServiceError(
            _("Jumlah hari 1 sampai 365, atau kosongkan bila tenggat ditetapkan manual."), "days"
        )
    if calendar_days and days is None:
        raise ServiceError(
            _("Hari kalender hanya berlaku bila jumlah hari diisi."), "calendar_days"
        )
    clash = _(
        "Tahap ini sudah punya aturan yang berlaku mulai %(day)s.",
        day=format_date(effective_from, "d MMMM yyyy"),
    )
    too_early = _("Aturan baru berlaku paling cepat hari ini; tenggat yang sudah berjalan tetap.")
    rules.check_new_rule(CaseStageRule, effective_from, today, too_early, clash, stage=stage)


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
    return rules.add_rule(rule, "case_stage_rule.create", _summary(rule), actor)


def deletion_refused(rule: CaseStageRule, today: date) -> str | None:
    """Why the rule cannot be deleted (it has started, or it is its stage's last), else None."""
    last = _("Aturan terakhir suatu tahap tidak dapat dihapus.")
    return rules.deletion_refused(rule, today, last=last)


def delete_stage_rule(rule: CaseStageRule, actor, today: date) -> None:
    """Only a rule that has not started (no stage can have used it); never a stage's last."""
    refused = deletion_refused(rule, today)
    rules.delete_rule(rule, refused, "case_stage_rule.delete", _summary(rule), actor)


def _summary(rule: CaseStageRule) -> str:
    if rule.days is None:
        length = "manual"
    else:
        length = f"{rule.days} {'hari kalender' if rule.calendar_days else 'hari kerja'}"
    return f"{rule.stage} mulai {rule.effective_from.isoformat()}: {length}"
