"""Expiry alerts at 90, 60 and 30 days before valid_to, with a frozen clock: once per
offset, catching up after missed days, a task for the responsible RM, home-page alerts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.meetings.models import Task
from crm.partners import expiry, jobs, renewal, services
from crm.partners.models import AgreementAlert
from tests.conftest import post_form
from tests.support.agreements import make_team, mou

END = date(2027, 3, 31)


@pytest.fixture
def team(db):
    return make_team()


@pytest.fixture
def clock(monkeypatch):
    """clock(day) freezes the daily job's today and runs it."""

    def run(day: date) -> None:
        monkeypatch.setattr(jobs, "today_local", lambda: day)
        jobs.daily_expiry_check()
        db.session.flush()

    return run


def alerts(agreement) -> list[tuple[int, bool, int | None]]:
    rows = db.session.scalars(
        select(AgreementAlert)
        .where(AgreementAlert.agreement_id == agreement.id)
        .order_by(AgreementAlert.days_before.desc())
    )
    return [(a.days_before, a.dismissed_at is None, a.task_id) for a in rows]


def tasks(team) -> list[Task]:
    return list(
        db.session.scalars(select(Task).where(Task.kind == "agreement_expiry").order_by(Task.id))
    )


def test_due_offset_is_the_tightest_reached():
    assert expiry.due_offset(END, END - timedelta(days=91)) is None
    assert expiry.due_offset(END, END - timedelta(days=90)) == 90
    assert expiry.due_offset(END, END - timedelta(days=61)) == 90
    assert expiry.due_offset(END, END - timedelta(days=60)) == 60
    assert expiry.due_offset(END, END - timedelta(days=30)) == 30
    assert expiry.due_offset(END, END) == 30
    assert expiry.due_offset(END, END + timedelta(days=1)) is None


def test_alerts_fire_at_90_60_and_30_days_once_each(team, clock):
    agreement = mou(
        team, start=date(2024, 4, 1), days=(END - date(2024, 4, 1)).days, status="active"
    )
    clock(END - timedelta(days=91))
    assert alerts(agreement) == []
    clock(END - timedelta(days=90))
    clock(END - timedelta(days=90))  # the same day twice: still one alert
    clock(END - timedelta(days=89))
    assert [(d, open_) for d, open_, _ in alerts(agreement)] == [(90, True)]
    clock(END - timedelta(days=60))
    assert [(d, open_) for d, open_, _ in alerts(agreement)] == [(90, False), (60, True)]
    clock(END - timedelta(days=30))
    clock(END - timedelta(days=1))
    assert [(d, open_) for d, open_, _ in alerts(agreement)] == [
        (90, False),
        (60, False),
        (30, True),
    ]
    made = tasks(team)
    assert len(made) == 3 and {t.assignee_id for t in made} == {team.rm.id}
    assert all(t.account_id == team.institution.id and t.status == "open" for t in made)
    last = made[-1]
    assert "30 hari lagi" in last.title and last.due_date == END - timedelta(days=30) + timedelta(
        days=14
    )


def test_a_missed_month_catches_up_with_only_the_tightest_task(team, clock):
    agreement = mou(
        team, start=date(2024, 4, 1), days=(END - date(2024, 4, 1)).days, status="signed"
    )
    clock(END - timedelta(days=45))  # nothing ran at 90 or 60 days before
    rows = alerts(agreement)
    assert [(d, open_) for d, open_, _ in rows] == [(90, False), (60, True)]
    assert rows[0][2] is None and rows[1][2] is not None  # only the 60-day alert made a task
    assert len(tasks(team)) == 1
    clock(END - timedelta(days=44))
    assert len(tasks(team)) == 1


def test_no_alerts_for_drafts_terminated_or_far_agreements(team, clock):
    draft = mou(team, start=date(2024, 4, 1), days=(END - date(2024, 4, 1)).days)
    far = mou(team, start=date(2024, 4, 1), days=2000, status="active")
    ended = mou(team, start=date(2024, 4, 1), days=(END - date(2024, 4, 1)).days, status="active")
    services.change_status(ended, "terminated", team.rm, reason="Selesai lebih awal")
    clock(END - timedelta(days=30))
    assert alerts(draft) == alerts(far) == alerts(ended) == []


def test_renewing_or_moving_the_end_date_clears_the_alerts(team, clock):
    agreement = mou(
        team, start=date(2024, 4, 1), days=(END - date(2024, 4, 1)).days, status="active"
    )
    clock(END - timedelta(days=60))
    assert [d for d, open_, _ in alerts(agreement) if open_] == [60]
    data = services.AgreementData(
        title=agreement.title,
        valid_from=agreement.valid_from,
        valid_to=END + timedelta(days=365),
        account_id=agreement.account_id,
        signed_on=agreement.signed_on,
    )
    services.update_agreement(agreement, data, team.supervisor)
    assert alerts(agreement) == []  # the ladder starts again for the new end date
    clock(END + timedelta(days=365) - timedelta(days=90))
    assert [d for d, open_, _ in alerts(agreement) if open_] == [90]
    new_data = services.AgreementData(
        title="MoU Baru",
        valid_from=END + timedelta(days=366),
        valid_to=END + timedelta(days=1500),
        account_id=agreement.account_id,
    )
    renewal.renew_agreement(agreement, new_data, team.rm)
    assert [d for d, open_, _ in alerts(agreement) if open_] == []


def test_home_pages_show_the_open_alerts(client, auth, login_as, team, clock, monkeypatch):
    from crm.dashboard import views as dashboard

    start = date(2024, 4, 1)
    agreement = mou(
        team, title="MoU Hampir Habis", start=start, days=(END - start).days, status="active"
    )
    clock(END - timedelta(days=60))
    monkeypatch.setattr(dashboard, "today_local", lambda: END - timedelta(days=58))

    def login_as(user):  # signs the previous user out first
        auth.logout()
        auth.login(user.email)

    login_as(team.rm)
    home = client.get("/").get_data(as_text=True)
    assert "Kerja sama segera berakhir" in home and "MoU Hampir Habis" in home
    assert "58 hari lagi" in home
    login_as(team.other_rm)
    assert "MoU Hampir Habis" not in client.get("/").get_data(as_text=True)
    login_as(team.supervisor)
    assert "MoU Hampir Habis" in client.get("/").get_data(as_text=True)
    alert = db.session.scalar(select(AgreementAlert).where(AgreementAlert.dismissed_at.is_(None)))
    login_as(team.other_rm)
    assert post_form(client, f"/agreements/alerts/{alert.id}/dismiss").status_code == 403
    login_as(team.rm)
    resp = post_form(client, f"/agreements/alerts/{alert.id}/dismiss", {"next": "/"})
    assert resp.status_code == 302 and resp.location.endswith("/")
    assert "MoU Hampir Habis" not in client.get("/").get_data(as_text=True)
    assert agreement.status == "active"
