"""The arrears rules (deadline and fine per contribution month) as admins keep them: list,
add a new effective-dated rule, delete one that has not started yet. Past months keep the
rule they had: a new rule starts with the current month at the earliest. Each change is
audited; callers commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, has_app_context
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.compliance.arrears import month_start
from crm.compliance.models import ArrearsRule
from crm.extensions import db
from crm.services import ServiceError

RULE_FIELDS = ("effective_from", "due_day", "due_months_after", "fine_bp_per_month", "legal_basis")
FINE_MAX_BP = 1000  # 10 % a month: far above any rule so far (2 %)


@dataclass
class RuleRow:
    rule: ArrearsRule
    state: str  # past | current | future

    @property
    def deletable(self) -> bool:
        return self.state == "future"


def rule_rows(today: date) -> list[RuleRow]:
    """Every rule, newest first, marked past, current (in force for this month) or future."""
    rules = list(
        db.session.scalars(select(ArrearsRule).order_by(ArrearsRule.effective_from.desc()))
    )
    this_month = month_start(today)
    current = next((r for r in rules if r.effective_from <= this_month), None)
    rows = []
    for rule in rules:
        if rule.effective_from > today:
            state = "future"
        else:
            state = "current" if rule is current else "past"
        rows.append(RuleRow(rule, state))
    return rows


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
    if refused:
        raise ServiceError(refused, "effective_from")
    if due_day is None or not 1 <= due_day <= 28:
        raise ServiceError(_("Tanggal jatuh tempo antara 1 dan 28."), "due_day")
    if months_after is None or not 0 <= months_after <= 3:
        raise ServiceError(_("Jatuh tempo 0 sampai 3 bulan sesudah bulan iuran."), "months_after")
    if fine_bp is None or not 0 <= fine_bp <= FINE_MAX_BP:
        raise ServiceError(
            _("Denda 0 sampai %(max)d basis poin (10%%) per bulan.", max=FINE_MAX_BP),
            "fine_bp",
        )
    clash = db.session.scalar(
        select(ArrearsRule).where(ArrearsRule.effective_from == effective_from)
    )
    if clash is not None:
        raise ServiceError(
            _(
                "Sudah ada aturan yang berlaku mulai %(day)s.",
                day=format_date(effective_from, "d MMMM yyyy"),
            ),
            "effective_from",
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
    db.session.add(rule)
    db.session.flush()
    audit.record(
        "arrears_rule.create",
        rule,
        summary=_summary(rule),
        after=audit.snapshot(rule, RULE_FIELDS),
        actor=actor,
    )
    forget_rules()
    return rule


def deletion_refused(rule: ArrearsRule, today: date) -> str | None:
    """Why the rule cannot be deleted (it has started, or it is the last), else None."""
    if rule.effective_from <= today:
        return _("Aturan yang sudah berlaku tidak dapat dihapus.")
    if db.session.scalar(select(func.count()).select_from(ArrearsRule)) <= 1:
        return _("Aturan terakhir tidak dapat dihapus.")
    return None


def delete_rule(rule: ArrearsRule, actor, today: date) -> None:
    """Only a rule that has not started; never the last one."""
    refused = deletion_refused(rule, today)
    if refused:
        raise ServiceError(refused)
    audit.record(
        "arrears_rule.delete",
        rule,
        summary=_summary(rule),
        before=audit.snapshot(rule, RULE_FIELDS),
        actor=actor,
    )
    db.session.delete(rule)
    db.session.flush()
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
