"""Approvals at the same moment: two supervisors (or one double-click) on one letter, a bulk
selection and a batch's approve-all posted twice, and 20 sessions on 20 letters. Each letter
is approved once, with one `approved` event, one audit row and one render job, and the
numbers stay gapless. Run over HTTP with real sessions, on PostgreSQL in CI (row locks) and
on SQLite (one writer) here; the number counter is held locked while the requests arrive,
so they really do overlap. A crash between the approval's commit and the enqueue leaves
nothing stranded: the next sweep renders every letter once."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from crm import queue as rq_queue
from crm.audit import AuditLog
from crm.auth.models import User
from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db as _db
from crm.jobs.models import BackgroundJob
from crm.jobs.services import sweep_stuck_jobs
from crm.letters import bulk, services, workflow
from crm.letters.jobs import RENDER_KIND
from crm.letters.models import Letter, LetterBatch, LetterEvent, LetterSequence
from tests.conftest import CSRF_META, PASSWORD
from tests.factories import AccountFactory, UserFactory
from tests.support.queue import work

pytestmark = [pytest.mark.live, pytest.mark.slow]
REPEAT = 10


@pytest.fixture
def team(db):
    rm = UserFactory(role="rm")
    bosses = [UserFactory(role="supervisor") for _ in range(2)]
    account = AccountFactory(rm=rm)
    _db.session.commit()
    return rm.id, [b.id for b in bosses], account.id


def submitted_letters(rm_id: int, account_id: int, n: int, batch_id=None) -> list[int]:
    rm = _db.session.get(User, rm_id)
    from crm.accounts.models import Account

    account = _db.session.get(Account, account_id)
    ids = []
    for _ in range(n):
        letter = services.draft_letter(account, "undangan", rm)
        letter.batch_id = batch_id
        workflow.submit_letter(letter, rm)
        ids.append(letter.id)
    _db.session.commit()
    return ids


def emails_of(user_ids: list[int]) -> list[str]:
    """The users' e-mails; the test's own transaction then ends, so it holds no lock."""
    emails = [_db.session.get(User, i).email for i in user_ids]
    _db.session.rollback()
    return emails


class Browser:
    """A signed-in supervisor's own session (cookie jar), usable from a thread."""

    def __init__(self, app, email: str) -> None:
        self.app = app
        self.client = app.test_client()
        with app.app_context():
            page = self.client.get("/login").get_data(as_text=True)
            token = CSRF_META.search(page).group(1)
            resp = self.client.post(
                "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
            )
            assert resp.status_code == 302
            page = self.client.get("/profile").get_data(as_text=True)
            self.token = CSRF_META.search(page).group(1)

    def post(self, url: str, data: dict | None = None):
        with self.app.app_context():
            return self.client.post(
                url, data={"csrf_token": self.token, **(data or {})}, follow_redirects=True
            )


@contextmanager
def number_counter_held(app, code: str = "UND"):
    """Hold the letter-number counter locked (another transaction taking a number), so
    every approval sent meanwhile is in flight at once when it is let go."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # SQLite's one write lock
        try:
            yield lambda n: time.sleep(0.5)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    year = today_local().year
    with app.app_context():
        if _db.session.get(LetterSequence, (code, year)) is None:
            _db.session.add(LetterSequence(code=code, year=year, last=0))
            _db.session.commit()
        _db.session.remove()
    # Its own engine: the app's pool is exactly what the requests compete for.
    outside = create_engine(url, poolclass=NullPool)
    conn = outside.connect()
    trans = conn.begin()
    conn.execute(
        select(LetterSequence.last)
        .where(LetterSequence.code == code, LetterSequence.year == year)
        .with_for_update()
    )

    def wait_for_waiters(n: int) -> None:
        """Until n other sessions wait on a lock (the counter or a letter row)."""
        deadline = time.monotonic() + 60
        with outside.connect() as probe:
            while time.monotonic() < deadline:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()"
                    )
                ).scalar()
                if waiting >= n:
                    return
                time.sleep(0.05)
        raise AssertionError(f"fewer than {n} requests waited on the lock")

    try:
        yield wait_for_waiters
    finally:
        trans.rollback()
        conn.close()
        outside.dispose()


def race(app, requests: list, waiters: int = 2) -> list:
    """Send every request from its own thread while the number counter is held; let it go
    once `waiters` of them wait on a lock; return the responses once all have finished."""
    results: list = [None] * len(requests)

    def run(i: int, call) -> None:
        try:
            results[i] = call()
        except BaseException as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(requests)]
    waited = None
    with number_counter_held(app) as wait_for_waiters:
        for t in threads:
            t.start()
        try:
            wait_for_waiters(waiters)
        except AssertionError as exc:  # still join below: no request may outlive the test
            waited = exc
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a request never finished"
    if waited is not None:
        raise waited
    return results


def approvals_of(ids: list[int]) -> dict:
    _db.session.expire_all()
    letters = _db.session.scalars(select(Letter).where(Letter.id.in_(ids))).all()
    events = _db.session.execute(
        select(LetterEvent.letter_id, func.count())
        .where(LetterEvent.letter_id.in_(ids), LetterEvent.kind == "approved")
        .group_by(LetterEvent.letter_id)
    ).all()
    audits = _db.session.execute(
        select(AuditLog.entity_id, func.count())
        .where(AuditLog.action == "letter.approved", AuditLog.entity_type == "letter")
        .where(AuditLog.entity_id.in_([str(i) for i in ids]))
        .group_by(AuditLog.entity_id)
    ).all()
    jobs = _db.session.scalars(select(BackgroundJob).where(BackgroundJob.kind == RENDER_KIND))
    in_jobs = [i for job in jobs for i in job.params["letter_ids"] if i in ids]
    return {
        "statuses": {x.status for x in letters},
        "events": dict(events),
        "audits": {int(k): v for k, v in audits},
        "in_jobs": sorted(in_jobs),
    }


def assert_gapless() -> None:
    """Every number of the counter is held by exactly one letter: nothing burnt."""
    _db.session.expire_all()
    year = today_local().year
    last = _db.session.get(LetterSequence, ("UND", year)).last
    seqs = sorted(
        _db.session.scalars(
            select(Letter.number_seq).where(Letter.number_code == "UND", Letter.number_year == year)
        )
    )
    assert seqs == list(range(1, last + 1)), seqs
    _db.session.rollback()


def assert_once_each(ids: list[int]) -> None:
    seen = approvals_of(ids)
    assert seen["statuses"] == {"approved"}
    assert seen["events"] == dict.fromkeys(ids, 1)
    assert seen["audits"] == dict.fromkeys(ids, 1)
    assert seen["in_jobs"] == sorted(ids)  # one render job holds each letter, once
    _db.session.rollback()


def test_one_letter_approved_from_two_sessions_at_once_is_numbered_once(app, team):
    rm_id, boss_ids, account_id = team
    emails = emails_of(boss_ids)
    first, second = Browser(app, emails[0]), Browser(app, emails[1])
    all_ids = []
    for _ in range(REPEAT):
        (letter_id,) = submitted_letters(rm_id, account_id, 1)
        all_ids.append(letter_id)
        url = f"/letters/{letter_id}/approve"
        results = race(app, [lambda u=url: first.post(u), lambda u=url: second.post(u)])
        bodies = [r.get_data(as_text=True) for r in results]
        assert all(r.status_code == 200 for r in results)
        assert sum("disetujui dan diberi nomor" in b for b in bodies) == 1
        refused = [b for b in bodies if "sudah disetujui oleh" in b]
        assert len(refused) == 1 and re.search(r"dengan nomor UND/\d+/", refused[0])
        assert_once_each([letter_id])
    assert_gapless()
    assert_once_each(all_ids)


def test_a_bulk_selection_posted_twice_numbers_each_letter_once(app, team):
    rm_id, boss_ids, account_id = team
    boss = Browser(app, emails_of(boss_ids)[0])
    for _ in range(REPEAT):
        ids = submitted_letters(rm_id, account_id, 5)
        form = {"ids": [str(i) for i in ids]}
        results = race(app, [lambda f=form: boss.post("/letters/approvals", f)] * 2)
        assert all(r.status_code == 200 for r in results)
        assert_once_each(ids)
    assert_gapless()


def test_a_batch_approve_all_posted_twice_numbers_each_letter_once(app, team):
    rm_id, boss_ids, account_id = team
    boss = Browser(app, emails_of(boss_ids)[0])
    for _ in range(REPEAT):
        batch = LetterBatch(letter_type="pemberitahuan", created_by_id=rm_id, source="uji", size=3)
        _db.session.add(batch)
        _db.session.commit()
        ids = submitted_letters(rm_id, account_id, 3, batch_id=batch.id)
        url = f"/letters/batches/{batch.id}/approve"
        results = race(app, [lambda u=url: boss.post(u)] * 2)
        assert all(r.status_code == 200 for r in results)
        bodies = [r.get_data(as_text=True) for r in results]
        assert sum("3 surat disetujui" in b for b in bodies) == 1
        # PostgreSQL: the second post waited on the rows; SQLite: on the write lock.
        nothing_left = ("sudah disetujui; tidak ada nomor", "Tidak ada surat yang menunggu")
        assert sum(any(m in b for m in nothing_left) for b in bodies) == 1
        assert_once_each(ids)
        assert bulk.status_counts(batch.id) == {"approved": 3}
    assert_gapless()


def test_twenty_sessions_on_twenty_letters_get_twenty_consecutive_numbers(app, team):
    rm_id, boss_ids, account_id = team
    emails = emails_of(boss_ids)
    ids = submitted_letters(rm_id, account_id, 20)
    browsers = [Browser(app, emails[i % 2]) for i in range(20)]
    calls = [
        lambda b=b, i=i: b.post(f"/letters/{i}/approve") for b, i in zip(browsers, ids, strict=True)
    ]
    results = race(app, calls)
    assert all(r.status_code == 200 for r in results), results
    assert_once_each(ids)
    assert_gapless()
    _db.session.expire_all()
    seqs = sorted(_db.session.scalars(select(Letter.number_seq).where(Letter.id.in_(ids))))
    assert seqs == list(range(seqs[0], seqs[0] + 20))


def test_a_crash_after_the_approval_commit_strands_nothing(app, team):
    """Two crashes: after the approval committed but before its job reached Redis (today's
    code: the job row is committed with the approval), and a letter approved with no job
    at all (what the old two-transaction approval left behind). The next sweep renders
    each letter exactly once."""
    rm_id, boss_ids, account_id = team
    boss = _db.session.get(User, boss_ids[0])
    ids = submitted_letters(rm_id, account_id, 4)
    from crm.letters.jobs import start_render

    letters = workflow.approve_letters(ids[:2], boss)
    start_render([x.id for x in letters], boss)
    _db.session.info.pop(rq_queue._PENDING_KEY, None)  # the process dies before the enqueue
    _db.session.commit()
    for letter in workflow.approve_letters(ids[2:], boss):  # approved, then the crash
        assert letter.render_job_id is None
    _db.session.commit()
    q = Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection())
    assert q.job_ids == []

    later = utcnow() + timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)
    report = sweep_stuck_jobs(now=later)
    _db.session.commit()
    assert len(report.redispatched) == 1 and report.repaired["letters.stranded"] == 2
    work(app)
    _db.session.expire_all()
    letters = _db.session.scalars(select(Letter).where(Letter.id.in_(ids))).all()
    assert {x.status for x in letters} == {"issued"}
    issued = _db.session.execute(
        select(LetterEvent.letter_id, func.count())
        .where(LetterEvent.letter_id.in_(ids), LetterEvent.kind == "issued")
        .group_by(LetterEvent.letter_id)
    ).all()
    assert dict(issued) == dict.fromkeys(ids, 1)
    # A second sweep finds nothing left to do.
    again = sweep_stuck_jobs(now=later + timedelta(minutes=5))
    assert again.redispatched == [] and again.repaired["letters.stranded"] == 0
