"""Paging cursors are signed: a link can only carry values one of our pages wrote, and a
changed one shows page 1 with a notice instead of an error."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from crm.pagination import decode_cursor, encode_cursor
from tests.factories import AccountFactory, UserFactory
from tests.support.supply_chain import parent_with_rm

NOTICE = "Tautan halaman tidak valid; menampilkan halaman pertama."


def unsigned(raw: str) -> str:
    """A cursor as the old, unsigned pages wrote it (base64 JSON): what a tamperer sends."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


TAMPERED = [
    "W251bGwsbnVsbF0=",  # [null,null], as the security review sent it
    unsigned('["a", 99999999999999999999999]'),
    unsigned("[1, 2]"),
    "not-a-cursor",
    "x" * 5000,
]


def test_a_cursor_reads_back_its_values_and_only_its_values(app):
    with app.test_request_context():
        cursor = encode_cursor(["PT Baja", date(2026, 1, 2), 42])
        assert decode_cursor(cursor, 3) == ["PT Baja", "2026-01-02", 42]
        assert decode_cursor(cursor, 2) is None  # the wrong width
        forged = cursor.replace(cursor[2], "A" if cursor[2] != "A" else "B", 1)
        assert decode_cursor(forged, 3) is None
        assert decode_cursor(unsigned('["PT Baja","2026-01-02",42]'), 3) is None


@pytest.mark.parametrize("cursor", TAMPERED)
@pytest.mark.parametrize("where", ["accounts", "jobs", "supply_chain"])
def test_a_tampered_cursor_shows_page_one_with_a_notice(db, client, login_as, cursor, where):
    user = login_as(UserFactory(role="supervisor"))
    path = {"accounts": "/accounts/", "jobs": "/jobs/"}.get(where)
    if path is None:
        parent = parent_with_rm(name="PT Induk Rantai")
        parent.rm = user
        db.session.flush()
        path = f"/supply-chain/{parent.id}"
    else:
        AccountFactory(name="PT Halaman Satu", rm=user)
    resp = client.get(f"{path}?after={cursor}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[-1500:]
    assert NOTICE in resp.get_data(as_text=True)


def test_the_next_page_link_still_works(db, client, login_as, app):
    rm = login_as(UserFactory(role="rm"))
    for i in range(app.config["PAGE_SIZE"] + 3):
        AccountFactory(name=f"PT Urut {i:03d}", rm=rm)
    first = client.get("/accounts/").get_data(as_text=True)
    cursor = first.split("after=")[1].split('"')[0].split("&")[0]
    second = client.get(f"/accounts/?after={cursor}").get_data(as_text=True)
    assert NOTICE not in second
    assert "PT Urut 000" not in second and f"PT Urut {app.config['PAGE_SIZE'] + 2:03d}" in second
