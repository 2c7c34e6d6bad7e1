"""The arrears rules (deadline and fine per contribution month) as admins keep them: list,
add a new effective-dated rule, delete one that has not started yet. Past months keep the
rule they had: a new rule starts with the current month at the earliest. Each change is
audited; callers commit."""

from __future__ import annotations

from datetime import date

from flask import g, has_app_context
from flask_babel import format_date
from flask_babel import gettext as _

from crm import rules
from crm.compliance.arrears import month_start
from crm.compliance.models import ArrearsRule
from crm.services import ServiceError

FINE_MAX_BP = 1000  # 10 % a month: far above any rule so far (2 %)


def rule_rows(today: date) -> list[rules.RuleRow]:
    """Every rule, newest first, marked past, current (in force for this month) or future."""
    return rules.rule_rows(ArrearsRule, month_start(today))


def too_early(effective_from: date, today: date) -> str | None:
    """A rule never starts before the current month: past months keep their rule."""
    if effective_from >= month_start(today):
        return None
    return _(
        "Aturan tidak boleh berlaku surut: paling awal %(month)s. Bulan yang sudah "
        "lewat tetap memakai aturannya.",
        month=format_date(month_start(today), "MMMM yyyy"),
    )


def _check(effective_from: date, due_day, months_after, fine_bp, today: date) -> None:
    if effective_from.day != 1:
        raise ServiceError(_("Aturan berlaku mulai tanggal 1 suatu bulan."), "effective_from")
    refused = too_early(effective_from, today)
    if due_day is None or not 1 <= due_day <= 28:
        raise ServiceError(_("Tanggal jatuh tempo antara 1 dan 28."), "due_day")
    if months_after is None or not 0 <= months_after <= 3:
        raise ServiceError(_("Jatuh tempo 0 sampai 3 bulan sesudah bulan iuran."), "months_after")
    if fine_bp is None or not 0 <= fine_bp <= FINE_MAX_BP:
        raise ServiceError(
            _("Denda 0 sampai %(max)d basis poin (10%%) per bulan.", max=FINE_MAX_BP),
            "fine_bp",
        )
    rules.check_new_rule(
        ArrearsRule,
        effective_from,
        month_start(today),
        refused or "",
        rules.clash_message(effective_from),
    )


def add_rule(
    effective_from: date,
    due_day: int | None,
    months_after: int | None,
    fine_bp: int | None,
    legal_basis: str,
    actor,
    today: date,
) -> ArrearsRule:
    """A new rule for contribution months from `effective_from` (a month's first day, this
    month or later) on."""
    _check(effective_from, due_day, months_after, fine_bp, today)
    rule = ArrearsRule(
        effective_from=effective_from,
        due_day=due_day,
        due_months_after=months_after,
        fine_bp_per_month=fine_bp,
        legal_basis=(legal_basis or "").strip()[:200],
    )
    rules.add_rule(rule, "arrears_rule.create", _summary(rule), actor)
    forget_rules()
    return rule


def deletion_refused(rule: ArrearsRule, today: date) -> str | None:
    """Why the rule cannot be deleted (it has started, or it is the last), else None."""
    return rules.deletion_refused(rule, today)


def delete_rule(rule: ArrearsRule, actor, today: date) -> None:
    """Only a rule that has not started; never the last one."""
    refused = deletion_refused(rule, today)
    rules.delete_rule(rule, refused, "arrears_rule.delete", _summary(rule), actor)
    forget_rules()


def forget_rules() -> None:
    """Drop this request's cached rules (crm.compliance.services.arrears_rules) so anything
    computed after the change in the same request or job sees it."""
    if has_app_context():
        g.pop("_arrears_rules", None)


def _summary(rule: ArrearsRule) -> str:
    pct = percent(rule.fine_bp_per_month)
    return (
        f"Mulai {rule.effective_from.isoformat()}: tgl {rule.due_day} "
        f"+{rule.due_months_after} bln, denda {pct}%/bln"
    )


def percent(bp: int) -> str:
    """Basis points as a percentage with a decimal comma: 200 -> `2`, 150 -> `1,5`."""
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}".rstrip("0").rstrip(",") if rest else str(whole)
