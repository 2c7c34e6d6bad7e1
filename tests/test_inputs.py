"""Numbers and dates typed by users are bounded at one place: out of range is absent
(query string) or a field error (form), never a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.db import utcnow
from crm.forms_common import db_id
from crm.i18n import local_date
from crm.inputs import MAX_ID, parse_date, parse_int
from tests.conftest import post_form
from tests.factories import (
    AccountFactory,
    BranchFactory,
    KeyPersonFactory,
    PositionFactory,
    UserFactory,
)
from tests.support.meetings import log

HUGE = str(2**63)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("42", 42),
        (" 7 ", 7),
        (HUGE, None),
        (str(MAX_ID + 1), None),
        ("-3", None),
        ("0", None),
        ("²", None),
        ("1e3", None),
        ("", None),
        (None, None),
        ("9" * 5000, None),
    ],
)
def test_parse_int_keeps_only_ids_that_fit_a_column(raw, expected):
    assert parse_int(raw) == expected


def test_parse_date_keeps_1900_to_2100():
    assert parse_date("2026-03-01") == date(2026, 3, 1)
    assert parse_date("9999-12-31") is None
    assert parse_date("1899-12-31") is None
    assert parse_date("31-12-2026") is None


def test_select_of_ids_refuses_a_number_beyond_the_column():
    assert db_id("0") == 0 and db_id(str(MAX_ID)) == MAX_ID
    for bad in (HUGE, "-1", "x"):
        with pytest.raises(ValueError):
            db_id(bad)


@pytest.mark.parametrize(
    "path",
    [
        f"/accounts/?rm={HUGE}",
        f"/accounts/?branch={HUGE}",
        f"/accounts/?branch=-{HUGE}",
        f"/meetings/?account={HUGE}&author={HUGE}&from=9999-12-31&to=0001-01-01",
        f"/tasks/?account={HUGE}&assignee={HUGE}",
        f"/cadence/?rm={HUGE}&branch={HUGE}",
        f"/letters/?rm={HUGE}",
        f"/letters/new?interaction={HUGE}",
        f"/letters/new?account={HUGE}",
        f"/sponsorships/?branch={HUGE}&rm={HUGE}&account={HUGE}&end_from=9999-12-31",
        f"/agreements/?account={HUGE}&rm={HUGE}&branch={HUGE}&days={HUGE}",
    ],
)
def test_huge_numbers_in_the_query_string_are_ignored_not_a_500(client, login_as, path):
    login_as(UserFactory(role="supervisor"))
    resp = client.get(path)
    assert resp.status_code in (200, 302, 404), resp.get_data(as_text=True)[-1500:]


@pytest.fixture
def meeting(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm)
    boss = PositionFactory(account=account, level="bod1", person=KeyPersonFactory()).person
    planned = log(account, rm, utcnow() + timedelta(days=3), people=[boss], status="planned")
    return rm, planned


def _plan(**changes):
    day = local_date(utcnow()) + timedelta(days=5)
    form = {
        "type": "formal_meeting",
        "status": "planned",
        "day": day.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "agenda": "Kepatuhan iuran",
        "minutes": "",
    }
    return form | changes


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"day": "9999-12-31"}, "Isi tanggal antara 01-01-1900 dan 31-12-2100."),
        ({"user_ids": [HUGE]}, "Pilih salah satu pilihan yang tersedia."),
        ({"person_ids": ["-5"]}, "Pilih salah satu pilihan yang tersedia."),
    ],
)
def test_meeting_edit_with_an_out_of_range_value_is_a_field_error_and_changes_nothing(
    db, client, login_as, meeting, changes, message
):
    rm, planned = meeting
    before = planned.starts_at
    login_as(rm)
    resp = post_form(client, f"/meetings/{planned.id}/edit", _plan(**changes))
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    db.session.refresh(planned)
    assert planned.starts_at == before and planned.sequence == 0


def test_portfolio_move_with_a_huge_branch_is_a_field_error(db, client, login_as):
    rm_a, rm_b = UserFactory(role="rm"), UserFactory(role="rm")
    account = AccountFactory(rm=rm_a)
    login_as(UserFactory(role="admin"))
    resp = post_form(
        client,
        "/accounts/reassign",
        {"from_rm": rm_a.id, "to_rm": rm_b.id, "branch_office_id": HUGE},
    )
    assert resp.status_code == 200
    assert "Pilih salah satu pilihan yang tersedia." in resp.get_data(as_text=True)
    db.session.refresh(account)
    assert account.rm_id == rm_a.id


def test_account_form_refuses_a_huge_headcount_with_a_message(db, client, login_as):
    account = AccountFactory(rm=UserFactory(role="rm"))
    login_as(UserFactory(role="admin"))
    resp = post_form(
        client,
        f"/accounts/{account.id}/edit",
        {
            "name": account.name,
            "kind": "company",
            "segment": "corporate",
            "status": "active",
            "ownership": "bumn",
            "headcount": HUGE,
            "branch_office_id": "0",
            "rm_id": HUGE,
        },
    )
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "Isi bilangan bulat antara" in text


@pytest.mark.parametrize("q", ["%", "_", "a_i", "\\"])
@pytest.mark.parametrize("path", ["/admin/users/", "/admin/branches/"])
def test_a_typed_like_wildcard_is_a_character_not_match_everything(client, login_as, path, q):
    login_as(UserFactory(role="admin", name="Admin Wildcard", email="wild@relasi.test"))
    UserFactory(name="Sari Lestari", email="sari@relasi.test")
    BranchFactory(name="Kantor Sari", code="SARI-01")
    text = client.get(path, query_string={"q": q}).get_data(as_text=True)
    assert "Sari" not in text and "SARI-01" not in text


def test_account_search_for_a_percent_sign_matches_nothing(client, login_as):
    login_as(UserFactory(role="supervisor"))
    AccountFactory(name="PT Sari Roti")
    text = client.get("/accounts/", query_string={"q": "%", "rm": "all"}).get_data(as_text=True)
    assert "PT Sari Roti" not in text
