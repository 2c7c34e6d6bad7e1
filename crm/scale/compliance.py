"""Scale contribution months: the export row, payments, arrears and PDS findings."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crm.compliance import arrears
from crm.compliance.arrears import months_late
from crm.compliance.calendar import PAYMENT, working_calendar
from crm.compliance.models import ComplianceImport
from crm.compliance.services import arrears_rules
from crm.demo import monthly_contribution
from crm.demo_data_history import AVERAGE_WAGE, JKK_BP
from crm.extensions import db
from crm.i18n import local_date
from crm.scale.context import _Context

PDS_NOTES = {
    "pds_tk": "Sebagian pekerja (kontrak/harian) belum didaftarkan.",
    "pds_upah": "Upah dilaporkan lebih rendah dari upah sebenarnya.",
    "pds_program": "Belum mengikuti seluruh program wajib (JP).",
}
PDS_SHARE = 0.02  # accounts whose latest months carry a PDS finding
LATE_PAYER_SHARE = 0.15  # accounts that pay some months late (with the fine)


@dataclass
class _Compliance:
    """What the compliance rows of one run share: the months, their deadlines, the export
    row they cite, and the accounts that may get a case."""

    rng: random.Random
    today: date
    periods: list[date]
    deadlines: list[date]
    import_id: int
    arrears_share: float
    now: datetime
    candidates: list[tuple] = field(default_factory=list)


def _compliance_context(ctx: _Context, months: int, cases: int, n: int, seed: int) -> _Compliance:
    """The months ending with last month and the export row; the share of accounts in
    arrears leaves ~15 % more candidates than the cases asked for (at least 5 %)."""
    today = local_date(ctx.now)  # months and deadlines are counted in CRM_TIMEZONE
    last = arrears.add_months(today.replace(day=1), -1)
    periods = [arrears.add_months(last, -k) for k in range(months - 1, -1, -1)]
    rules, cal = arrears_rules(), working_calendar(PAYMENT)
    deadlines = [arrears.deadline(p, arrears.rule_for(p, rules), cal) for p in periods]
    run = ComplianceImport(
        key=f"scale-{seed}-{ctx.next_account}"[:32],
        actor_label="seed-scale",
        filename="seed-scale",
        period_first=periods[0],
        period_last=last,
    )
    db.session.add(run)
    db.session.flush()
    share = min(max(cases * 1.15 / max(n * 0.85, 1), 0.05), 0.6)
    rng = random.Random(f"{seed}-{ctx.next_account}-compliance")
    return _Compliance(rng, today, periods, deadlines, run.id, share, ctx.now)


def _paid(cc: _Compliance, i: int, due: int, late: bool) -> tuple[int, date | None, int]:
    """(amount paid, paid on, fine paid) of a month paid in full: a few days before its
    deadline, or (late) up to 40 days after it with the 2 % per started month fine."""
    deadline, rng = cc.deadlines[i], cc.rng
    if late:
        day = deadline + timedelta(days=rng.randint(1, 40))
        if day < cc.today:
            return due, day, (due * 200 * months_late(deadline, day) + 5000) // 10000
    day = max(deadline - timedelta(days=rng.randint(0, 12)), cc.periods[i] + timedelta(days=31))
    return (due, day, 0) if day < cc.today else (0, None, 0)


def _compliance_rows(cc: _Compliance, account: dict, rows: list[dict]) -> None:
    """The account's months (registered accounts only): mostly paid on time; an account in
    arrears leaves its last 2-9 overdue months unpaid (the first sometimes paid in part);
    a PDS account carries a finding in its latest months."""
    if account["npp"] is None:
        return
    rng, periods = cc.rng, cc.periods
    workers = account["headcount"]
    wage = AVERAGE_WAGE.get(account["sector"], 5_500_000) * rng.uniform(0.8, 1.25)
    jkk = JKK_BP.get(account["sector"], 89)
    draw = rng.random()
    late_share = 0.15 if draw > 1 - LATE_PAYER_SHARE else 0.02
    owing_from, pds = len(periods), None
    if draw < cc.arrears_share:
        overdue = sum(1 for d in cc.deadlines if d < cc.today)
        owing_from = max(0, overdue - rng.randint(2, 9))
        cc.candidates.append((account, "arrears"))
    elif draw < cc.arrears_share + PDS_SHARE:
        pds = rng.choice(tuple(PDS_NOTES))
        cc.candidates.append((account, pds))
    partial = rng.random() < 0.3
    stamp = cc.now
    for i, period in enumerate(periods):
        reported = max(1, workers + rng.randint(-workers // 50 - 1, workers // 50 + 1))
        wages = round(reported * wage * 1.065 ** (period.year - cc.today.year), -3)
        due = monthly_contribution(reported, wages, jkk, period)
        if i < owing_from:
            paid, paid_on, fine = _paid(cc, i, due, rng.random() < late_share)
        elif i == owing_from and partial:
            paid, paid_on, fine = due * rng.randint(30, 60) // 100, cc.deadlines[i], 0
        else:
            paid, paid_on, fine = 0, None, 0
        flag = pds if pds and i >= len(periods) - 3 else None
        rows.append(
            {
                "account_id": account["id"],
                "period": period,
                "workers_registered": reported,
                "workers_reported": reported,
                "wages_reported": wages,
                "contribution_due": due,
                "amount_paid": paid,
                "unpaid": max(due - paid, 0),
                "paid_on": paid_on,
                "fine_paid": fine,
                "pds_tk": flag == "pds_tk",
                "pds_upah": flag == "pds_upah",
                "pds_program": flag == "pds_program",
                "pds_notes": PDS_NOTES[flag] if flag else "",
                "import_id": cc.import_id,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
