"""Demo compliance import and escalation cases, replayed through the services, backdated."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from crm import audit
from crm.accounts.models import Account
from crm.audit import AuditLog
from crm.auth.models import User
from crm.cases import letters, services, stored_arrears
from crm.cases.clock import due_date
from crm.cases.models import LETTER_TYPES, SUPERVISOR_STAGES, CaseEvent
from crm.cases.suggestions import refresh_suggestions, suggestion_query
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.models import ComplianceImport, CompliancePeriod
from crm.demo.compliance import Ledger, _company_months, _ledger, office_day, unpaid_since
from crm.demo.state import DemoState
from crm.demo_data import COMPANIES
from crm.demo_data_history import CASE_NOTES, CASE_PLANS, COMPLIANCE_EXPORT_NAME
from crm.extensions import db
from crm.i18n import local_zone


class _Backdate:
    """Moves what the last service calls wrote (case events, audit rows) to the moment the
    demo story says they happened; the services themselves always write "now"."""

    def __init__(self, zone) -> None:
        self.zone = zone
        self.event_id = self.audit_id = 0
        self.mark()

    def mark(self) -> None:
        from sqlalchemy import func, select

        db.session.flush()
        self.event_id = db.session.scalar(select(func.max(CaseEvent.id))) or 0
        self.audit_id = db.session.scalar(select(func.max(AuditLog.id))) or 0

    def moment(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)

    def __call__(self, day: date, hour: int) -> datetime:
        from sqlalchemy import update

        when = self.moment(day, hour)
        db.session.flush()
        for model, last in ((CaseEvent, self.event_id), (AuditLog, self.audit_id)):
            db.session.execute(update(model).where(model.id > last).values(created_at=when))
        self.mark()
        return when


def _replay_case(led: Ledger, stamp: _Backdate, plan, account: Account, users: dict):
    """Open the case and walk it up the ladder through the services, day by day as the plan
    says; letters are issued by the supervisor's office and received by the company."""
    rm = db.session.get(User, account.rm_id) if account.rm_id else users["supervisor"]
    boss, cal = users["supervisor"], led.cal
    day = office_day(cal, led.today - timedelta(days=plan.opened))
    since = unpaid_since(day, led.periods)
    months = sum(1 for p in led.periods if p >= since and led.deadlines[p] < day)
    note = CASE_NOTES["opened" if plan.reason == "arrears" else "opened_pds"]
    case = services.open_case(
        account, plan.reason, rm, note.format(months=months), day + timedelta(plan.persuasi_days)
    )
    case.stage_started_on = day
    case.supervisor_id = case.supervisor_id or boss.id  # the demo's one supervisor follows all
    case.opened_at = case.created_at = stamp(day, 10)
    for stage, entered, issued, received in plan.steps:
        day = office_day(cal, led.today - timedelta(days=entered))
        actor = boss if stage in SUPERVISOR_STAGES else rm
        services.advance_case(case, stage, actor, CASE_NOTES.get(stage, ""))
        if stage not in LETTER_TYPES:
            case.stage_started_on, case.stage_due_on = day, due_date(stage, day)
        when = stamp(day, 9)
        letter = case.current_letter
        if letter is None:
            continue
        letter.created_at = letter.updated_at = when
        if issued is not None:
            issued_on = office_day(cal, led.today - timedelta(days=issued))
            letters.mark_letter_issued(letter, issued_on, boss)
            letter.updated_at = stamp(issued_on, 13)
        if received is not None:
            received_on = office_day(cal, led.today - timedelta(days=received))
            letters.mark_letter_received(letter, received_on, rm)
            letter.updated_at = stamp(received_on, 15)
    return case


def _add_compliance(
    state: DemoState, accounts: dict[str, Account], users: dict[str, User]
) -> dict[str, int]:
    """24 months of contribution figures for every registered demo company, as one import
    of the core system's export made yesterday; the escalation cases of the companies in
    arrears replayed through the case services; suggestions and stored arrears refreshed."""
    from sqlalchemy import func, insert, select

    today = state.today
    cutoff = office_day(working_calendar(LETTER), today - timedelta(days=1))
    led = _ledger(today, cutoff)
    stamp = _Backdate(local_zone())
    boss = users["supervisor"]
    first, last = led.periods[0], led.periods[-1]
    run = ComplianceImport(
        key="demo-seed",
        actor_id=boss.id,
        actor_label=boss.email,
        filename=COMPLIANCE_EXPORT_NAME.format(first=f"{first:%Y-%m}", last=f"{last:%Y-%m}"),
        period_first=first,
        period_last=last,
        created_at=stamp.moment(cutoff, 16),
    )
    db.session.add(run)
    db.session.flush()
    plans = {p.company: p for p in CASE_PLANS}
    rows = []
    for spec in COMPANIES:
        account = accounts[spec.name]
        if account.npp:  # prospects are not registered yet: the core system has nothing
            rows += _company_months(led, spec, account, plans.get(spec.name), run.id)
    for row in rows:
        row["created_at"] = row["updated_at"] = run.created_at
    db.session.execute(insert(CompliancePeriod), rows)
    run.rows = run.created_count = len(rows)
    audit.record(
        "compliance.import",
        run,
        summary=f"{len(rows)} bulan kepatuhan diimpor dari {run.filename} ({len(rows)} baru)",
        after={"filename": run.filename, "rows": len(rows), "created": len(rows)},
        actor=boss,
    )
    stamp(cutoff, 16)
    cases = [
        _replay_case(led, stamp, plan, accounts[plan.company], users)
        for plan in CASE_PLANS
        if plan.opened is not None
    ]
    # The import showed one company's arrears paid: its case closes as the import does it.
    for case in services.auto_close_paid(run, as_of=today):
        case.closed_at = stamp(cutoff, 16)
    refresh_suggestions(today)
    stored_arrears.refresh_case_arrears(as_of=today)
    db.session.flush()
    suggested = db.session.scalar(
        select(func.count()).select_from(suggestion_query(boss).subquery())
    )
    return {
        "compliance months": len(rows),
        "companies in arrears": sum(1 for p in CASE_PLANS if p.reason == "arrears")
        - sum(1 for p in CASE_PLANS if p.paid_off),
        "escalation cases": len(cases),
        "suggested cases (no case yet)": suggested,
    }
