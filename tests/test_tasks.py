"""Tasks: my list by default, filters, keyset pages, done and reopened, who may change them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from crm.audit import AuditLog
from crm.db import utcnow
from crm.extensions import db as _db
from crm.i18n import local_date
from crm.meetings.models import Task
from crm.meetings.validation import NextStep
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.meetings import log


def task(assignee, title, due, account=None, status="open"):
    row = Task(
        assignee_id=assignee.id,
        title=title,
        due_date=due,
        account_id=account.id if account else None,
        status=status,
    )
    _db.session.add(row)
    _db.session.flush()
    return row


def test_list_shows_my_open_tasks_by_default_and_filters(db, client, login_as):
    me, other = UserFactory(role="rm"), UserFactory(role="rm")
    account = AccountFactory(rm=me, name="PT Filter")
    today = local_date(utcnow())
    task(me, "Terlambat kemarin", today - timedelta(days=1), account)
    task(me, "Minggu ini", today + timedelta(days=3))
    task(me, "Bulan depan", today + timedelta(days=40))
    task(me, "Sudah beres", today, status="done")
    task(other, "Punya orang lain", today)
    login_as(me)
    html = client.get("/tasks/").get_data(as_text=True)
    assert "Terlambat kemarin" in html and "Minggu ini" in html and "Bulan depan" in html
    assert "Sudah beres" not in html and "Punya orang lain" not in html
    assert html.index("Terlambat kemarin") < html.index("Minggu ini") < html.index("Bulan depan")
    late = client.get("/tasks/?due=late").get_data(as_text=True)
    assert "Terlambat kemarin" in late and "Minggu ini" not in late
    week = client.get("/tasks/?due=week").get_data(as_text=True)
    assert "Minggu ini" in week and "Terlambat kemarin" not in week
    assert "Sudah beres" in client.get("/tasks/?status=done").get_data(as_text=True)
    everyone = client.get("/tasks/?assignee=all").get_data(as_text=True)
    assert "Punya orang lain" in everyone
    by_account = client.get(f"/tasks/?account={account.id}").get_data(as_text=True)
    assert "Terlambat kemarin" in by_account and "Minggu ini" not in by_account


def test_keyset_pages_cover_every_task_once_with_undated_last(db, client, login_as):
    me = UserFactory(role="rm")
    for i in range(60):
        task(me, f"Tugas-{i:02d}", date(2026, 1, 1) + timedelta(days=i % 20))
    task(me, "Tanpa tanggal", None)
    login_as(me)
    seen, url = [], "/tasks/"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"Tugas-\d\d|Tanpa tanggal", html)
        match = re.search(r'href="(/tasks/\?after=[^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert len(seen) == 61 and len(set(seen)) == 61 and seen[-1] == "Tanpa tanggal"
    assert client.get("/tasks/?after=rusak").status_code == 200


def test_mark_done_and_reopen_are_audited(db, client, login_as):
    me = UserFactory(role="rm")
    row = task(me, "Kirim surat", local_date(utcnow()))
    login_as(me)
    resp = post_form(client, f"/tasks/{row.id}/done", {"next": "/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    db.session.refresh(row)
    assert row.status == "done" and row.completed_at is not None
    post_form(client, f"/tasks/{row.id}/reopen", {"next": "https://evil.test/"})
    db.session.refresh(row)
    assert row.status == "open" and row.completed_at is None
    actions = db.session.scalars(
        select(AuditLog.action).where(
            AuditLog.entity_type == "task", AuditLog.entity_id == str(row.id)
        )
    ).all()
    assert actions == ["task.done", "task.reopen"]


def test_another_rm_cannot_close_my_task_but_a_supervisor_can(db, client, login_as, auth):
    me = UserFactory(role="rm")
    row = task(me, "Punya saya", local_date(utcnow()), AccountFactory(rm=me))
    login_as(UserFactory(role="rm"))
    assert post_form(client, f"/tasks/{row.id}/done").status_code == 403
    auth.logout()
    login_as(UserFactory(role="supervisor"))
    assert post_form(client, f"/tasks/{row.id}/done").status_code == 302
    db.session.refresh(row)
    assert row.status == "done"


def test_next_steps_are_listed_on_the_account_page(db, client, login_as):
    me = UserFactory(role="rm")
    account = AccountFactory(rm=me)
    log(
        account,
        me,
        utcnow() - timedelta(hours=2),
        next_steps=[NextStep("Kirim daftar pekerja", me.id, local_date(utcnow()))],
    )
    login_as(me)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert html.count("Kirim daftar pekerja") >= 2  # open tasks and the timeline


def test_unknown_task_is_404(db, client, login_as):
    login_as(UserFactory(role="rm"))
    assert post_form(client, "/tasks/999999/done").status_code == 404
