"""Calendar: hand-written RFC 5545 read back by a real parser; the private feed and its token."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from crm.audit import AuditLog
from crm.db import utcnow
from crm.meetings import ics, services
from tests.conftest import post_form
from tests.factories import AccountFactory, KeyPersonFactory, PositionFactory, UserFactory
from tests.support.meetings import log


def events(data: bytes):
    return Calendar.from_ical(data).walk("VEVENT")


def test_lines_are_folded_at_75_octets_with_crlf_and_text_is_escaped(db, client, login_as):
    rm = UserFactory(role="rm", name='Rina "RM", Jakarta')
    account = AccountFactory(rm=rm, name="PT Sinar; Jaya, Tbk")
    person = PositionFactory(
        account=account, person=KeyPersonFactory(name="Ni Luh Ayu Kadek Wulandari Prameswari")
    ).person
    agenda = "Pembahasan iuran, PDS; SERTAKAN \\ GN Lingkaran — ketenagakerjaan " * 3
    meeting = log(
        account,
        rm,
        utcnow() + timedelta(days=1),
        people=[person],
        status="planned",
        agenda=agenda[:480],
        place="Gedung Ketenagakerjaan, Lt. 5\nRuang Garuda",
    )
    login_as(rm)
    data = client.get(f"/meetings/{meeting.id}.ics").data
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
    event = events(data)[0]
    assert str(event["SUMMARY"]) == "Pertemuan formal: PT Sinar; Jaya, Tbk"
    assert str(event["LOCATION"]) == "Gedung Ketenagakerjaan, Lt. 5\nRuang Garuda"
    assert agenda[:480].strip() in str(event["DESCRIPTION"])
    assert event["ATTENDEE"].params["CN"] == "Ni Luh Ayu Kadek Wulandari Prameswari"
    assert event["ORGANIZER"].params["CN"] == "Rina RM, Jakarta"
    assert str(event["UID"]) == f"interaction-{meeting.id}@relasi"
    assert Calendar.from_ical(data)["METHOD"] == "REQUEST"


def test_fold_never_splits_a_multibyte_character():
    line = "DESCRIPTION:" + "ü" * 100
    folded = ics.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_minutes_never_leave_through_an_invite(db, client, login_as):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm)
    meeting = log(account, rm, utcnow() - timedelta(hours=3), minutes="Angka rahasia 42")
    login_as(rm)
    assert b"Angka rahasia" not in client.get(f"/meetings/{meeting.id}.ics").data


def _feed_url(client) -> str:
    html = post_form(client, "/meetings/feed", {"action": "create"}).get_data(as_text=True)
    return re.search(r'value="(http[^"]+\.ics)"', html).group(1)


def test_feed_token_is_shown_once_works_without_login_and_revoking_makes_it_404(
    db, client, login_as, auth
):
    rm = UserFactory(role="rm")
    mine = AccountFactory(rm=rm, name="PT Punya Saya")
    other = AccountFactory(name="PT Orang Lain")
    log(mine, UserFactory(role="supervisor"), utcnow() + timedelta(days=2), status="planned")
    authored = log(
        other, UserFactory(role="supervisor"), utcnow() + timedelta(days=3), status="planned"
    )
    authored.author_id = rm.id  # logged by the RM before the account moved away
    attended = log(
        other,
        UserFactory(role="supervisor"),
        utcnow() + timedelta(days=4),
        status="planned",
        staff=[rm],
    )
    log(other, UserFactory(role="supervisor"), utcnow() + timedelta(days=5), status="planned")
    login_as(rm)
    url = _feed_url(client)
    path = url.split("localhost", 1)[-1]
    assert db.session.get(type(rm), rm.id).ics_token not in url  # only the digest is stored
    assert "URL kalender Anda aktif" in client.get("/meetings/feed").get_data(as_text=True)
    auth.logout()
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    found = events(resp.data)
    assert len(found) == 3  # on my account, authored by me, attended by me
    assert any(str(e["UID"]) == f"interaction-{attended.id}@relasi" for e in found)
    assert Calendar.from_ical(resp.data)["METHOD"] == "PUBLISH"

    login_as(rm)
    newer = _feed_url(client)
    assert client.get(path).status_code == 404  # rotated: the old URL stops working
    post_form(client, "/meetings/feed", {"action": "revoke"})
    assert client.get(newer.split("localhost", 1)[-1]).status_code == 404
    actions = set(
        db.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(rm.id)))
    )
    assert {"calendar_feed.create", "calendar_feed.rotate", "calendar_feed.revoke"} <= actions


def test_feed_of_a_deactivated_user_is_404_and_cancelled_meetings_drop_out(db, client, login_as):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm)
    meeting = log(account, rm, utcnow() + timedelta(days=2), status="planned")
    login_as(rm)
    path = _feed_url(client).split("localhost", 1)[-1]
    services.cancel_interaction(meeting, rm)
    db.session.flush()
    assert events(client.get(path).data) == []
    rm.active = False
    db.session.flush()
    assert client.get(path).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
