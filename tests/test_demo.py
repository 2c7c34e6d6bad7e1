"""The demo data set: enough accounts, people, groups, moves and gaps to try every screen."""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import UTC, date
from html import unescape

import pytest
from sqlalchemy import func, select

from crm.accounts import identifiers as ids
from crm.accounts.models import Account, Position
from crm.accounts.services import search_name
from crm.auth.models import User
from crm.db import utcnow
from crm.demo import seed
from crm.meetings.models import Task

# Every user any test here makes is hashed cheaply (the demo makes several).
pytestmark = pytest.mark.usefixtures("cheap_password_hash")


def test_demo_has_companies_institutions_and_bumn_groups(demo):
    kinds = Counter(demo.session.scalars(select(Account.kind)))
    assert kinds["company"] >= 55
    assert sum(kinds[k] for k in ("ministry", "agency", "local_government")) >= 13
    names = set(demo.session.scalars(select(Account.name)))
    assert {"Kementerian Dalam Negeri (Kemendagri)", "Badan Gizi Nasional (BGN)"} <= names
    children = Counter(
        demo.session.scalars(select(Account.parent_id).where(Account.parent_id.is_not(None)))
    )
    assert sum(1 for n in children.values() if n >= 2) >= 4  # holdings with subsidiaries
    ownership = Counter(demo.session.scalars(select(Account.ownership)))
    assert ownership["bumn"] >= 20 and ownership["foreign"] >= 8 and ownership["private"] >= 10


def test_demo_identifiers_are_valid_unique_and_search_names_match(demo):
    accounts = list(demo.session.scalars(select(Account)))
    for key, normalize in (
        ("npp", ids.normalize_npp),
        ("npwp", ids.normalize_npwp),
        ("nib", ids.normalize_nib),
    ):
        values = [getattr(a, key) for a in accounts if getattr(a, key)]
        assert values and all(normalize(v) == v for v in values), key
        assert len(values) == len(set(values)), key
    assert all(a.search_name == search_name(a.name) for a in accounts)
    assert all(a.npp is None for a in accounts if a.status == "prospect")


def test_every_account_has_three_to_eight_people_in_a_reporting_tree(demo):
    current = list(demo.session.scalars(select(Position).where(Position.end_date.is_(None))))
    per_account = Counter(p.account_id for p in current)
    assert len(per_account) == demo.session.scalar(select(func.count()).select_from(Account))
    assert all(3 <= n <= 8 for n in per_account.values()), per_account
    by_id = {p.id: p for p in current}
    roots = Counter(p.account_id for p in current if p.reports_to_id is None)
    assert all(n == 1 for n in roots.values())  # one head per account, everyone else below
    for p in current:
        if p.reports_to_id is not None:
            assert by_id[p.reports_to_id].account_id == p.account_id
    assert {p.level for p in current} == {"bod", "bod1", "bod2", "operational"}
    assert any(p.decision_maker for p in current) and not all(p.decision_maker for p in current)
    people = {p.person for p in current}
    assert all(1 <= kp.influence <= 5 and kp.assessed_on and kp.email for kp in people)


def test_some_people_moved_between_accounts_and_keep_their_history(demo):
    moved = [
        person_id
        for person_id, n in demo.session.execute(
            select(Position.person_id, func.count()).group_by(Position.person_id)
        )
        if n > 1
    ]
    assert len(moved) >= 3
    for person_id in moved:
        positions = list(
            demo.session.scalars(select(Position).where(Position.person_id == person_id))
        )
        assert len({p.account_id for p in positions}) == 2
        ended = [p for p in positions if p.end_date]
        assert len(ended) == 1 and ended[0].successor is not None


def test_a_key_person_gap_has_an_open_reengagement_task_for_its_rm(demo):
    gaps = list(
        demo.session.scalars(select(Account).where(Account.key_person_gap_since.is_not(None)))
    )
    assert gaps
    for account in gaps:
        task = demo.session.scalar(
            select(Task).where(Task.account_id == account.id, Task.kind == "reengagement")
        )
        assert task.status == "open" and task.assignee_id == account.rm_id is not None
        assert demo.session.scalar(
            select(Position).where(
                Position.account_id == account.id, Position.end_date.is_not(None)
            )
        )


def test_accounts_are_spread_over_the_demo_rms_and_branches(demo):
    per_rm = Counter(demo.session.scalars(select(Account.rm_id)))
    assert len([rm for rm in per_rm if rm]) == 2 and min(per_rm.values()) >= 1
    assert len(set(demo.session.scalars(select(Account.branch_office_id)))) >= 10


def test_demo_seed_is_deterministic(db):
    def snapshot():
        with db.session.begin_nested() as nested:
            seed("demo-relasi-2026")
            db.session.flush()
            accounts = db.session.execute(
                select(
                    Account.name, Account.npp, Account.npwp, Account.nib, Account.rm_id
                ).order_by(Account.name)
            ).all()
            people = db.session.execute(
                select(Position.title, Position.level).order_by(Position.id)
            ).all()
            nested.rollback()
        return [tuple(r[:4]) for r in accounts], [tuple(r) for r in people]

    assert snapshot() == snapshot()


# -- interaction history and cadence ---------------------------------------------------------


def test_demo_has_a_year_of_interactions_planned_ones_and_tasks(demo):
    from crm.i18n import local_date
    from crm.meetings.models import Interaction, InteractionAttendee

    today = local_date(utcnow())
    rows = demo.session.execute(select(Interaction.status, Interaction.starts_at)).all()
    held = [local_date(r.starts_at) for r in rows if r.status == "held"]
    assert len(rows) >= 500 and len(held) >= 450
    assert (today - min(held)).days >= 330 and max(held) <= today  # about 12 months
    assert len({(d.year, d.month) for d in held}) >= 12
    planned = [local_date(r.starts_at) for r in rows if r.status == "planned"]
    assert any(0 <= (d - today).days <= 14 for d in planned)
    types = set(demo.session.scalars(select(Interaction.type)))
    assert len(types) >= 8
    confidential = demo.session.scalar(
        select(func.count()).where(Interaction.confidential.is_(True))
    )
    assert 1 <= confidential < len(rows) / 10
    no_person = demo.session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(
            ~select(InteractionAttendee.id)
            .where(
                InteractionAttendee.interaction_id == Interaction.id,
                InteractionAttendee.person_id.is_not(None),
            )
            .exists()
        )
    )
    assert no_person == 0  # every interaction has at least one key person
    tasks = demo.session.execute(
        select(Task.status, Task.due_date).where(Task.kind == "next_step")
    ).all()
    assert any(t.status == "done" for t in tasks)
    assert any(t.status == "open" and t.due_date < today for t in tasks)  # late
    assert any(t.status == "open" and t.due_date >= today for t in tasks)


def test_attendees_held_a_position_at_the_account_on_the_day(demo):
    from crm.i18n import local_date
    from crm.meetings.models import Interaction, InteractionAttendee

    positions = {}
    for p in demo.session.scalars(select(Position)):
        positions.setdefault((p.account_id, p.person_id), []).append(p)
    rows = demo.session.execute(
        select(
            Interaction.account_id,
            Interaction.starts_at,
            Interaction.is_bod1,
            InteractionAttendee.person_id,
        )
        .join(InteractionAttendee, InteractionAttendee.interaction_id == Interaction.id)
        .where(InteractionAttendee.person_id.is_not(None))
    ).all()
    for account_id, starts_at, _bod1, person_id in rows:
        day = local_date(starts_at)
        assert any(
            (p.start_date is None or p.start_date <= day)
            and (p.end_date is None or p.end_date >= day)
            for p in positions[(account_id, person_id)]
        )


def test_the_rm_home_is_not_empty(demo, client):
    rm = demo.session.scalar(select(User).where(User.email == "rm@relasi.test"))
    from crm.meetings.queries import rm_home

    home = rm_home(rm)
    assert home["today_meetings"] and home["tasks"] and home["overdue"]
    html = signed_in(client, rm).get("/").get_data(as_text=True)
    assert home["today_meetings"][0].account.name in html


def hand_cadence(session, today):
    """Per account: (rm, branch, met, state) from raw rows only: accounts, interactions,
    attendees and positions, in plain loops (no summary table, no crm.meetings.cadence)."""
    from crm.i18n import local_zone
    from crm.meetings.models import Interaction, InteractionAttendee

    zone = local_zone()
    month = (today.year, today.month)
    prev = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    last_day = calendar.monthrange(today.year, today.month)[1]
    days_left = last_day - today.day + 1
    positions = {}
    for p in session.scalars(select(Position)):
        positions.setdefault((p.account_id, p.person_id), []).append(
            (p.start_date, p.end_date, p.level)
        )
    people = {}
    for interaction_id, person_id in session.execute(
        select(InteractionAttendee.interaction_id, InteractionAttendee.person_id)
    ):
        if person_id is not None:
            people.setdefault(interaction_id, []).append(person_id)
    held = {}
    for ident, account_id, status, starts_at in session.execute(
        select(Interaction.id, Interaction.account_id, Interaction.status, Interaction.starts_at)
    ):
        if status != "held":
            continue
        day = starts_at.replace(tzinfo=starts_at.tzinfo or UTC).astimezone(zone).date()
        bod1 = False
        for person_id in people.get(ident, []):
            for start, end, level in positions.get((account_id, person_id), []):
                if (start is None or start <= day) and (end is None or end >= day):
                    bod1 = bod1 or level in ("bod", "bod1")
        held.setdefault(account_id, []).append((day, bod1))
    result = {}
    for a in session.scalars(select(Account)):
        if a.status not in ("active", "prospect"):
            continue
        mine = held.get(a.id, [])
        if a.segment == "corporate":
            months = {(d.year, d.month) for d, bod1 in mine if bod1}
            created = a.created_at.replace(tzinfo=a.created_at.tzinfo or UTC).astimezone(zone)
            met = month in months
            if met:
                state = "on_track"
            elif prev not in months and created.date() < today.replace(day=1):
                state = "overdue"
            elif days_left < 7:
                state = "due"
            else:
                state = "on_track"
        else:
            ages = [(today - d).days for d, _bod1 in mine]
            since = min(ages) if ages else None
            met = since is not None and since <= 60
            state = "overdue" if not met else ("due" if since > 53 else "on_track")
        result[a.id] = (a.rm_id, a.branch_office_id, met, state)
    return result


def shares(figures, index):
    """{key: (in scope, met, due, overdue)} per RM (index 0) or branch (index 1)."""
    out = {}
    for values in figures.values():
        key = values[index]
        n, met, due, overdue = out.get(key, (0, 0, 0, 0))
        out[key] = (
            n + 1,
            met + values[2],
            due + (values[3] == "due"),
            overdue + (values[3] == "overdue"),
        )
    return out


def signed_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def page_rows(html: str, heading: str) -> dict[str, tuple]:
    """The rows of one share table on /cadence/: name -> (in scope, met, %, due, overdue)."""
    section = html.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows[unescape(cells[0])] = (
            int(cells[1]),
            int(cells[2]),
            cells[3],
            int(cells[4]),
            int(cells[5]),
        )
    return rows


def test_cadence_view_matches_a_hand_count_of_the_demo_data(demo, client):
    from crm.i18n import local_date
    from crm.meetings import reports
    from crm.offices import BranchOffice

    today = local_date(utcnow())
    figures = hand_cadence(demo.session, today)
    states = Counter(v[3] for v in figures.values())
    assert states["on_track"] and states["overdue"] and states["due"]  # due: institutions
    corporate_due = [
        v
        for a, v in figures.items()
        if v[3] == "due" and demo.session.get(Account, a).segment == "corporate"
    ]
    days_left = calendar.monthrange(today.year, today.month)[1] - today.day + 1
    assert bool(corporate_due) is (days_left < 7)
    by_rm, by_branch = shares(figures, 0), shares(figures, 1)
    got_rm = {
        r.key: (r.in_scope, r.met, r.due, r.overdue) for r in reports.current_shares(today, "rm")
    }
    got_branch = {
        r.key: (r.in_scope, r.met, r.due, r.overdue)
        for r in reports.current_shares(today, "branch")
    }
    assert got_rm == by_rm and got_branch == by_branch
    # ... and the page shows the same numbers.
    supervisor = demo.session.scalar(select(User).where(User.email == "supervisor@relasi.test"))
    html = signed_in(client, supervisor).get("/cadence/").get_data(as_text=True)
    names = dict(demo.session.execute(select(User.id, User.name)).all())
    branches = dict(demo.session.execute(select(BranchOffice.id, BranchOffice.name)).all())
    for heading, expected, labels in (
        ("Per RM", by_rm, names),
        ("Per kantor cabang", by_branch, branches),
    ):
        shown = page_rows(html, heading)
        assert len(shown) == len(expected)
        for key, (n, met, due, overdue) in expected.items():
            label = labels[key] if key is not None else "— belum ditugaskan —"
            percent = f"{round(met / n * 100)}%"
            assert shown[label] == (n, met, percent, due, overdue), label
    total_n = sum(v[0] for v in by_rm.values())
    total_met = sum(v[1] for v in by_rm.values())
    assert (
        f"{round(total_met / total_n * 100)}%" in html and f"({total_met} dari {total_n})" in html
    )


def test_cadence_states_late_in_the_month_include_corporate_due(db):
    """With the clock on the 27th, accounts that met last month but not yet this one are due."""
    from crm.meetings import reports
    from crm.meetings.reengagement import reengagement_query
    from tests.support.meetings import at

    seed("demo-relasi-2026", now=at(2026, 11, 27, 12))
    db.session.flush()
    today = date(2026, 11, 27)
    figures = hand_cadence(db.session, today)
    corporate = {
        a: v for a, v in figures.items() if db.session.get(Account, a).segment == "corporate"
    }
    assert {v[3] for v in corporate.values()} == {"on_track", "due", "overdue"}
    got = {
        r.key: (r.in_scope, r.met, r.due, r.overdue) for r in reports.current_shares(today, "rm")
    }
    assert got == shares(figures, 0)
    assert db.session.execute(reengagement_query(today)).all()  # institutions to re-engage


def test_demo_seeds_the_national_holidays(db, demo):
    from crm.compliance.calendar import LETTER, working_calendar
    from crm.compliance.models import Holiday

    assert db.session.scalar(select(func.count()).select_from(Holiday)) >= 20
    assert not working_calendar(LETTER).is_working_day(date(2026, 12, 25))  # Natal


# -- compliance history and escalation cases -------------------------------------------------


def demo_today():
    from crm.i18n import local_date

    return local_date(utcnow())


def test_every_registered_company_has_24_months_ending_last_month(demo):
    from crm.compliance.arrears import add_months
    from crm.compliance.models import ComplianceImport, CompliancePeriod
    from crm.demo import monthly_contribution
    from crm.demo_data_history import JKK_BP

    today = demo_today()
    last = add_months(today.replace(day=1), -1)
    companies = list(
        demo.session.scalars(
            select(Account).where(Account.kind == "company", Account.npp.is_not(None))
        )
    )
    rows = list(demo.session.scalars(select(CompliancePeriod)))
    per_account = Counter(r.account_id for r in rows)
    assert set(per_account) == {a.id for a in companies} and set(per_account.values()) == {24}
    assert {r.period for r in rows} == {add_months(last, -k) for k in range(24)}
    run = demo.session.scalar(select(ComplianceImport))
    assert run.rows == len(rows) and {r.import_id for r in rows} == {run.id}
    assert (run.period_first, run.period_last) == (add_months(last, -23), last)
    by_id = {a.id: a for a in companies}
    for r in rows:
        assert 0 < r.workers_reported <= r.workers_registered
        assert r.unpaid == max(r.contribution_due - r.amount_paid, 0)
        assert r.paid_on is None or r.period < r.paid_on < today
        rate = JKK_BP[by_id[r.account_id].sector]
        expected = monthly_contribution(r.workers_reported, r.wages_reported, rate, r.period)
        assert r.contribution_due == expected
        # About 9-11 % of the wages: JKK + JKM + JHT on the wages, JP up to the cap.
        assert 0.08 < r.contribution_due / r.wages_reported < 0.13
    flagged = [r for r in rows if r.has_pds]
    assert len({r.account_id for r in flagged}) >= 3 and all(r.pds_notes for r in flagged)


def test_payments_are_mostly_on_time_some_late_with_their_fine(demo):
    from crm.compliance.services import account_compliance

    today = demo_today()
    states = Counter()
    for account_id in demo.session.scalars(
        select(Account.id).where(Account.kind == "company", Account.npp.is_not(None))
    ):
        for month in account_compliance(account_id, today).summary.months:
            states[month.state] += 1
    total = sum(states.values())
    assert states["on_time"] / total > 0.75
    assert 0.03 < states["late"] / total < 0.15
    assert states["partial"] >= 3 and states["unpaid"] >= 15


def test_about_ten_companies_are_in_arrears_and_the_rest_owe_nothing(demo):
    from crm.cases.models import CaseSuggestion, EscalationCase
    from crm.cases.suggestions import suggestion_query
    from crm.compliance.services import account_compliance

    today = demo_today()
    owing = {}
    for account in demo.session.scalars(select(Account).where(Account.npp.is_not(None))):
        summary = account_compliance(account.id, today).summary
        if summary.total:
            owing[account.id] = summary
    assert 8 <= len(owing) <= 12
    assert all(s.months_in_arrears >= 2 and s.unpaid > 0 and s.fine > 0 for s in owing.values())
    cased = set(
        demo.session.scalars(
            select(EscalationCase.account_id).where(
                EscalationCase.status == "open", EscalationCase.reason == "arrears"
            )
        )
    )
    assert cased < set(owing) and len(cased) >= len(owing) - 3  # most of them have a case
    suggested = {s.account_id for s in demo.session.scalars(select(CaseSuggestion))}
    assert set(owing) <= suggested
    supervisor = demo.session.scalar(select(User).where(User.role == "supervisor"))
    waiting = {s.account_id for s in demo.session.scalars(suggestion_query(supervisor))}
    assert set(owing) - cased <= waiting and not waiting & cased


def test_cases_are_at_different_stages_some_overdue_with_their_history(demo):
    from crm.cases.models import LETTER_TYPES, EscalationCase

    today = demo_today()
    cases = list(demo.session.scalars(select(EscalationCase)))
    open_cases = [c for c in cases if c.is_open]
    assert len({c.stage for c in open_cases}) >= 4
    assert len([c for c in open_cases if c.stage_due_on and c.stage_due_on < today]) >= 2
    waiting = [c for c in open_cases if c.waiting_for_letter]
    assert waiting and all(c.stage_due_on is None for c in waiting)
    teguran = [c for c in open_cases if c.stage == "teguran_1"]
    assert any(c.current_letter.status == "received" for c in teguran)
    assert {"denda", "teguran_2"} <= {c.stage for c in open_cases}
    assert all(c.owner_id and c.supervisor_id and c.branch_office_id for c in cases)
    for case in cases:
        events = case.events
        assert events[0].kind == "opened" and events[0].created_at == case.opened_at
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert events[-1].created_at < utcnow()
        for letter in case.letter_requests:
            assert letter.letter_type == LETTER_TYPES[letter.stage]
            assert letter.received_on is None or letter.received_on >= letter.issued_on
    assert all(c.stage_started_on <= today for c in open_cases if c.stage_started_on)


def test_one_case_closed_as_paid_cites_the_import(demo):
    from crm.cases.models import EscalationCase
    from crm.compliance.services import account_compliance

    closed = list(
        demo.session.scalars(select(EscalationCase).where(EscalationCase.status == "closed"))
    )
    assert len(closed) == 1
    case = closed[0]
    assert case.closed_reason == "paid" and case.closing_import is not None
    event = case.events[-1]
    assert event.kind == "closed" and event.import_id == case.closing_import_id
    assert case.closing_import.filename in event.note
    summary = account_compliance(case.account_id, demo_today()).summary
    assert summary.total == 0 and any(m.state == "late" and m.fine_paid for m in summary.months)


def test_stored_case_arrears_equal_the_account_figures(demo):
    from crm.cases.models import EscalationCase
    from crm.compliance.services import account_compliance

    open_cases = list(
        demo.session.scalars(select(EscalationCase).where(EscalationCase.status == "open"))
    )
    assert open_cases
    for case in open_cases:
        assert case.arrears_as_of == demo_today()
        summary = account_compliance(case.account_id, case.arrears_as_of).summary
        assert (case.arrears_unpaid, case.arrears_fine, case.arrears_total) == (
            summary.unpaid,
            summary.fine,
            summary.total,
        )
    assert sum(1 for c in open_cases if c.arrears_total > 0) >= 6


def test_compliance_and_cases_are_deterministic(db):
    from crm.cases.models import CaseEvent, EscalationCase
    from crm.compliance.models import CompliancePeriod

    def snapshot():
        with db.session.begin_nested() as nested:
            seed("demo-relasi-2026")
            db.session.flush()
            months = db.session.execute(
                select(
                    Account.name,
                    CompliancePeriod.period,
                    CompliancePeriod.contribution_due,
                    CompliancePeriod.amount_paid,
                    CompliancePeriod.paid_on,
                    CompliancePeriod.fine_paid,
                    CompliancePeriod.pds_tk,
                )
                .join(Account, Account.id == CompliancePeriod.account_id)
                .order_by(Account.name, CompliancePeriod.period)
            ).all()
            cases = db.session.execute(
                select(
                    Account.name,
                    EscalationCase.stage,
                    EscalationCase.status,
                    EscalationCase.stage_due_on,
                    EscalationCase.arrears_total,
                )
                .join(Account, Account.id == EscalationCase.account_id)
                .order_by(Account.name)
            ).all()
            events = db.session.execute(
                select(CaseEvent.kind, CaseEvent.created_at).order_by(CaseEvent.id)
            ).all()
            nested.rollback()
        return [tuple(r) for r in months], [tuple(r) for r in cases], [tuple(r) for r in events]

    assert snapshot() == snapshot()


# -- letters ---------------------------------------------------------------------------------


def letter_states(db) -> Counter:
    from crm.letters.models import Letter

    return Counter(db.session.scalars(select(Letter.status)))


def case_letters(db) -> list:
    from crm.cases.models import CaseLetterRequest
    from crm.letters.models import Letter

    return db.session.execute(
        select(CaseLetterRequest, Letter).join(Letter, Letter.id == CaseLetterRequest.letter_id)
    ).all()


def test_seed_leaves_letters_in_every_state_before_rendering(demo):
    from crm.letters.models import Letter

    states = letter_states(demo)
    assert {"draft", "returned", "submitted", "approved", "cancelled"} <= set(states), states
    returned = demo.session.scalar(select(Letter).where(Letter.status == "returned"))
    assert returned.review_comment
    types = set(demo.session.scalars(select(Letter.letter_type)))
    assert {"pemberitahuan", "teguran_1", "undangan", "pengantar_mou", "piagam_sertakan"} <= types
    undangan = demo.session.scalars(select(Letter).where(Letter.letter_type == "undangan")).all()
    assert undangan and all(x.interaction_id for x in undangan)
    mou = demo.session.scalar(select(Letter).where(Letter.letter_type == "pengantar_mou"))
    assert mou.account.kind != "company"


def test_case_letters_are_approved_on_their_issue_date(demo):
    for request, letter in case_letters(demo):
        if request.status in ("issued", "received"):
            assert letter.status == "approved" and letter.number
            assert letter.letter_date == request.issued_on
        else:
            assert letter.status == "draft" and request.issued_on is None


def test_demo_letters_are_deterministic(db):
    from crm.letters.models import Letter

    def snapshot():
        with db.session.begin_nested() as nested:
            seed("demo-relasi-2026")
            db.session.flush()
            rows = db.session.execute(
                select(
                    Letter.letter_type, Letter.status, Letter.number, Letter.letter_date
                ).order_by(Letter.id)
            ).all()
            nested.rollback()
        return [tuple(r) for r in rows]

    assert snapshot() == snapshot()


def test_seed_demo_renders_issues_and_delivers_letters(db, runner, app):
    import hashlib

    from crm import storage
    from crm.letters.models import Letter

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo letters rendered:" in result.output and "Demo letters: " in result.output
    db.session.expire_all()
    states = letter_states(db)
    assert {"draft", "returned", "submitted", "cancelled"} <= set(states), states
    assert {"issued", "dispatched", "received"} <= set(states), states
    assert "approved" not in states  # the render job issued every approved letter
    issued = db.session.scalars(
        select(Letter).where(Letter.status.in_(("issued", "dispatched", "received")))
    ).all()
    for letter in issued:
        assert letter.number and letter.pdf_key and letter.render_status == "done"
        pdf = storage.read_bytes(letter.pdf_key)
        assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
    for request, letter in case_letters(db):
        assert (request.status != "draft_requested") == letter.is_frozen, (request, letter)
        if request.status == "received":
            assert letter.status == "received" and letter.received_on == request.received_on
        if letter.is_frozen:
            assert letter.letter_date == request.issued_on
    received = [x for x in issued if x.status == "received"]
    assert all(x.recipient_name and x.received_on >= x.dispatched_on for x in received)
    assert len({x.dispatch_channel for x in issued if x.dispatch_channel}) >= 3
    for request, _letter in case_letters(db):  # the seam left the cases' clocks alone
        case = request.case
        if case.is_open and case.stage == request.stage and request.status != "draft_requested":
            started = request.received_on or request.issued_on
            assert case.stage_started_on == started, (case.id, request.stage)
