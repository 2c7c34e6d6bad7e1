"""Interactions: plan, invite, hold with next steps, quick log; validation; confidentiality on
page, search and export; permissions; the account timeline and the RM home without N+1."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from crm.audit import AuditLog
from crm.db import utcnow
from crm.extensions import db as _db
from crm.i18n import local_date
from crm.meetings import cadence
from crm.meetings.models import Interaction, Task
from tests.conftest import post_form
from tests.factories import AccountFactory, KeyPersonFactory, PositionFactory, UserFactory
from tests.support.db import count_statements
from tests.support.meetings import JAKARTA, at, log


def plan_form(**changes):
    tomorrow = local_date(utcnow()) + timedelta(days=1)
    form = {
        "type": "formal_meeting",
        "status": "planned",
        "day": tomorrow.isoformat(),
        "start": "09:00",
        "end": "10:30",
        "place": "Kantor Pusat, Lt. 12; Ruang Rapat Direksi",
        "online_link": "",
        "agenda": "Kepatuhan iuran dan perluasan kepesertaan",
        "topics": ["compliance", "sertakan"],
        "minutes": "",
        "outcome": "",
        "sentiment": "",
    }
    form.update(changes)
    return form


@pytest.fixture
def corporate(db):
    rm = UserFactory(role="rm", name="Rina RM", email="rina@relasi.test")
    account = AccountFactory(rm=rm, name="PT Baja Timur", created_at=at(2024, 1, 1))
    boss = PositionFactory(
        account=account,
        level="bod1",
        title="GM Human Capital",
        person=KeyPersonFactory(name="Agus Salim", email="agus@bajatimur.test"),
    ).person
    return rm, account, boss


def test_new_user_plans_invites_holds_and_the_account_flips_to_on_track(
    db, client, login_as, auth, corporate
):
    rm, account, boss = corporate
    colleague = UserFactory(role="rm", name="Dedi RM")
    login_as(rm)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Rencanakan pertemuan" in page and "Catat cepat" in page
    assert cadence.account_status(account).state in ("overdue", "due")
    assert client.get(f"/meetings/new?account={account.id}").status_code == 200
    resp = post_form(
        client,
        f"/meetings/new?account={account.id}",
        plan_form(person_ids=[str(boss.id)], user_ids=[str(colleague.id)]),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    meeting = db.session.scalar(select(Interaction).where(Interaction.account_id == account.id))
    assert meeting.status == "planned" and meeting.is_bod1
    assert cadence.account_status(account).next_planned_at == meeting.starts_at

    invite = client.get(f"/meetings/{meeting.id}.ics")
    assert invite.mimetype == "text/calendar"
    event_ = Calendar.from_ical(invite.data).walk("VEVENT")[0]
    assert event_.decoded("DTSTART") == meeting.starts_at
    assert event_.decoded("DTEND") - event_.decoded("DTSTART") == timedelta(minutes=90)
    assert str(event_["LOCATION"]) == "Kantor Pusat, Lt. 12; Ruang Rapat Direksi"
    attendees = {str(a) for a in event_.get("ATTENDEE")}
    assert attendees == {"mailto:agus@bajatimur.test", f"mailto:{colleague.email}"}
    assert str(event_["ORGANIZER"]) == "mailto:rina@relasi.test"

    today = local_date(utcnow())
    resp = post_form(
        client,
        f"/meetings/{meeting.id}/held",
        {
            "day": today.isoformat(),
            "start": "00:00",
            "end": "00:45",
            "person_ids": [str(boss.id)],
            "minutes": "Direksi setuju mendaftarkan 120 pekerja kontrak.",
            "outcome": "Komitmen tertulis",
            "sentiment": "positive",
            "next_steps-0-title": "Kirim formulir pendaftaran",
            "next_steps-0-assignee_id": str(rm.id),
            "next_steps-0-due_date": (today + timedelta(days=3)).isoformat(),
            "next_steps-1-title": "Sosialisasi ke pekerja kontrak",
            "next_steps-1-assignee_id": str(colleague.id),
            "next_steps-1-due_date": (today + timedelta(days=5)).isoformat(),
            "next_steps-2-title": "",
            "next_steps-2-assignee_id": str(rm.id),
            "next_steps-2-due_date": "",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    db.session.refresh(meeting)
    assert meeting.status == "held" and meeting.is_bod1
    status = cadence.account_status(account)
    assert status.state == "on_track" and status.met and status.days_since == 0
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Sesuai jadwal" in page and "Direksi setuju mendaftarkan" in page
    tasks = db.session.scalars(select(Task).where(Task.interaction_id == meeting.id)).all()
    assert {t.title for t in tasks} == {
        "Kirim formulir pendaftaran",
        "Sosialisasi ke pekerja kontrak",
    }

    auth.logout()
    login_as(colleague)
    home = client.get("/").get_data(as_text=True)
    assert "Sosialisasi ke pekerja kontrak" in home
    assert "Kirim formulir pendaftaran" not in home  # someone else's task


def test_quick_log_is_three_fields_and_a_held_bod1_meeting_now(db, client, login_as, corporate):
    rm, account, boss = corporate
    login_as(rm)
    form = client.get(f"/meetings/quick?account={account.id}").get_data(as_text=True)
    assert "Agus Salim" in form
    resp = post_form(
        client,
        "/meetings/quick",
        {"account_id": account.id, "person_id": boss.id, "minutes": "Setuju daftar 50 TK."},
    )
    assert resp.status_code == 302
    meeting = db.session.scalar(select(Interaction).where(Interaction.account_id == account.id))
    assert meeting.status == "held" and meeting.type == "formal_meeting" and meeting.is_bod1
    assert meeting.starts_at <= utcnow() and cadence.account_status(account).met


def test_quick_log_without_a_person_asks_for_one_next_to_the_field(db, client, login_as, corporate):
    rm, account, _boss = corporate
    login_as(rm)
    resp = post_form(client, "/meetings/quick", {"account_id": account.id, "minutes": "Halo"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Pilih key person dari akun ini." in html
    assert "Agus Salim" in html  # the account's people are offered now
    assert db.session.scalar(select(Interaction)) is None


# -- validation ---------------------------------------------------------------------------


def test_end_before_start_is_refused_next_to_the_field(db, client, login_as, corporate):
    rm, account, _boss = corporate
    login_as(rm)
    resp = post_form(
        client, f"/meetings/new?account={account.id}", plan_form(start="10:00", end="09:30")
    )
    assert resp.status_code == 200
    assert "Jam selesai harus setelah jam mulai." in resp.get_data(as_text=True)
    assert db.session.scalar(select(Interaction)) is None


def test_held_meeting_cannot_be_in_the_future(db, client, login_as, corporate):
    rm, account, _boss = corporate
    login_as(rm)
    resp = post_form(client, f"/meetings/new?account={account.id}", plan_form(status="held"))
    assert "Pertemuan yang sudah terlaksana tidak boleh di masa depan." in resp.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Interaction)) is None


def test_attendee_from_another_account_is_refused(db, client, login_as, corporate):
    rm, account, boss = corporate
    stranger = PositionFactory(account=AccountFactory(), person__name="Orang Lain").person
    login_as(rm)
    resp = post_form(
        client,
        f"/meetings/new?account={account.id}",
        plan_form(person_ids=[str(boss.id), str(stranger.id)]),
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Bukan key person PT Baja Timur: Orang Lain." in html
    assert db.session.scalar(select(Interaction)) is None


def test_marking_a_future_meeting_held_is_refused_and_tasks_need_due_dates(
    db, client, login_as, corporate
):
    rm, account, boss = corporate
    meeting = log(account, rm, utcnow() + timedelta(days=2), people=[boss], status="planned")
    login_as(rm)
    later = local_date(utcnow()) + timedelta(days=2)
    resp = post_form(
        client,
        f"/meetings/{meeting.id}/held",
        {"day": later.isoformat(), "start": "09:00", "minutes": "x", "person_ids": [str(boss.id)]},
    )
    assert "tidak boleh di masa depan" in resp.get_data(as_text=True)
    resp = post_form(
        client,
        f"/meetings/{meeting.id}/held",
        {
            "day": local_date(utcnow()).isoformat(),
            "start": "00:00",
            "minutes": "x",
            "next_steps-0-title": "Tanpa tanggal",
            "next_steps-0-assignee_id": str(rm.id),
        },
    )
    assert "Isi tanggal jatuh tempo untuk “Tanpa tanggal”." in resp.get_data(as_text=True)
    db.session.refresh(meeting)
    assert meeting.status == "planned" and db.session.scalar(select(Task)) is None


# -- confidentiality ----------------------------------------------------------------------

SECRET = "Rencana PHK 300 pekerja, jangan disebar"


@pytest.fixture
def confidential(db, corporate):
    rm, account, boss = corporate
    meeting = log(
        account,
        rm,
        utcnow() - timedelta(days=1),
        people=[boss],
        minutes=SECRET,
        outcome="Hasil rahasia",
        confidential=True,
        agenda="Restrukturisasi",
    )
    return rm, account, meeting


def _seen(client, account, meeting):
    """(page, timeline, search, export) each tells whether the secret minutes showed."""
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    timeline = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    search = client.get("/meetings/?author=all&q=PHK").get_data(as_text=True)
    with client.get("/meetings/export.csv?author=all") as resp:
        rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    exported = [r for r in rows[1:] if r[0] == str(meeting.id)]
    assert "Restrukturisasi" in page and "Restrukturisasi" in timeline  # it happened
    assert len(exported) == 1  # the row is there either way
    return (
        SECRET in page,
        SECRET in timeline,
        SECRET in search,
        SECRET in exported[0] and "Hasil rahasia" in exported[0],
    )


def test_confidential_minutes_are_hidden_from_another_rm_everywhere(
    db, client, login_as, confidential
):
    _rm, account, meeting = confidential
    login_as(UserFactory(role="rm"))
    assert _seen(client, account, meeting) == (False, False, False, False)
    search = client.get("/meetings/?author=all&q=PHK").get_data(as_text=True)
    assert "Tidak ada interaksi yang cocok" in search  # matching hidden words finds nothing
    with client.get("/meetings/export.csv?author=all") as resp:
        assert "[rahasia]" in resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["author", "account_rm", "supervisor"])
def test_confidential_minutes_are_visible_to_author_account_rm_and_supervisor(
    db, client, login_as, confidential, who
):
    rm, account, meeting = confidential
    if who == "author":
        login_as(rm)
    elif who == "account_rm":
        new_rm = UserFactory(role="rm")
        account.rm = new_rm  # the author stays, the portfolio moved
        db.session.flush()
        login_as(new_rm)
    else:
        login_as(UserFactory(role="supervisor"))
    assert _seen(client, account, meeting) == (True, True, True, True)


def test_admins_do_not_read_confidential_minutes(db, client, login_as, confidential):
    _rm, account, meeting = confidential
    login_as(UserFactory(role="admin"))
    assert _seen(client, account, meeting) == (False, False, False, False)


def test_confidential_minutes_never_reach_the_audit_log(db, confidential):
    _rm, _account, meeting = confidential
    rows = db.session.scalars(
        select(AuditLog).where(
            AuditLog.entity_type == "interaction", AuditLog.entity_id == str(meeting.id)
        )
    ).all()
    assert rows and all(SECRET not in str((r.summary, r.before, r.after)) for r in rows)
    assert rows[0].after["minutes"] == "[rahasia]"


# -- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/meetings/",
        "/meetings/quick",
        "/meetings/feed",
        "/meetings/export.csv",
        "/tasks/",
        "/cadence/",
        "/cadence/accounts",
        "/cadence/reengagement",
    ],
)
def test_partners_get_403_everywhere_here(db, client, login_as, url):
    login_as(UserFactory(role="partner"))
    assert client.get(url).status_code == 403


def test_signed_out_users_are_sent_to_login(client):
    assert client.get("/meetings/").status_code == 302


def test_rm_cannot_log_or_change_meetings_of_another_portfolio(db, client, login_as, corporate):
    rm, account, boss = corporate
    meeting = log(account, rm, utcnow() + timedelta(days=3), people=[boss], status="planned")
    login_as(UserFactory(role="rm"))
    assert client.get(f"/meetings/new?account={account.id}").status_code == 403
    resp = post_form(client, f"/meetings/new?account={account.id}", plan_form())
    assert resp.status_code == 403
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert post_form(client, f"/meetings/{meeting.id}/cancel").status_code == 403
    assert post_form(client, f"/meetings/{meeting.id}/held", {"minutes": "x"}).status_code == 403
    resp = post_form(
        client, "/meetings/quick", {"account_id": account.id, "person_id": boss.id, "minutes": "x"}
    )
    assert resp.status_code == 403
    assert client.get(f"/meetings/{meeting.id}").status_code == 200  # reading is fine
    assert db.session.scalar(select(Interaction.status)) == "planned"


def test_supervisor_changes_any_meeting_and_the_author_keeps_their_own(
    db, client, login_as, auth, corporate
):
    rm, account, boss = corporate
    meeting = log(account, rm, utcnow() + timedelta(days=3), people=[boss], status="planned")
    account.rm = UserFactory(role="rm")  # portfolio moved; the author may still edit
    db.session.flush()
    login_as(rm)
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 200
    auth.logout()
    login_as(UserFactory(role="supervisor"))
    resp = post_form(client, f"/meetings/{meeting.id}/cancel")
    assert resp.status_code == 302
    db.session.refresh(meeting)
    assert meeting.status == "cancelled"
    assert cadence.account_status(account).next_planned_at is None
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "interaction.cancel"))


def test_rm_cannot_open_the_supervisor_cadence_view_or_the_policy(db, client, login_as):
    login_as(UserFactory(role="rm"))
    assert client.get("/cadence/").status_code == 403
    assert client.get("/admin/cadence").status_code == 403


def test_edit_moves_the_meeting_and_bumps_the_invite_sequence(db, client, login_as, corporate):
    rm, account, boss = corporate
    meeting = log(account, rm, utcnow() + timedelta(days=3), people=[boss], status="planned")
    login_as(rm)
    later = local_date(utcnow()) + timedelta(days=10)
    resp = post_form(
        client,
        f"/meetings/{meeting.id}/edit",
        plan_form(day=later.isoformat(), start="14:00", end="15:00", person_ids=[str(boss.id)]),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    db.session.refresh(meeting)
    assert local_date(meeting.starts_at) == later and meeting.sequence == 1
    assert meeting.starts_at.astimezone(JAKARTA).hour == 14


# -- timeline and list ----------------------------------------------------------------------


def test_timeline_pages_newest_first_with_tasks_and_without_n_plus_1(
    db, client, login_as, corporate
):
    rm, account, boss = corporate
    for i in range(25):
        log(
            account,
            rm,
            at(2026, 1, 1) + timedelta(days=i),
            people=[boss],
            minutes=f"Catatan {i:02d}",
        )
    db.session.add(
        Task(
            account_id=account.id, assignee_id=rm.id, title="Tugas lama", due_date=date(2026, 1, 5)
        )
    )
    login_as(rm)
    pages = []

    def load(url):
        pages.append(client.get(url).get_data(as_text=True))

    url = f"/accounts/{account.id}"
    load(url)  # warm-up: the first request after sign-in does more
    statements = count_statements(lambda: load(url))
    first = pages[0]
    assert first.index("Catatan 24") < first.index("Catatan 23")
    assert "Catatan 04" not in first and "Lebih lama" in first
    cursor = re.search(r'tl_after=([^"#&]+)', first).group(1)
    second = client.get(f"/accounts/{account.id}?tl_after={cursor}").get_data(as_text=True)
    assert "Catatan 04" in second and "Catatan 05" in second and "Catatan 24" not in second
    for i in range(25, 45):
        log(account, rm, at(2026, 1, 1) + timedelta(days=i), people=[boss])
    more = count_statements(lambda: load(url))
    assert more == statements  # the number of queries does not grow with the data


def test_list_filters_and_keyset_pages(db, client, login_as, corporate):
    rm, account, boss = corporate
    for i in range(55):
        log(account, rm, at(2026, 3, 1) + timedelta(hours=i), people=[boss], minutes=f"M{i:02d}")
    login_as(rm)
    first = client.get("/meetings/").get_data(as_text=True)
    assert first.count('href="/meetings/') >= 50 and "Berikutnya" in first
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    second = client.get(f"/meetings/?author={rm.id}&after={cursor}").get_data(as_text=True)
    assert "M00" in second and "M54" not in second
    assert client.get("/meetings/?after=garbage").status_code == 200
    html = client.get("/meetings/?from=2026-03-03&to=2026-03-03&status=held").get_data(as_text=True)
    assert "M38" in html and "M37" not in html  # 3 March (Jakarta) starts 38 hours in
    assert "Tidak ada interaksi" in client.get("/meetings/?type=power_lunch").get_data(as_text=True)


def test_rm_home_lists_overdue_due_meetings_tasks_and_gaps_without_n_plus_1(db, client, login_as):
    rm = UserFactory(role="rm")

    def build(n):
        for i in range(n):
            account = AccountFactory(rm=rm, name=f"PT Terlambat {i}", created_at=at(2024, 1, 1))
            account.key_person_gap_since = date(2026, 1, 1)
            boss = PositionFactory(account=account, level="bod1").person
            log(account, rm, utcnow() + timedelta(hours=1 + i), people=[boss], status="planned")
            _db.session.add(
                Task(
                    account_id=account.id,
                    assignee_id=rm.id,
                    title=f"Tindak lanjut {i}",
                    due_date=local_date(utcnow()) - timedelta(days=1),
                )
            )
        _db.session.flush()

    build(2)
    login_as(rm)
    pages = []
    client.get("/")  # warm-up: the first request after sign-in does more
    few = count_statements(lambda: pages.append(client.get("/").get_data(as_text=True)))
    html = pages[0]
    assert "PT Terlambat 0" in html and "Tindak lanjut 1" in html and "terlambat" in html
    build(8)
    many = count_statements(lambda: pages.append(client.get("/").get_data(as_text=True)))
    assert many == few


@pytest.mark.parametrize(
    "query",
    [
        "?q='%22%3C",
        "?after=xyz",
        "?after=WyJ4IiwxXQ",
        "?account=99999999999999999999999",
        "?author=-1",
        "?from=2026-13-01&to=kemarin",
        "?type=zzz&status=zzz",
    ],
)
def test_malformed_filters_do_not_break_the_list(db, client, login_as, query):
    login_as(UserFactory(role="rm"))
    assert client.get(f"/meetings/{query}").status_code == 200
    with client.get(f"/meetings/export.csv{query}") as resp:
        assert resp.status_code == 200


def test_unknown_or_oversized_ids_are_404(db, client, login_as):
    login_as(UserFactory(role="rm"))
    for url in ("/meetings/999999", "/meetings/999999.ics", "/meetings/99999999999999999999"):
        assert client.get(url).status_code == 404
    assert client.get("/meetings/new?account=999999").status_code == 404
