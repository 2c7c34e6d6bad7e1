"""Cadence: states at month boundaries with a fixed clock, the SQL twin, summaries kept in step,
supervisor figures against a hand count, the trend and re-engagement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, true

from crm.meetings import cadence, reengagement, reports, tally, trend
from crm.meetings.cadence import Policy, cadence_status
from crm.meetings.models import AccountCadence, AccountMonth, CadenceMonth, Interaction
from crm.services import ServiceError
from tests.factories import (
    AccountFactory,
    BranchFactory,
    InstitutionFactory,
    KeyPersonFactory,
    PositionFactory,
    UserFactory,
)
from tests.support.meetings import JAKARTA, at, log

MONTHLY = Policy("corporate", "monthly_bod1", 30)
EVERY_60 = Policy("institutional", "days", 60)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def monthly(today, last_bod1=None, created=date(2025, 1, 1), status="active"):
    return cadence_status(
        MONTHLY,
        today=today,
        created_on=created,
        last_bod1_on=last_bod1,
        last_held_on=last_bod1,
        account_status=status,
    )


def test_monthly_on_track_when_a_bod1_meeting_was_held_this_month():
    result = monthly(date(2026, 11, 28), last_bod1=date(2026, 11, 2))
    assert result.state == "on_track" and result.met and result.days_since == 26


def test_monthly_overdue_when_last_month_was_missed():
    assert monthly(date(2026, 11, 2), last_bod1=date(2026, 9, 30)).state == "overdue"
    assert monthly(date(2026, 11, 2), last_bod1=None).state == "overdue"


def test_monthly_met_last_month_is_still_in_time_early_in_the_month():
    result = monthly(date(2026, 11, 1), last_bod1=date(2026, 10, 31))
    assert result.state == "on_track" and not result.met and result.waiting


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 11, 24), "on_track"),  # 7 days left, today included
        (date(2026, 11, 25), "due"),  # 6 days left
        (date(2026, 11, 30), "due"),
        (date(2026, 12, 1), "overdue"),  # November was missed
        (date(2027, 2, 22), "on_track"),  # February: 7 days left
        (date(2027, 2, 23), "due"),
    ],
)
def test_monthly_due_in_the_last_week_then_overdue_next_month(today, state):
    last = date(2026, 10, 15) if today.month == 11 else None
    if today.year == 2027:
        last = date(2027, 1, 20)
    assert monthly(today, last_bod1=last).state == state


def test_monthly_a_new_account_is_not_overdue_for_a_month_before_it_existed():
    assert monthly(date(2026, 11, 3), created=date(2026, 11, 1)).state == "on_track"
    assert monthly(date(2026, 11, 26), created=date(2026, 11, 1)).state == "due"
    assert monthly(date(2026, 12, 1), created=date(2026, 11, 1)).state == "overdue"


@pytest.mark.parametrize(
    ("days_ago", "state"),
    [
        (0, "on_track"),
        (53, "on_track"),
        (54, "due"),
        (60, "due"),
        (61, "overdue"),
        (None, "overdue"),
    ],
)
def test_every_60_days_policy(days_ago, state):
    today = date(2026, 11, 20)
    last = today - timedelta(days=days_ago) if days_ago is not None else None
    result = cadence_status(
        EVERY_60, today=today, created_on=date(2025, 1, 1), last_bod1_on=None, last_held_on=last
    )
    assert result.state == state
    assert result.met is (days_ago is not None and days_ago <= 60)


def test_inactive_accounts_have_no_cadence():
    assert monthly(date(2026, 11, 2), status="inactive").state == "inactive"


# -- summaries, kept in step by the service ------------------------------------------------


def bod1_person(account, level="bod1", **kw):
    return PositionFactory(account=account, level=level, **kw).person


def test_summary_uses_the_local_calendar_month(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, created_at=LONG_AGO)
    person = bod1_person(account)
    # 1 November 01:00 in Jakarta is still 31 October in UTC.
    log(account, rm, at(2026, 11, 1, 1, 0), people=[person])
    row = db.session.get(AccountCadence, account.id)
    assert row.last_bod1_on == date(2026, 11, 1) and row.last_held_on == date(2026, 11, 1)
    months = db.session.scalars(select(AccountMonth).where(AccountMonth.account_id == account.id))
    assert [(m.month, m.bod1_held, m.held) for m in months] == [(date(2026, 11, 1), 1, 1)]


def test_bod1_is_derived_from_positions_valid_on_the_meeting_date(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, created_at=LONG_AGO)
    person = KeyPersonFactory()
    # BOD-1 until the end of October, then BOD-2 at the same account.
    PositionFactory(
        account=account,
        person=person,
        level="bod1",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 10, 31),
    )
    PositionFactory(account=account, person=person, level="bod2", start_date=date(2026, 11, 1))
    november = log(account, rm, at(2026, 11, 10), people=[person])
    october = log(account, rm, at(2026, 10, 10), people=[person])
    assert not november.is_bod1 and october.is_bod1
    status = cadence_status(
        MONTHLY,
        today=date(2026, 11, 12),
        created_on=date(2025, 1, 1),
        last_bod1_on=db.session.get(AccountCadence, account.id).last_bod1_on,
        last_held_on=None,
    )
    assert status.last_bod1_on == date(2026, 10, 10) and not status.met


def test_planned_and_cancelled_interactions_do_not_count_but_planned_shows_next(db):
    from crm.meetings import services

    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, created_at=LONG_AGO)
    person = bod1_person(account)
    now = at(2026, 11, 10, 9)
    first = log(account, rm, at(2026, 11, 12), people=[person], status="planned", now=now)
    log(account, rm, at(2026, 11, 20), people=[person], status="planned", now=now)
    row = db.session.get(AccountCadence, account.id)
    assert row.last_bod1_on is None and row.next_planned_at == at(2026, 11, 12)
    services.cancel_interaction(first, rm)
    assert db.session.get(AccountCadence, account.id).next_planned_at == at(2026, 11, 20)


# -- SQL twin ------------------------------------------------------------------------------


def test_sql_states_agree_with_the_python_rule(db):
    rm = UserFactory(role="rm")
    made = []
    for last in (None, date(2026, 9, 20), date(2026, 10, 5), date(2026, 11, 3)):
        account = AccountFactory(rm=rm, created_at=LONG_AGO)
        if last:
            log(account, rm, at(last.year, last.month, last.day), people=[bod1_person(account)])
        made.append(account)
    for last in (None, date(2026, 7, 1), date(2026, 9, 25), date(2026, 10, 25)):
        account = InstitutionFactory(rm=rm, created_at=LONG_AGO)
        if last:
            log(account, rm, at(last.year, last.month, last.day))
        made.append(account)
    made.append(AccountFactory(rm=rm, created_at=at(2026, 11, 2)))  # new this month
    for today in (date(2026, 11, 10), date(2026, 11, 26), date(2026, 12, 1)):
        now = datetime(today.year, today.month, today.day, 12, tzinfo=JAKARTA)
        expected = {a.id: cadence.account_status(a, now).state for a in made}
        got = dict(
            db.session.execute(
                select(cadence.Account.id, cadence.state_expr(today))
                .outerjoin(AccountCadence, AccountCadence.account_id == cadence.Account.id)
                .where(cadence.Account.rm_id == rm.id)
            ).all()
        )
        assert got == expected, today
        codes = dict(
            db.session.execute(
                select(cadence.Account.id, cadence.code_expr(today))
                .outerjoin(AccountCadence, AccountCadence.account_id == cadence.Account.id)
                .where(cadence.Account.rm_id == rm.id)
            ).all()
        )
        for account in made:
            status = cadence.account_status(account, now)
            code = codes[account.id]
            assert status.met is (code in (cadence.CODE_MET, cadence.CODE_DUE_MET))
            assert (status.state == "overdue") is (code == cadence.CODE_OVERDUE)
            assert (status.state == "due") is (code in (cadence.CODE_DUE, cadence.CODE_DUE_MET))


# -- supervisor figures against a hand count ------------------------------------------------


def hand_count(accounts, interactions, people_levels, today):
    """Independently of the summaries: per RM, (in scope, met) this month from raw data."""
    figures = {}
    for account in accounts:
        if account.status not in ("active", "prospect"):
            continue
        met = False
        for it in interactions:
            if it["account"] is not account or it["status"] != "held":
                continue
            day = it["when"].astimezone(JAKARTA).date()
            if account.segment == "corporate":
                bod1 = any(
                    start <= day <= end
                    for person in it["people"]
                    for (start, end, level) in people_levels[person.id]
                    if level in ("bod", "bod1")
                )
                met |= bod1 and (day.year, day.month) == (today.year, today.month)
            else:
                met |= (today - day).days <= 60
        key = account.rm_id
        in_scope, hits = figures.get(key, (0, 0))
        figures[key] = (in_scope + 1, hits + int(met))
    return figures


def test_supervisor_shares_match_a_hand_count(db):
    today = date(2026, 11, 20)
    now = at(2026, 11, 20, 12)
    branches = [BranchFactory(), BranchFactory()]
    rms = [UserFactory(role="rm"), UserFactory(role="rm")]
    supervisor = UserFactory(role="supervisor")
    accounts, interactions, levels = [], [], {}
    for i in range(10):
        factory = AccountFactory if i % 3 else InstitutionFactory
        account = factory(
            rm=rms[i % 2],
            branch_office=branches[i % 2 if i < 8 else 0],
            created_at=LONG_AGO,
            status="inactive" if i == 9 else "active",
        )
        accounts.append(account)
        boss = PositionFactory(account=account, level="bod1", start_date=date(2020, 1, 1)).person
        clerk = PositionFactory(account=account, level="operational").person
        levels[boss.id] = [(date(2020, 1, 1), date(2100, 1, 1), "bod1")]
        levels[clerk.id] = [(date(1900, 1, 1), date(2100, 1, 1), "operational")]
        plan = [
            (at(2026, 11, 3 + i), [boss], "held"),
            (at(2026, 10, 10), [clerk], "held"),
            (at(2026, 11, 5), [clerk], "held"),
            (at(2026, 11, 25), [boss], "planned"),
            (at(2026, 8, 1), [boss], "held"),
        ][i % 5 :: 2]
        for when, people, status in plan:
            log(account, supervisor, when, people=people, status=status, now=now)
            interactions.append(
                {"account": account, "when": when, "people": people, "status": status}
            )
    expected = hand_count(accounts, interactions, levels, today)
    rows = reports.current_shares(today, "rm")
    assert {r.key: (r.in_scope, r.met) for r in rows} == expected
    assert sum(r.in_scope for r in reports.current_shares(today, "branch")) == 9
    # The trend's current point is the same total; the drill-down lists the same accounts.
    month, in_scope, met = trend.trend(today)[-1]
    assert (month, in_scope, met) == (
        date(2026, 11, 1),
        sum(v[0] for v in expected.values()),
        sum(v[1] for v in expected.values()),
    )
    listed = db.session.scalars(
        reports.drilldown_query(today, date(2026, 11, 1), "met", rms[0].id, None)
    ).all()
    assert len(listed) == expected[rms[0].id][1]


def test_trend_of_closed_months_comes_from_the_cache_and_late_entries_refresh_it(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, created_at=LONG_AGO)
    other = AccountFactory(rm=rm, created_at=LONG_AGO)
    boss = bod1_person(account)
    log(account, rm, at(2026, 9, 15), people=[boss])
    log(account, rm, at(2026, 10, 15), people=[boss])
    points = {m: (n, met) for m, n, met in trend.trend(date(2026, 11, 20), rm_id=rm.id)}
    assert points[date(2026, 9, 1)] == (2, 1) and points[date(2026, 10, 1)] == (2, 1)
    assert points[date(2026, 8, 1)] == (2, 0) and len(points) == 12
    assert db.session.get(CadenceMonth, (date(2026, 10, 1), "*", 0, 0)) is not None
    # A BOD-1 meeting of September logged late: the cached months from September on drop.
    log(other, rm, at(2026, 9, 20), people=[bod1_person(other)], now=at(2026, 11, 20))
    assert db.session.get(CadenceMonth, (date(2026, 10, 1), "*", 0, 0)) is None
    points = {m: (n, met) for m, n, met in trend.trend(date(2026, 11, 20), rm_id=rm.id)}
    assert points[date(2026, 9, 1)] == (2, 2) and points[date(2026, 10, 1)] == (2, 1)


def test_reengagement_lists_institutions_that_dropped_or_went_silent(db):
    rm = UserFactory(role="rm")
    today = date(2026, 11, 20)
    steady = InstitutionFactory(rm=rm, name="Kementerian Stabil", created_at=LONG_AGO)
    dropped = InstitutionFactory(rm=rm, name="Kementerian Menurun", created_at=LONG_AGO)
    silent = InstitutionFactory(rm=rm, name="Badan Sunyi", created_at=LONG_AGO)
    AccountFactory(rm=rm, name="PT Bukan Institusi", created_at=LONG_AGO)  # corporate: never
    for month in (5, 6, 7, 8, 9, 10):
        log(steady, rm, at(2026, month, 10))
        log(steady, rm, at(2026, month, 20))
    for month in (5, 6, 7):  # 4 in May-July, 2 in Aug-Oct: fell to half
        log(dropped, rm, at(2026, month, 10))
    log(dropped, rm, at(2026, 5, 12))
    log(dropped, rm, at(2026, 9, 10))
    log(dropped, rm, at(2026, 10, 28))
    log(silent, rm, at(2026, 9, 1))
    rows = reengagement.reengagement_rows(
        db.session.execute(reengagement.reengagement_query(today)).all(), today
    )
    found = {r.account.name: r for r in rows}
    assert set(found) == {"Kementerian Menurun", "Badan Sunyi"}
    assert found["Kementerian Menurun"].dropped and not found["Kementerian Menurun"].silent
    assert (
        found["Kementerian Menurun"].last_quarter,
        found["Kementerian Menurun"].quarter_before,
    ) == (2, 4)
    assert found["Badan Sunyi"].silent


def test_every_write_keeps_the_summary_equal_to_a_recount(db):
    from crm.meetings import services

    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, created_at=LONG_AGO)
    boss = bod1_person(account)
    first = log(account, rm, at(2026, 10, 3), people=[boss])
    log(account, rm, at(2026, 11, 3))
    data = services.data_from(first)
    data.starts_at, data.ends_at = at(2026, 11, 5), at(2026, 11, 5, 11)
    services.save_interaction(first, account, data, rm, now=at(2026, 11, 20))
    months = {
        m.month: (m.held, m.bod1_held)
        for m in db.session.scalars(
            select(AccountMonth).where(AccountMonth.account_id == account.id)
        )
    }
    assert months == {date(2026, 11, 1): (2, 1)}
    held = db.session.scalars(select(Interaction).where(Interaction.account_id == account.id)).all()
    assert db.session.get(AccountCadence, account.id).held_count == len(held) == 2


# -- the policy, set by the admin -----------------------------------------------------------


def test_admin_changes_the_policy_per_segment_and_it_is_audited(db, client, login_as):
    from crm.audit import AuditLog
    from crm.meetings.models import CadencePolicy
    from tests.conftest import post_form

    rm = UserFactory(role="rm")
    institution = InstitutionFactory(rm=rm, created_at=LONG_AGO)
    log(institution, rm, datetime.now(UTC) - timedelta(days=40))
    assert cadence.account_status(institution).state == "on_track"  # every 60 days
    login_as(UserFactory(role="admin"))
    form = {
        "corporate_mode": "monthly_bod1",
        "corporate_days": "30",
        "institutional_mode": "days",
        "institutional_days": "30",
    }
    resp = post_form(client, "/admin/cadence", form)
    assert resp.status_code == 302
    assert db.session.get(CadencePolicy, "institutional").days == 30
    cadence.forget_policies()
    assert cadence.account_status(institution).state == "overdue"  # 40 days > 30
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "cadence_policy.update"))
    assert row.before == {"days": 60} and row.after == {"days": 30}
    resp = post_form(client, "/admin/cadence", {**form, "institutional_days": "3"})
    assert "Antara 7 dan 366 hari." in resp.get_data(as_text=True)
    assert "Kebijakan kadens" in client.get("/admin/cadence").get_data(as_text=True)


def test_only_admins_set_the_policy(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    assert client.get("/admin/cadence").status_code == 403

    with pytest.raises(ServiceError):
        cadence.save_policy("corporate", "days", 30, UserFactory(role="supervisor"))


def test_cadence_view_shows_the_definition_and_figures_per_rm_and_branch(db, client, login_as):
    rm = UserFactory(role="rm", name="Rina Kartika")
    branch = BranchFactory(name="Kantor Jakarta Selatan")
    account = AccountFactory(rm=rm, branch_office=branch, created_at=LONG_AGO)
    AccountFactory(rm=rm, branch_office=branch, created_at=LONG_AGO)
    log(account, rm, datetime.now(UTC) - timedelta(minutes=5), people=[bod1_person(account)])
    login_as(UserFactory(role="supervisor"))
    html = client.get("/cadence/").get_data(as_text=True)
    assert "Rina Kartika" in html and "Kantor Jakarta Selatan" in html and "50%" in html
    assert "Cara menghitung" in html and "BOD-1" in html
    assert client.get(f"/cadence/?rm={rm.id}").status_code == 200
    assert client.get(f"/cadence/?branch={branch.id}").status_code == 200
    drill = client.get(f"/cadence/accounts?rm={rm.id}&state=met").get_data(as_text=True)
    assert account.name in drill
    old = client.get(f"/cadence/accounts?rm={rm.id}&month=2026-01&state=due")
    assert old.status_code == 200  # a closed month knows only met / not met
    assert client.get("/cadence/accounts?month=garbage&after=zz").status_code == 200


def test_an_rm_sees_only_their_own_accounts_behind_the_numbers(db, client, login_as):
    rm, other = UserFactory(role="rm"), UserFactory(role="rm")
    AccountFactory(rm=rm, name="PT Milik Saya", created_at=LONG_AGO)
    AccountFactory(rm=other, name="PT Milik Orang", created_at=LONG_AGO)
    login_as(rm)
    html = client.get(f"/cadence/accounts?rm={other.id}&state=overdue").get_data(as_text=True)
    assert "PT Milik Saya" in html and "PT Milik Orang" not in html
    reengage = client.get("/cadence/reengagement")
    assert reengage.status_code == 200


def test_reengagement_page_lists_and_tasks_the_rm_once(db, client, login_as):
    from crm.meetings.models import Task
    from tests.conftest import post_form

    rm = UserFactory(role="rm")
    silent = InstitutionFactory(rm=rm, name="Badan Sunyi", created_at=LONG_AGO)
    elsewhere = InstitutionFactory(rm=UserFactory(role="rm"), name="Badan Lain")
    login_as(rm)
    html = client.get("/cadence/reengagement").get_data(as_text=True)
    assert "Badan Sunyi" in html and "Badan Lain" not in html
    assert post_form(client, f"/cadence/reengagement/{silent.id}/task").status_code == 302
    assert post_form(client, f"/cadence/reengagement/{silent.id}/task").status_code == 302
    tasks = db.session.scalars(select(Task).where(Task.account_id == silent.id)).all()
    assert len(tasks) == 1 and tasks[0].kind == "reengagement" and tasks[0].assignee_id == rm.id
    assert post_form(client, f"/cadence/reengagement/{elsewhere.id}/task").status_code == 403


def test_bulk_rebuild_gives_the_same_summaries_as_the_service(db):
    from crm.meetings import summary

    rm = UserFactory(role="rm")
    accounts = [AccountFactory(rm=rm, created_at=LONG_AGO) for _ in range(3)]
    boss = bod1_person(accounts[0])
    log(accounts[0], rm, at(2026, 9, 30, 23, 30), people=[boss])
    log(accounts[0], rm, at(2026, 10, 1, 0, 30))
    log(accounts[0], rm, at(2026, 12, 1), status="planned", now=at(2026, 11, 20))
    log(accounts[1], rm, at(2026, 11, 2))

    def snapshot():
        cad = {
            (c.account_id, c.last_bod1_on, c.last_held_on, c.next_planned_id, c.held_count)
            for c in db.session.scalars(select(AccountCadence))
        }
        months = {
            (m.account_id, m.month, m.held, m.bod1_held, m.last_held_on)
            for m in db.session.scalars(select(AccountMonth))
        }
        return cad, months

    before = snapshot()
    db.session.expunge_all()
    assert summary.rebuild_all(batch=2) == 2
    db.session.expunge_all()
    assert snapshot() == before


def test_set_based_rebuild_gives_the_same_summaries_as_the_service(db):
    """rebuild_all_sql (INSERT ... SELECT ... GROUP BY, for seed-scale) at local month
    boundaries, with planned, cancelled and BOD-1 rows."""
    from crm.meetings import services, summary

    rm = UserFactory(role="rm")
    accounts = [AccountFactory(rm=rm, created_at=LONG_AGO) for _ in range(4)]
    boss = bod1_person(accounts[0])
    log(accounts[0], rm, at(2026, 9, 30, 23, 30), people=[boss])
    log(accounts[0], rm, at(2026, 10, 1, 0, 30))
    log(accounts[0], rm, at(2026, 10, 31, 6, 59), people=[boss])
    log(accounts[0], rm, at(2026, 12, 1), status="planned", now=at(2026, 11, 20))
    log(accounts[0], rm, at(2026, 12, 1), status="planned", now=at(2026, 11, 20))
    log(accounts[1], rm, at(2026, 11, 2))
    log(accounts[2], rm, at(2026, 12, 3), status="planned", now=at(2026, 11, 20))
    gone = log(accounts[3], rm, at(2026, 12, 3), status="planned", now=at(2026, 11, 20))
    services.cancel_interaction(gone, rm)

    def snapshot():
        cad = {
            (
                c.account_id,
                c.last_bod1_on,
                c.last_held_on,
                c.next_planned_id,
                c.next_planned_at,
                c.held_count,
            )
            for c in db.session.scalars(select(AccountCadence))
            if c.held_count or c.next_planned_id  # the service keeps an empty row
        }
        months = {
            (m.account_id, m.month, m.held, m.bod1_held, m.last_held_on)
            for m in db.session.scalars(select(AccountMonth))
        }
        return cad, months

    before = snapshot()
    db.session.expunge_all()
    assert summary.rebuild_all_sql() == 3
    db.session.expunge_all()
    assert snapshot() == before
    assert summary.fixed_offset_minutes(JAKARTA) == 420


def _per_account_months(months):
    """The closed months' figures the slow way: past_met_expr per account (the reference)."""
    from sqlalchemy import func

    from crm.accounts.models import Account

    found = {}
    for month in months:
        rm_key = func.coalesce(Account.rm_id, 0)
        branch_key = func.coalesce(Account.branch_office_id, 0)
        rows = db_session().execute(
            select(
                Account.segment,
                rm_key,
                branch_key,
                func.count(),
                func.sum(cadence.past_met_expr(month)),
            )
            .where(cadence.in_scope(), cadence.existed_in(month))
            .group_by(Account.segment, rm_key, branch_key)
        )
        for segment, rm, branch, n, met in rows:
            found[(month, segment, rm, branch)] = (n, int(met or 0))
    return found


def db_session():
    from crm.extensions import db as ext

    return ext.session


@pytest.mark.parametrize("swap_policies", [False, True])
def test_closed_months_are_computed_set_based_as_the_per_account_rule(db, swap_policies):
    """ensure_months_cached (a GROUP BY over account_month for all months) gives the same
    rows as past_met_expr per account, under both policy modes for either segment."""
    from crm.meetings.models import CadencePolicy

    if swap_policies:
        for segment, mode, days in [
            ("corporate", "days", 45),
            ("institutional", "monthly_bod1", 30),
        ]:
            row = db.session.get(CadencePolicy, segment) or CadencePolicy(segment=segment)
            row.mode, row.days = mode, days
            db.session.add(row)
        db.session.flush()
        cadence.forget_policies()
    rms = [UserFactory(role="rm"), UserFactory(role="rm")]
    branches = [BranchFactory(), None]
    accounts = []
    for i in range(8):
        factory = InstitutionFactory if i % 3 == 0 else AccountFactory
        created = LONG_AGO if i != 5 else datetime(2026, 8, 20, tzinfo=UTC)  # new in August
        accounts.append(
            factory(
                rm=rms[i % 2] if i != 7 else None,
                branch_office=branches[i % 2],
                created_at=created,
                status="inactive" if i == 6 else "active",
            )
        )
    supervisor = UserFactory(role="supervisor")
    clerk_level = {0: "bod1", 1: "operational"}
    for i, account in enumerate(accounts):
        person = bod1_person(account, level=clerk_level[i % 2])
        for when in [at(2026, 6, 3), at(2026, 7, 28), at(2026, 9, 1), at(2026, 10, 30)][
            i % 3 :: 1 + i % 2
        ]:
            log(account, account.rm or supervisor, when, people=[person], now=at(2026, 11, 2))
    months = [date(2026, m, 1) for m in range(5, 11)]
    trend.ensure_months_cached(months)
    cached = {
        (r.month, r.segment, r.rm_key, r.branch_key): (r.in_scope, r.met)
        for r in db.session.scalars(select(CadenceMonth).where(CadenceMonth.segment != "*"))
    }
    expected = _per_account_months(months)
    assert cached == expected
    assert sum(met for _n, met in expected.values()) > 0  # the data exercises both sides
    markers = db.session.scalars(select(CadenceMonth.month).where(CadenceMonth.segment == "*"))
    assert sorted(markers) == months
    trend.ensure_months_cached(months)  # cached already: nothing is added twice


def test_drilldown_pages_are_bounded_and_cover_every_match_once(db, client, login_as, monkeypatch):
    """The drill-down is keyset-paginated: each page holds at most PER_PAGE accounts, the
    "next" links reach every match exactly once, in name order."""
    import re

    from crm.meetings import cadence_views

    monkeypatch.setattr(cadence_views, "PER_PAGE", 3)
    rm = UserFactory(role="rm")
    names = [f"PT Urut {i:02d}" for i in range(8)]
    for name in reversed(names):
        AccountFactory(rm=rm, name=name, created_at=LONG_AGO)  # none met: all overdue
    AccountFactory(rm=rm, name="PT Urut Nonaktif", created_at=LONG_AGO, status="inactive")
    login_as(UserFactory(role="supervisor"))
    url, seen, pages = f"/cadence/accounts?rm={rm.id}&state=overdue", [], 0
    while url:
        html = client.get(url).get_data(as_text=True)
        listed = re.findall(r">(PT Urut [^<]*)</a>", html)
        assert 0 < len(listed) <= 3
        seen += listed
        pages += 1
        more = re.search(r'href="([^"]*after=[^"]*)"[^>]*>[^<]*(?:Berikut|Next|&rarr;|›|»)', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == names and pages == 3


# -- this month's tally: maintained figures equal a full recount ---------------------------


def assert_tally_is_a_recount(db, today, kept=True):
    """The stored tally equals the full recount for its month; the grid read from it equals
    the per-account pass; account_cadence's copy of each account's scope is current.
    kept: the tally already counted this month (kept in step, not recounted for the check)."""
    from sqlalchemy import func

    from crm.accounts.models import Account
    from crm.meetings.models import CadenceTally

    if kept:
        assert tally_month(db) == month_of(today)
    grid = tally.current_grid(today)
    db.session.expire_all()  # the tally is written with Core statements
    month = month_of(today)
    stored = {
        (t.segment, t.rm_key, t.branch_key): (t.in_scope, t.met, t.overdue)
        for t in db.session.scalars(select(CadenceTally))
        if t.in_scope or t.met or t.overdue
    }
    recount = {
        (s, r, b): (n, int(met or 0), int(late or 0))
        for s, r, b, n, met, late in db.session.execute(tally.recount_query(month))
    }
    assert stored == recount
    assert sorted(grid, key=repr) == sorted(tally.recount_grid(today), key=repr)
    copies = db.session.execute(
        select(
            AccountCadence.scope_segment == Account.segment,
            AccountCadence.scope_segment.is_(None),
            Account.status,
            AccountCadence.rm_key == func.coalesce(Account.rm_id, 0),
            AccountCadence.branch_key == func.coalesce(Account.branch_office_id, 0),
        ).join(Account, Account.id == AccountCadence.account_id)
    ).all()
    for same_segment, none, status, same_rm, same_branch in copies:
        assert (none if status == "inactive" else same_segment) and same_rm and same_branch


def tally_month(db):
    from crm.meetings.models import CadenceTallyState

    db.session.expire_all()
    return db.session.get(CadenceTallyState, 1).month


def test_tally_follows_meetings_held_moved_deleted_and_cancelled(db):
    from crm.meetings import services, summary

    today, now = date(2026, 11, 26), at(2026, 11, 26, 12)  # late in the month: "due" counts
    rm = UserFactory(role="rm")
    accounts = [AccountFactory(rm=rm, created_at=LONG_AGO) for _ in range(3)]
    institution = InstitutionFactory(rm=rm, created_at=LONG_AGO)
    bosses = [bod1_person(a) for a in accounts]
    log(accounts[1], rm, at(2026, 10, 5), people=[bosses[1]], now=now)  # due: October only
    tally.current_grid(today)  # counts November
    assert tally_month(db) == date(2026, 11, 1)
    held = log(accounts[0], rm, at(2026, 11, 3), people=[bosses[0]], now=now)  # overdue -> met
    assert_tally_is_a_recount(db, today)
    log(accounts[1], rm, at(2026, 11, 4), people=[bosses[1]], now=now)  # due -> met
    log(institution, rm, at(2026, 10, 1), now=now)  # every 60 days: 56 days ago, due
    assert_tally_is_a_recount(db, today)
    data = services.data_from(held)  # edited: moved back to September, overdue again
    data.starts_at, data.ends_at = at(2026, 9, 3), at(2026, 9, 3, 11)
    services.save_interaction(held, accounts[0], data, rm, now=now)
    assert_tally_is_a_recount(db, today)
    planned = log(accounts[2], rm, at(2026, 11, 28), people=[bosses[2]], status="planned", now=now)
    services.cancel_interaction(planned, rm)
    assert_tally_is_a_recount(db, today)
    gone = db.session.scalars(
        select(Interaction).where(Interaction.account_id == accounts[1].id)
    ).all()
    for interaction in gone:  # deleted (e.g. by an admin): the account is overdue again
        db.session.delete(interaction)
    summary.refresh_account(accounts[1].id, {date(2026, 10, 1), date(2026, 11, 1)})
    assert_tally_is_a_recount(db, today)
    assert tally_month(db) == date(2026, 11, 1)  # kept in step, never recounted


def test_tally_follows_accounts_created_edited_reassigned_and_deleted(db):
    from crm.accounts import services as accounts

    today, now = date(2026, 11, 20), at(2026, 11, 20, 12)
    rm, other = UserFactory(role="rm"), UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    branch, elsewhere = BranchFactory(), BranchFactory()
    kept = AccountFactory(rm=rm, branch_office=branch, created_at=LONG_AGO)
    log(kept, rm, at(2026, 11, 2), people=[bod1_person(kept)], now=now)
    moving = AccountFactory(rm=rm, branch_office=branch, created_at=LONG_AGO)
    log(moving, rm, at(2026, 11, 2), people=[bod1_person(moving)], now=now)
    tally.current_grid(today)
    fresh = AccountFactory(rm=rm, branch_office=branch)  # created now: no month missed yet
    AccountFactory(rm=None, branch_office=None, created_at=LONG_AGO)  # no RM, no branch
    InstitutionFactory(rm=rm, created_at=LONG_AGO, status="prospect")
    assert_tally_is_a_recount(db, today)
    from crm.accounts.models import Account

    db.session.add(Account(name="PT Bawaan", search_name="bawaan", rm_id=rm.id))  # defaults
    db.session.flush()
    assert_tally_is_a_recount(db, today)
    moving.status = "inactive"  # out of scope
    db.session.flush()
    assert_tally_is_a_recount(db, today)
    moving.status, moving.branch_office = "active", elsewhere  # back, in another branch
    db.session.flush()
    assert_tally_is_a_recount(db, today)
    moving.segment = "institutional"  # another segment, another policy
    db.session.flush()
    assert_tally_is_a_recount(db, today)
    assert accounts.reassign_portfolio(rm, other, supervisor) == 5  # one bulk UPDATE
    assert_tally_is_a_recount(db, today)
    db.session.delete(fresh)
    db.session.flush()
    assert_tally_is_a_recount(db, today)
    assert tally_month(db) == date(2026, 11, 1)


def test_tally_is_recounted_once_when_the_month_turns(db):
    """With a frozen clock: November's figures are kept; the first read in December
    recounts them once (set-based), then December is kept in step."""
    from crm.meetings.models import CadenceTally

    rm = UserFactory(role="rm")
    met = AccountFactory(rm=rm, created_at=LONG_AGO)
    missed = AccountFactory(rm=rm, created_at=LONG_AGO)
    log(met, rm, at(2026, 11, 10), people=[bod1_person(met)], now=at(2026, 11, 20))
    log(missed, rm, at(2026, 10, 10), people=[bod1_person(missed)], now=at(2026, 11, 20))
    figures = {
        r.key: (r.in_scope, r.met, r.overdue)
        for r in reports.current_shares(date(2026, 11, 20), "rm")
    }
    assert figures[rm.id] == (2, 1, 0)
    cell = db.session.get(CadenceTally, ("corporate", rm.id, 0))
    cell.met += 5  # a corrupted figure shows no recount happens within the month
    db.session.flush()
    assert reports.current_shares(date(2026, 11, 21), "rm")[0].met == 6
    december = reports.current_shares(date(2026, 12, 1), "rm")
    assert tally_month(db) == date(2026, 12, 1)
    assert [(r.in_scope, r.met, r.overdue) for r in december] == [(2, 0, 1)]  # Oct missed
    assert_tally_is_a_recount(db, date(2026, 12, 1))
    assert_tally_is_a_recount(db, date(2026, 12, 29))  # late: the rest are due
    log(missed, rm, at(2026, 12, 1, 9), people=[bod1_person(missed)], now=at(2026, 12, 1, 12))
    assert_tally_is_a_recount(db, date(2026, 12, 1))
    assert [
        (r.in_scope, r.met, r.overdue) for r in reports.current_shares(date(2026, 12, 1), "rm")
    ] == [(2, 1, 0)]


@pytest.mark.parametrize("day", [1, 10, 25, 30])
def test_every_n_days_figures_move_with_the_date_alone(db, day):
    """Institutions are counted at read time from last_held_on ranges: the figures of a
    later day differ with no write in between, and equal the per-account pass."""
    today = date(2026, 11, day)
    rm = UserFactory(role="rm")
    for days_ago in (None, 5, 50, 56, 61, 90):
        institution = InstitutionFactory(rm=rm, created_at=LONG_AGO)
        if days_ago is not None:
            held = date(2026, 11, 30) - timedelta(days=days_ago)
            log(institution, rm, at(held.year, held.month, held.day), now=at(2026, 11, 30))
    company = AccountFactory(rm=rm, created_at=LONG_AGO)
    log(company, rm, at(2026, 10, 28), people=[bod1_person(company)], now=at(2026, 11, 30))
    AccountFactory(rm=rm, created_at=at(2026, 11, 2))  # new this month
    assert_tally_is_a_recount(db, today, kept=False)


def drilldown_ids(db, today, state, rm_id=None, branch_id=None):
    stmt = reports.drilldown_query(today, month_of(today), state, rm_id, branch_id)
    return sorted(a.id for a in db.session.scalars(stmt))


def month_of(day):
    return day.replace(day=1)


@pytest.mark.parametrize("today", [date(2026, 11, 3), date(2026, 11, 20), date(2026, 11, 27)])
def test_drilldown_from_the_rare_side_lists_the_same_accounts_as_the_walk(db, today, monkeypatch):
    """A rare state's accounts are collected from ix_account_cadence_bod1/_held (and
    ix_account_created); the result equals walking every account, and the Python rule."""
    rm, other = UserFactory(role="rm"), UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    branch = BranchFactory()
    made = []
    for i, last in enumerate(
        [None, date(2026, 9, 20), date(2026, 10, 5), date(2026, 11, 2), date(2026, 11, 25)]
    ):
        account = AccountFactory(
            rm=rm if i % 2 else other, branch_office=branch, created_at=LONG_AGO
        )
        if last:
            log(
                account,
                supervisor,
                at(last.year, last.month, last.day),
                people=[bod1_person(account)],
                now=at(2026, 11, 28),
            )
        made.append(account)
    for days_ago in (None, 10, 55, 58, 70):
        institution = InstitutionFactory(rm=rm, created_at=LONG_AGO)
        if days_ago is not None:
            held = today - timedelta(days=days_ago)
            log(institution, rm, at(held.year, held.month, held.day), now=at(2026, 11, 28))
        made.append(institution)
    made.append(AccountFactory(rm=rm, created_at=at(2026, 11, 1, 9)))  # new this month
    made.append(AccountFactory(rm=rm, created_at=LONG_AGO, status="inactive"))
    now = datetime(today.year, today.month, today.day, 12, tzinfo=JAKARTA)
    statuses = {a.id: cadence.account_status(a, now) for a in made}
    driven = []
    candidates = reports._candidates
    monkeypatch.setattr(reports, "_candidates", lambda *a: driven.append(a[2]) or candidates(*a))
    for state in ("met", "not_met", "on_track", "due", "overdue"):
        for rm_id in (None, rm.id):
            rare = drilldown_ids(db, today, state, rm_id)
            with monkeypatch.context() as patch:
                patch.setattr(reports, "_rare_ids", lambda *args: None)
                walked = drilldown_ids(db, today, state, rm_id)
            expected = sorted(
                a.id
                for a in made
                if (rm_id is None or a.rm_id == rm_id)
                and statuses[a.id].state != "inactive"
                and (
                    statuses[a.id].met is (state == "met")
                    if state in ("met", "not_met")
                    else statuses[a.id].state == state
                )
            )
            assert rare == walked == expected, (state, rm_id)
            plain = sorted(
                db.session.scalars(
                    select(cadence.Account.id)
                    .outerjoin(AccountCadence, AccountCadence.account_id == cadence.Account.id)
                    .where(cadence.in_scope(), cadence.plain_state_clause(state, today))
                    .where(cadence.Account.rm_id == rm_id if rm_id else true())
                )
            )
            assert plain == expected, (state, rm_id)  # PostgreSQL's form of the clause
    assert {"met", "on_track", "due"} <= set(driven)  # the rare side was taken
