"""Demo contribution months: the rates, the deadlines, payments, fines and PDS flags."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from crm.accounts.models import Account
from crm.compliance import arrears
from crm.compliance.calendar import PAYMENT, working_calendar
from crm.compliance.services import arrears_rules
from crm.demo.state import SEED
from crm.demo_data import Co
from crm.demo_data_history import (
    AVERAGE_WAGE,
    JHT_BP,
    JKK_BP,
    JKM_BP,
    JP_BP,
    JP_WAGE_CAPS,
    PDS_FINDINGS,
)

if TYPE_CHECKING:
    from crm.compliance.arrears import Rule
    from crm.compliance.calendar import WorkingCalendar


COMPLIANCE_MONTHS = 24
# Share of months paid late (with the fine) by a company that is sometimes late, by a
# company in arrears before its arrears began, and by every other company.
LATE_SHARE = {"sometimes": 0.15, "arrears": 0.3, "punctual": 0.02}


def jp_wage_cap(period: date) -> int:
    """The JP wage cap in force for a contribution month (the earliest before 2024)."""
    cap = JP_WAGE_CAPS[0][1]
    for start, value in JP_WAGE_CAPS:
        if date.fromisoformat(start) <= period:
            cap = value
    return cap


def monthly_contribution(workers: int, wages: int, jkk_bp: int, period: date) -> int:
    """A month's contribution (employer and worker shares): JKK, JKM and JHT on the wages,
    JP on each worker's wage up to the cap; whole rupiah, rounded half up."""
    capped = min(wages // workers, jp_wage_cap(period)) * workers if workers else 0
    return (wages * (jkk_bp + JKM_BP + JHT_BP) + capped * JP_BP + 5000) // 10000


@dataclass
class Ledger:
    """What one company's months need: the rules, the calendar, the months and cut-off."""

    rng: random.Random
    today: date
    cutoff: date  # the export's day: no payment after it is known
    periods: list[date]
    deadlines: dict[date, date]
    rules: list[Rule]
    cal: WorkingCalendar


def _ledger(today: date, cutoff: date) -> Ledger:
    last = arrears.add_months(today.replace(day=1), -1)
    periods = [arrears.add_months(last, -k) for k in range(COMPLIANCE_MONTHS - 1, -1, -1)]
    rules, cal = arrears_rules(), working_calendar(PAYMENT)
    deadlines = {p: arrears.deadline(p, arrears.rule_for(p, rules), cal) for p in periods}
    return Ledger(random.Random(SEED + 2), today, cutoff, periods, deadlines, rules, cal)


def _fine(led: Ledger, period: date, amount: int, paid_on: date) -> int:
    """The late fine on `amount` of a month paid on `paid_on` (crm.compliance.arrears)."""
    figures = arrears.MonthFigures(period, amount, amount, paid_on)
    rule = arrears.rule_for(period, led.rules)
    return arrears.month_arrears(figures, paid_on, rule, led.cal).fine


def office_day(cal: WorkingCalendar, day: date) -> date:
    """`day` when it is a working day, else the working day before it."""
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def unpaid_since(opened: date, periods: list[date]) -> date:
    """The first unpaid month of a company whose case opened on `opened`: two months
    before the month 20 days earlier, so two months were overdue by then."""
    return max(arrears.add_months((opened - timedelta(days=20)).replace(day=1), -2), periods[0])


def _payment(led: Ledger, period: date, due: int, late_share: float) -> dict:
    """Paid on time (a few days before the deadline), or now and then late with its fine;
    a month whose payment would come after the export is not paid yet (not due)."""
    rng, deadline = led.rng, led.deadlines[period]
    if rng.random() < late_share:
        late = deadline + timedelta(days=rng.randint(3, 40))
        if late <= led.cutoff:
            return {"amount_paid": due, "paid_on": late, "fine_paid": _fine(led, period, due, late)}
    paid_on = max(deadline - timedelta(days=rng.randint(0, 12)), (period + timedelta(days=31)))
    if paid_on > led.cutoff:
        return {"amount_paid": 0, "paid_on": None, "fine_paid": 0}
    return {"amount_paid": due, "paid_on": paid_on, "fine_paid": 0}


def _arrears_payment(led: Ledger, period: date, due: int, plan, partial: bool) -> dict:
    """A month of a company in arrears: unpaid, paid in part, or (paid off) paid with its
    fine on the export's day."""
    if plan.paid_off:
        return {
            "amount_paid": due,
            "paid_on": led.cutoff,
            "fine_paid": _fine(led, period, due, led.cutoff),
        }
    if partial:
        paid = due * led.rng.randint(30, 60) // 100
        day = min(led.deadlines[period] + timedelta(days=led.rng.randint(3, 15)), led.cutoff)
        return {"amount_paid": paid, "paid_on": day, "fine_paid": 0}
    return {"amount_paid": 0, "paid_on": None, "fine_paid": 0}


def _pds_flags(spec_name: str, back: int) -> dict:
    """The PDS flags and note of a company's month `back` months before the last one."""
    for company, flag, (first, last), note in PDS_FINDINGS:
        if company == spec_name and last <= back <= first:
            return {flag: True, "pds_notes": note}
    return {}


def _company_months(led: Ledger, spec: Co, account: Account, plan, import_id: int) -> list[dict]:
    """24 months of one company as the core system reports them: workers drifting, wages
    raised each January, the contribution from the rates, payments by its profile."""
    rng, last = led.rng, led.periods[-1]
    workers = spec.headcount * rng.uniform(0.9, 0.98)
    trend = rng.uniform(-0.002, 0.006)
    wage = AVERAGE_WAGE.get(spec.sector, 5_500_000) * rng.uniform(0.85, 1.2)
    plan = plan if plan and plan.reason == "arrears" else None
    profile = "arrears" if plan else rng.choices(["sometimes", "punctual"], [20, 80])[0]
    owing, partial = [], set()
    if plan:
        opened = office_day(led.cal, led.today - timedelta(days=plan.opened or plan.since))
        owing = [p for p in led.periods if p >= unpaid_since(opened, led.periods)]
        partial = set(owing[: plan.partial])
    rows = []
    for back, period in zip(range(len(led.periods) - 1, -1, -1), led.periods, strict=True):
        # Headcount drifts with the company's trend; wages rise 6.5 % each January.
        registered = max(1, round(workers * (1 - trend * back) * rng.uniform(0.995, 1.005)))
        reported = registered - rng.randint(0, registered // 200)
        raise_ = 1.065 ** (period.year - last.year)
        wages = round(reported * wage * raise_ * rng.uniform(0.98, 1.02), -3)
        due = monthly_contribution(reported, wages, JKK_BP.get(spec.sector, 89), period)
        if period in owing:
            paid = _arrears_payment(led, period, due, plan, period in partial)
        else:
            paid = _payment(led, period, due, LATE_SHARE[profile])
        flags = {"pds_tk": False, "pds_upah": False, "pds_program": False, "pds_notes": ""}
        flags |= _pds_flags(spec.name, back)
        rows.append(
            {
                "account_id": account.id,
                "period": period,
                "workers_registered": registered,
                "workers_reported": reported,
                "wages_reported": wages,
                "contribution_due": due,
                **paid,
                "unpaid": max(due - paid["amount_paid"], 0),
                **flags,
                "import_id": import_id,
            }
        )
    return rows
