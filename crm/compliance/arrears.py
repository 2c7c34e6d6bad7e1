"""Arrears as of a date: each month's deadline, unpaid contribution and late fine.

Rules (DOMAIN.md, with the effective-dated ArrearsRule in force for the month):

- **Deadline.** Month M is due on `due_day` (15) of month M + `due_months_after` (1); when
  that day is a weekend or holiday, the next working day. Paying on the deadline is on time.
- **Months late.** From the deadline to a date D: 0 when D <= deadline, otherwise every
  started month counts: k is the smallest number with D <= deadline + k calendar months.
  One day late is one month; deadline + 1 month exactly is still one month.
- **Fine.** `fine_bp_per_month` basis points (200 = 2 %) of the unpaid contribution per
  month late. A month paid late carries the fine for the months its payment was late; a
  partial payment stops the fine on the part it paid (from its payment date) and the rest
  keeps accruing until D. Rounded half up to whole rupiah per month.
- **As of D.** A payment counts only when paid_on <= D, so the same data answers "what was
  owed on 1 March". Fines paid (the export's optional column) reduce what is owed.
- **Arrears** of a month = its unpaid contribution once the deadline has passed + its fine
  not yet paid; of an account = the sum over its months.

The export gives one payment date per month (the last payment); amounts paid on earlier
dates are treated as paid on that date, which can only overstate a fine, never hide one.
Everything here is pure: figures, rules and a WorkingCalendar in, numbers out.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from crm.compliance.calendar import WorkingCalendar

# Grid states, in the order of the legend.
STATES = ("on_time", "late", "partial", "unpaid", "not_due", "no_data")


@dataclass(frozen=True)
class Rule:
    effective_from: date
    due_day: int = 15
    due_months_after: int = 1
    fine_bp_per_month: int = 200


@dataclass(frozen=True)
class MonthFigures:
    """What the core system reported for one month (amounts in whole rupiah)."""

    period: date
    contribution_due: int
    amount_paid: int = 0
    paid_on: date | None = None
    fine_paid: int = 0


@dataclass(frozen=True)
class MonthArrears:
    period: date
    deadline: date
    contribution_due: int
    paid: int  # counted as of the date
    paid_on: date | None
    unpaid: int  # contribution not paid as of the date (due or not yet)
    months_late: int  # of the unpaid part, as of the date
    fine: int  # accrued: on late payments and on the unpaid part
    fine_paid: int
    fine_owed: int
    arrears: int  # overdue unpaid contribution + fine owed
    state: str

    @property
    def overdue(self) -> bool:
        return self.state in ("partial", "unpaid")


@dataclass
class ArrearsSummary:
    as_of: date
    months: list[MonthArrears] = field(default_factory=list)

    @property
    def unpaid(self) -> int:
        """Overdue unpaid contributions (months not yet due are not arrears)."""
        return sum(m.unpaid for m in self.months if m.overdue)

    @property
    def fine(self) -> int:
        return sum(m.fine_owed for m in self.months)

    @property
    def total(self) -> int:
        return sum(m.arrears for m in self.months)

    @property
    def months_in_arrears(self) -> int:
        return sum(1 for m in self.months if m.overdue)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    """The same day n months later, clamped to the month's last day (31 Jan + 1 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def rule_for(period: date, rules: Sequence[Rule]) -> Rule:
    """The rule in force for a month: the latest starting on or before it (the earliest
    rule when the month predates them all)."""
    if not rules:
        raise ValueError("no arrears rule")
    ordered = sorted(rules, key=lambda r: r.effective_from)
    chosen = ordered[0]
    for rule in ordered:
        if rule.effective_from <= period:
            chosen = rule
    return chosen


def deadline(period: date, rule: Rule, cal: WorkingCalendar) -> date:
    """The day month `period` must be paid by: due_day of the month due_months_after later,
    moved to the next working day."""
    nominal = add_months(month_start(period), rule.due_months_after).replace(day=rule.due_day)
    return cal.next_working_day(nominal)


def months_late(due: date, day: date) -> int:
    """Started months between the deadline and `day` (0 when paid by the deadline)."""
    if day <= due:
        return 0
    k = (day.year - due.year) * 12 + day.month - due.month
    k = max(k, 1)
    while add_months(due, k) < day:
        k += 1
    while k > 1 and add_months(due, k - 1) >= day:
        k -= 1
    return k


def _fine(amount_months: int, rule: Rule) -> int:
    """Basis points of (rupiah x months), rounded half up to whole rupiah."""
    return (amount_months * rule.fine_bp_per_month + 5000) // 10000


def month_arrears(figures: MonthFigures, as_of: date, rule: Rule, cal: WorkingCalendar):
    """One month's figures as of a date."""
    due = deadline(figures.period, rule, cal)
    counted = figures.amount_paid > 0 and (figures.paid_on is None or figures.paid_on <= as_of)
    paid = figures.amount_paid if counted else 0
    paid_on = figures.paid_on if counted else None
    unpaid = max(figures.contribution_due - paid, 0)
    late_paid_months = months_late(due, paid_on) if paid_on else 0
    unpaid_months = months_late(due, as_of)
    paid_part = min(paid, figures.contribution_due)
    fine = _fine(paid_part * late_paid_months + unpaid * unpaid_months, rule)
    fine_paid = figures.fine_paid if counted else 0
    fine_owed = max(fine - fine_paid, 0)
    overdue = as_of > due
    arrears = (unpaid if overdue else 0) + fine_owed
    if unpaid == 0:
        state = "late" if late_paid_months else "on_time"
    elif not overdue:
        state = "not_due"
    else:
        state = "partial" if paid else "unpaid"
    return MonthArrears(
        period=figures.period,
        deadline=due,
        contribution_due=figures.contribution_due,
        paid=paid,
        paid_on=paid_on,
        unpaid=unpaid,
        months_late=unpaid_months if unpaid else late_paid_months,
        fine=fine,
        fine_paid=fine_paid,
        fine_owed=fine_owed,
        arrears=arrears,
        state=state,
    )


def account_arrears(
    months: Iterable[MonthFigures], as_of: date, rules: Sequence[Rule], cal: WorkingCalendar
) -> ArrearsSummary:
    """Every month up to the date (later months are left out), oldest first."""
    summary = ArrearsSummary(as_of)
    for figures in sorted(months, key=lambda m: m.period):
        if figures.period > as_of:
            continue
        rule = rule_for(figures.period, rules)
        summary.months.append(month_arrears(figures, as_of, rule, cal))
    return summary
