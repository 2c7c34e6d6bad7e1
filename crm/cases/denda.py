"""The Denda rule as admins keep it (effective-dated, crm.rules) and what it decides for a
case: the window after Teguran II, the fine, and the sentences letters and pages print."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from crm import rules
from crm.cases.models import DendaRule, EscalationCase
from crm.compliance.rules import percent
from crm.letters.hooks import context_of
from crm.letters.template_context import terbilang_angka
from crm.services import ServiceError

MAX_RATE_BP = 1000  # 10 % a month: far above the law's 0.1 %
MAX_WINDOW_DAYS = 90


def denda_rule(on: date) -> DendaRule:
    """The Denda rule in force on a day (the migration seeds one from 2013)."""
    rule = rules.rule_in_force(DendaRule, on)
    if rule is None:
        raise ServiceError(_("Belum ada aturan Denda yang berlaku; hubungi admin."))
    return rule


def denda_facts(case: EscalationCase, today: date) -> dict:
    """What the case page shows of Denda: the rule in force when the stage started (today
    for a case not there yet), its rate as text and the fine."""
    rule = denda_rule(
        case.stage_started_on if case.stage == "denda" and case.stage_started_on else today
    )
    fine = (case.arrears_unpaid * rule.rate_bp_per_month + 5000) // 10000
    return {
        "denda_fine": fine,
        "denda_rate": rate_text(rule),
        "denda_window_days": rule.window_days,
    }


def rate_text(rule: DendaRule) -> str:
    """`0,1 %` from 10 basis points (the decimal comma letters use)."""
    return f"{percent(rule.rate_bp_per_month)} %"


def rule_rows(today: date) -> list[rules.RuleRow]:
    return rules.rule_rows(DendaRule, today)


def add_denda_rule(
    effective_from: date | None,
    rate_bp: int | None,
    window_days: int | None,
    basis: str,
    actor,
    today: date,
) -> DendaRule:
    """A new Denda rule from today or later: cases entering Denda from then on use it."""
    if rate_bp is None or not 1 <= rate_bp <= MAX_RATE_BP:
        raise ServiceError(
            _("Tarif 1 sampai %(max)d basis poin per bulan.", max=MAX_RATE_BP), "rate_bp"
        )
    if window_days is None or not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ServiceError(
            _("Masa Denda 1 sampai %(max)d hari.", max=MAX_WINDOW_DAYS), "window_days"
        )
    too_early = _("Aturan baru berlaku paling cepat hari ini; kasus yang sudah berjalan tetap.")
    clash = rules.clash_message(effective_from) if effective_from else ""
    rules.check_new_rule(DendaRule, effective_from, today, too_early, clash)
    rule = DendaRule(
        effective_from=effective_from,
        rate_bp_per_month=rate_bp,
        window_days=window_days,
        legal_basis=(basis or "").strip()[:200],
    )
    summary = f"Denda mulai {effective_from.isoformat()}: {rate_text(rule)}/bln, {window_days} hari"
    return rules.add_rule(rule, "denda_rule.create", summary, actor)


def delete_denda_rule(rule: DendaRule, actor, today: date) -> None:
    refused = rules.deletion_refused(rule, today)
    summary = f"Denda mulai {rule.effective_from.isoformat()}"
    rules.delete_rule(rule, refused, "denda_rule.delete", summary, actor)


@context_of.register
def denda_in_letter(context: dict, letter) -> dict:
    """Teguran II (and any letter that names the sanction) states the Denda rule in force
    on the letter's date: its rate in figures and words, and its window."""
    rule = rules.rule_in_force(DendaRule, context["date"])
    if rule is None:
        return context
    figures = percent(rule.rate_bp_per_month)
    text = f"{figures}% ({terbilang_angka(figures)} persen)"
    return context | {"denda_rate_text": text, "denda_days": rule.window_days}
