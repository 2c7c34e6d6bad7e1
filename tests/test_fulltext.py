"""Word search of meetings (crm.fulltext): prefixes, every write kept in step, confidentiality,
and the same answer whether the index's match list is short (lookups) or long (a scan)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, text

from crm import fulltext
from crm.db import utcnow
from crm.extensions import db as _db
from crm.meetings import queries
from crm.meetings.models import Interaction
from tests.factories import AccountFactory, UserFactory
from tests.support.meetings import log


@pytest.fixture
def meetings(db):
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm, name="PT Kata Kunci")
    now = utcnow()

    def meeting(days: int, agenda: str, minutes: str = "", **fields):
        return log(
            account, rm, now + timedelta(days=days), agenda=agenda, minutes=minutes, **fields
        )

    made = {
        "arrears": meeting(-3, "Rapat rutin", "Tindak lanjut tunggakan iuran; jadwal bertahap."),
        "vendor": meeting(-2, "Rantai pasok Nusantara", "Pendaftaran pekerja vendor."),
        "secret": meeting(-1, "Restrukturisasi", "Rencana PHK 300 pekerja", confidential=True),
        "planned": meeting(4, "Sosialisasi tunggakan", status="planned"),
    }
    return rm, account, made


def _found(viewer, q: str) -> set[int]:
    f = queries.InteractionFilters(q=q)
    return set(
        _db.session.scalars(queries.interaction_query(f, viewer).with_only_columns(Interaction.id))
    )


def test_words_match_whole_the_last_by_prefix_in_any_case_and_all_must_match(meetings):
    rm, _account, m = meetings
    assert _found(rm, "TUNGGA") == {m["arrears"].id, m["planned"].id}
    assert _found(rm, "tunggakan bertahap") == {m["arrears"].id}
    assert _found(rm, "tunggakan vendor") == set()  # each word, in one meeting's text
    assert _found(rm, "nusantara") == {m["vendor"].id}
    assert _found(rm, "iuran tungga") == {m["arrears"].id}  # the word being typed: a prefix
    assert _found(rm, "tungga iuran") == set()  # the words before it: whole words


@pytest.mark.parametrize("q", ["%", "_", "%%%", "' OR 1=1 --", '"', "*", "NEAR(", "a:b", "\\"])
def test_wildcards_and_query_syntax_are_plain_text_not_operators(meetings, q):
    rm, _account, _m = meetings
    assert _found(rm, q) == set()


def test_an_edit_and_a_delete_keep_the_index_in_step(meetings):
    rm, _account, m = meetings
    meeting = m["vendor"]
    meeting.minutes = "Sekarang soal beasiswa anak peserta."
    _db.session.flush()
    assert _found(rm, "beasiswa") == {meeting.id}
    assert _found(rm, "vendor") == set()
    _db.session.execute(delete(Interaction).where(Interaction.id == meeting.id))
    assert _found(rm, "beasiswa") == set()


def test_confidential_minutes_match_only_for_those_who_may_read_them(meetings):
    rm, _account, m = meetings
    other = UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    assert _found(rm, "phk") == {m["secret"].id}
    assert _found(supervisor, "phk") == {m["secret"].id}
    assert _found(other, "phk") == set()
    assert _found(other, "restrukturisasi") == {m["secret"].id}  # the agenda is not secret


def test_a_long_match_list_gives_the_same_pages_as_a_short_one(db, client, login_as, monkeypatch):
    """Over SPARSE_CAP matches the search scans in list order instead of looking ids up."""
    rm = login_as(UserFactory(role="rm"))
    account = AccountFactory(rm=rm)
    now = utcnow()
    ids = [
        log(
            account,
            rm,
            now - timedelta(hours=i),
            agenda="Rapat" if i % 2 else "Koordinasi",
            minutes=f"Catatan tunggakan nomor {i}",
        ).id
        for i in range(12)
    ]
    log(account, rm, now, agenda="Lain", minutes="Tidak ada kata itu")

    def walk() -> list[int]:
        seen, url = [], "/meetings/?author=all&q=tunggakan"
        while url:
            html = client.get(url).get_data(as_text=True)
            seen += [int(x) for x in re.findall(r'href="/meetings/(\d+)"', html)]
            more = re.search(r'href="(/meetings/\?[^"]*after=[^"]+)"', html)
            url = more.group(1).replace("&amp;", "&") if more else None
        return list(dict.fromkeys(seen))

    monkeypatch.setattr("crm.meetings.views.PER_PAGE", 5)
    short = walk()
    monkeypatch.setattr(fulltext, "SPARSE_CAP", 3)
    monkeypatch.setattr(fulltext, "PG_SPARSE_CAP", 3)
    long = walk()
    monkeypatch.setattr(fulltext, "SQLITE_SET_CAP", 3)
    per_row = walk()
    assert short == long == per_row == ids  # newest first, every match once, on three pages


def test_search_rebuild_command_restores_a_damaged_index(app, meetings):
    rm, _account, m = meetings
    if _db.session.get_bind().dialect.name == "sqlite":
        _db.session.execute(text("DELETE FROM interaction_fts_data WHERE id > 10"))
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "interaction" in result.output
    assert _found(rm, "tunggakan") == {m["arrears"].id, m["planned"].id}


def test_a_long_match_list_walks_the_ordered_index_of_meetings_with_minutes(meetings, monkeypatch):
    """No sort of every match: SQLite walks ix_interaction_starts_private and stops early."""
    if _db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan check reads SQLite's EXPLAIN QUERY PLAN")
    rm, _account, _m = meetings
    monkeypatch.setattr(fulltext, "SPARSE_CAP", 0)
    stmt = queries.list_statements(queries.InteractionFilters(q="tunggakan"), rm)[-1]
    stmt = stmt.with_only_columns(Interaction.starts_at, Interaction.id)
    stmt = stmt.order_by(Interaction.starts_at.desc(), Interaction.id.desc()).limit(51)
    sql = stmt.compile(_db.session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = str(_db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all())
    assert "ix_interaction_starts_private" in plan and "TEMP B-TREE" not in plan


WORDY = [
    "Tunggakán iuran Rp 1.500.000 per_bulan",
    "ÉLAN vital; PT Maju-Jaya",
    "catatan2026 rapat ke-3",
    "Straße und Öl",
]


@pytest.mark.parametrize(
    "q",
    [
        "tunggakan",
        "TUNGGA",
        "elan",
        "maju jaya",
        "jaya",
        "2026",
        "catatan",
        "ke 3",
        "bulan",
        "per",
        "strasse",
        "straße",
        "ol",
        "rp 500",
    ],
)
def test_the_per_row_test_agrees_with_the_index_on_what_a_word_is(db, monkeypatch, q):
    """A very common word is tested on each row's text (crm.textmatch) instead of through
    the index: both must find the same meetings."""
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm)
    for i, minutes in enumerate(WORDY):
        log(account, rm, utcnow() - timedelta(days=i + 1), agenda="-", minutes=minutes)
    through_index = _found(rm, q)
    monkeypatch.setattr(fulltext, "SPARSE_CAP", 0)
    monkeypatch.setattr(fulltext, "PG_SPARSE_CAP", 0)
    monkeypatch.setattr(fulltext, "PG_DENSE_SHARE", 0.0)
    monkeypatch.setattr(fulltext, "SQLITE_SET_CAP", 0)
    assert _found(rm, q) == through_index
