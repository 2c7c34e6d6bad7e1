"""Key persons: positions, reporting lines, key person left, history, org chart, stakeholder map."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from crm.accounts import people
from crm.accounts.models import KeyPerson, Position
from crm.audit import AuditLog
from crm.meetings.models import Task
from tests.conftest import post_form
from tests.factories import AccountFactory, KeyPersonFactory, PositionFactory, UserFactory

PERSON = {
    "name": "Sari Wulandari",
    "email": "sari@baja.test",
    "phone": "0812-1111-2222",
    "preferred_channel": "whatsapp",
    "influence": "4",
    "stance": "supporter",
    "notes": "",
    "title": "Direktur SDM",
    "level": "bod",
    "decision_maker": "y",
    "reports_to_id": "0",
    "start_date": "2024-01-02",
}


def add(client, account, **changes):
    return post_form(client, f"/accounts/{account.id}/people/new", {**PERSON, **changes})


def test_new_user_flow_three_people_with_a_reporting_line(db, client, login_as):
    """Add three key persons with a reporting line, see the org chart."""
    rm = login_as(UserFactory(role="rm"))
    account = AccountFactory(rm=rm, name="PT Baja Timur")
    assert add(client, account).status_code == 302
    director = db.session.scalar(select(Position).where(Position.title == "Direktur SDM"))
    assert (
        add(
            client,
            account,
            name="Agus Salim",
            title="GM Human Capital",
            level="bod1",
            reports_to_id=str(director.id),
        ).status_code
        == 302
    )
    gm = db.session.scalar(select(Position).where(Position.title == "GM Human Capital"))
    assert (
        add(
            client,
            account,
            name="Rina Kartika",
            title="Manajer Payroll",
            level="bod2",
            decision_maker="",
            reports_to_id=str(gm.id),
        ).status_code
        == 302
    )

    roots = people.org_chart(account.id)
    assert [r.position.person.name for r in roots] == ["Sari Wulandari"]
    assert roots[0].children[0].position.person.name == "Agus Salim"
    assert roots[0].children[0].children[0].position.person.name == "Rina Kartika"
    html = client.get(f"/accounts/{account.id}/org-chart").get_data(as_text=True)
    html = html[html.index('class="orgchart"') :]  # past the flash message of the last add
    assert html.index("Sari Wulandari") < html.index("Agus Salim") < html.index("Rina Kartika")
    assert "1 bawahan langsung" in html


def test_reporting_line_must_stay_in_the_account_and_not_loop(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    account = AccountFactory(rm=rm)
    elsewhere = PositionFactory()
    resp = add(client, account, reports_to_id=str(elsewhere.id))
    assert "Atasan harus orang di akun yang sama." in resp.get_data(as_text=True)
    boss = PositionFactory(account=account, title="Direktur")
    staff = PositionFactory(account=account, title="GM", reports_to=boss)
    resp = post_form(
        client,
        f"/positions/{boss.id}/edit",
        {"title": "Direktur", "level": "bod", "reports_to_id": str(staff.id), "start_date": ""},
    )
    assert "lingkaran" in resp.get_data(as_text=True)


def test_influence_out_of_range_is_refused(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    account = AccountFactory(rm=rm)
    resp = add(client, account, influence="9")
    assert resp.status_code == 200
    assert db.session.scalar(select(KeyPerson).where(KeyPerson.name == "Sari Wulandari")) is None


def test_key_person_left_flags_the_gap_and_tasks_the_rm(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    account = AccountFactory(rm=rm, name="PT Semen Barat")
    leaving = PositionFactory(
        account=account, title="Direktur SDM", level="bod", start_date=date(2020, 1, 1)
    )
    successor = PositionFactory(account=account, title="GM HC", level="bod1")
    report = PositionFactory(account=account, title="Manajer", level="bod2", reports_to=leaving)
    resp = post_form(
        client,
        f"/positions/{leaving.id}/left",
        {"end_date": "2026-11-01", "successor_id": str(successor.person_id), "note": "Pensiun"},
    )
    assert resp.status_code == 302
    db.session.refresh(leaving)
    db.session.refresh(account)
    db.session.refresh(report)
    assert leaving.end_date == date(2026, 11, 1) and leaving.left_note == "Pensiun"
    assert account.key_person_gap_since == date(2026, 11, 1)
    assert report.reports_to_id is None  # reports move up to the leaver's own boss (none)
    task = db.session.scalar(select(Task).where(Task.account_id == account.id))
    assert task.kind == "reengagement" and task.assignee_id == rm.id
    assert task.person_id == successor.person_id and successor.person.name in task.title
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "person.left"))
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Kekosongan key person sejak 1 November 2026" in page
    assert task.title in page
    assert "Riwayat: 1 orang yang sudah keluar" in page
    assert "PT Semen Barat" in client.get("/accounts/?rm=all&gap=1").get_data(as_text=True)


def test_left_twice_or_before_start_is_refused(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    position = PositionFactory(account=AccountFactory(rm=rm), start_date=date(2025, 5, 1))
    resp = post_form(
        client, f"/positions/{position.id}/left", {"end_date": "2025-01-01", "successor_id": "0"}
    )
    assert "setelah tanggal mulai" in resp.get_data(as_text=True)
    post_form(
        client, f"/positions/{position.id}/left", {"end_date": "2025-06-01", "successor_id": "0"}
    )
    resp = post_form(
        client, f"/positions/{position.id}/left", {"end_date": "2025-07-01", "successor_id": "0"}
    )
    assert "sudah berakhir" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Task).where(Task.kind == "reengagement")) is not None


def test_person_who_joins_another_account_keeps_their_history(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    old = AccountFactory(name="PT Lama")
    new = AccountFactory(name="PT Baru", npp="33334444")
    position = PositionFactory(account=old, title="VP HR Operations")
    post_form(
        client, f"/positions/{position.id}/left", {"end_date": "2026-06-30", "successor_id": "0"}
    )
    resp = post_form(
        client,
        f"/people/{position.person_id}/positions/new",
        {
            "account_npp": "33334444",
            "title": "Direktur SDM",
            "level": "bod",
            "decision_maker": "y",
            "start_date": "2026-07-01",
        },
    )
    assert resp.status_code == 302
    person = db.session.get(KeyPerson, position.person_id)
    assert sorted(p.account.name for p in person.positions) == ["PT Baru", "PT Lama"]
    html = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "PT Lama" in html and "PT Baru" in html and "VP HR Operations" in html
    assert person.name in client.get(f"/accounts/{new.id}").get_data(as_text=True)


def test_adding_a_decision_maker_closes_the_gap(db, login_as):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, key_person_gap_since=date(2026, 10, 1))
    people.add_person(
        account, {"name": "Baru"}, {"title": "Direktur", "level": "bod", "decision_maker": True}, rm
    )
    assert account.key_person_gap_since is None


def test_rm_cannot_change_people_of_another_rms_account(db, client, login_as):
    account = AccountFactory(rm=UserFactory(role="rm"))
    position = PositionFactory(account=account)
    login_as(UserFactory(role="rm"))
    assert add(client, account).status_code == 403
    assert client.get(f"/positions/{position.id}/left").status_code == 403
    assert (
        post_form(
            client,
            f"/positions/{position.id}/left",
            {"end_date": "2026-11-01", "successor_id": "0"},
        ).status_code
        == 403
    )
    assert (
        post_form(
            client, f"/positions/{position.id}/edit", {"title": "X", "level": "bod"}
        ).status_code
        == 403
    )
    resp = post_form(
        client,
        f"/people/{position.person_id}/edit",
        {"name": "Dibajak", "influence": "3", "stance": "neutral", "preferred_channel": "email"},
    )
    assert resp.status_code == 403
    db.session.refresh(position)
    assert position.end_date is None and position.person.name != "Dibajak"


def test_assessment_date_moves_when_influence_or_stance_changes(db, client, login_as):
    rm = login_as(UserFactory(role="rm"))
    position = PositionFactory(
        account=AccountFactory(rm=rm), person=KeyPersonFactory(assessed_on=date(2024, 1, 1))
    )
    resp = post_form(
        client,
        f"/people/{position.person_id}/edit",
        {
            "name": position.person.name,
            "influence": "5",
            "stance": "champion",
            "preferred_channel": "email",
        },
    )
    assert resp.status_code == 302
    db.session.refresh(position.person)
    assert position.person.assessed_on == date.today() and position.person.stance == "champion"


def test_stakeholder_map_places_people_by_influence_and_stance(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    account = AccountFactory()
    PositionFactory(
        account=account,
        person=KeyPersonFactory(name="Pak Penghambat", influence=5, stance="blocker"),
    )
    PositionFactory(
        account=account,
        person=KeyPersonFactory(name="Bu Pendukung", influence=4, stance="champion"),
    )
    grid = people.stakeholder_grid(account.id)
    assert [p.person.name for p in grid[(5, "blocker")]] == ["Pak Penghambat"]
    html = client.get(f"/accounts/{account.id}/stakeholders").get_data(as_text=True)
    assert re.search(r'class="risk">\s*<a[^>]*>Pak Penghambat', html)
    assert re.search(r'class="hot">\s*<a[^>]*>Bu Pendukung', html)


def test_org_chart_with_sixty_people_is_one_query_per_page(db, client, login_as, app):
    login_as(UserFactory(role="supervisor"))
    account = AccountFactory()
    boss = PositionFactory(account=account, title="Direktur Utama", level="bod")
    for i in range(60):
        PositionFactory(account=account, title=f"Kepala Unit {i}", level="bod2", reports_to=boss)
    from sqlalchemy import event

    from crm.extensions import db as _db

    statements = []

    def count(*_args):
        statements.append(1)

    engine = _db.engines[None].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get(f"/accounts/{account.id}/org-chart").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert html.count('class="orgnode') == 61 and "60 bawahan langsung" in html
    assert len(statements) < 10  # no query per person
