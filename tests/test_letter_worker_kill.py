"""A real worker killed hard in the middle of rendering a batch of 200 letters: a new
worker's sweeper recovers the job, and every letter ends issued exactly once, with one
stored PDF and a number of one unbroken sequence."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm import storage
from crm.config import ROOT
from crm.letters import jobs, workflow
from crm.letters.bulk import create_batch
from crm.letters.models import Letter, LetterEvent
from tests.factories import AccountFactory, UserFactory
from tests.support.worker import read_job, stop, wait_for

pytestmark = [pytest.mark.live, pytest.mark.slow]

N = 200


def start_worker(app, database_url: str, redis_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CRM_INSTANCE_PATH": str(app.config["INSTANCE_PATH"]),
        "CRM_FILE_STORE": str(app.config["FILE_STORE"]),
        "JOB_HEARTBEAT_SECONDS": "0.3",
        "JOB_LEASE_SECONDS": "3",
        "SWEEP_EVERY_SECONDS": "1",
        "SCHEDULER_TICK_SECONDS": "0.5",
        "PYTHONPATH": str(ROOT),
    }
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (RQ's work horses run in their own session)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_hard(proc: subprocess.Popen) -> list[int]:
    """The worker, its process group and every horse die at once, with no cleanup."""
    horses = descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in horses:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return horses


def issued_count(db, ids: list[int]) -> int:
    n = db.session.scalar(
        select(func.count())
        .select_from(Letter)
        .where(Letter.id.in_(ids), Letter.status == "issued")
    )
    db.session.commit()  # never hold SQLite's lock while waiting
    return n


def test_a_worker_killed_mid_batch_is_recovered_and_every_letter_is_issued_once(
    app, db, database_url, redis_url, tmp_path
):
    started = time.monotonic()
    rm = UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    accounts = [AccountFactory(rm=rm, name=f"PT Kumpulan {i:03d}") for i in range(N)]
    db.session.flush()
    batch, draft_job = create_batch(
        "ajakan_kepesertaan", [(a.id, None) for a in accounts], rm, "test"
    )
    assert draft_job is None  # 200 ≤ LETTER_BULK_SYNC_MAX: drafted at once
    letters = db.session.scalars(
        select(Letter).where(Letter.batch_id == batch.id).order_by(Letter.id)
    ).all()
    assert len(letters) == N
    for letter in letters:
        workflow.submit_letter(letter, rm)
    ids = [letter.id for letter in letters]
    approved = workflow.approve_letters(ids, supervisor)
    assert len(approved) == N
    job = jobs.start_render(ids, supervisor)
    db.session.commit()
    prepared = time.monotonic() - started

    log = tmp_path / "worker.log"
    workers: list[subprocess.Popen] = []
    try:
        first = start_worker(app, database_url, redis_url, log)
        workers.append(first)
        wait_for(lambda: issued_count(db, ids) >= 20, 60, "the first letters to be issued")
        horses = kill_hard(first)
        t_kill = time.monotonic() - started
        killed_at = issued_count(db, ids)
        assert horses, "the worker had no work horse when it was killed"
        assert 20 <= killed_at < N, killed_at  # really killed mid-batch
        mid = read_job(db, job.id)
        assert mid.status == "running"

        second = start_worker(app, database_url, redis_url, log)
        workers.append(second)
        wait_for(lambda: issued_count(db, ids) > killed_at, 60, "the job to be recovered")
        t_recovered = time.monotonic() - started
        wait_for(lambda: issued_count(db, ids) == N, 90, "all letters to be issued")
        wait_for(lambda: read_job(db, job.id).status == "done", 30, "the job to finish")
        time.sleep(1)  # give a duplicate run the chance to show itself
    finally:
        for proc in workers:
            for pid in descendants(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            stop(proc)
    elapsed = time.monotonic() - started

    done = read_job(db, job.id)
    assert done.dispatch >= 2  # re-dispatched after the kill
    rows = db.session.execute(
        select(
            Letter.id,
            Letter.status,
            Letter.number,
            Letter.number_code,
            Letter.number_year,
            Letter.number_seq,
            Letter.pdf_key,
        ).where(Letter.id.in_(ids))
    ).all()
    assert {r.status for r in rows} == {"issued"}
    assert len({(r.number_code, r.number_year) for r in rows}) == 1
    assert sorted(r.number_seq for r in rows) == list(range(1, N + 1))
    assert len({r.number for r in rows}) == N
    keys = [r.pdf_key for r in rows]
    assert None not in keys and len(set(keys)) == N
    assert all(storage.exists(k) for k in keys)
    issued_events = dict(
        db.session.execute(
            select(LetterEvent.letter_id, func.count())
            .where(LetterEvent.letter_id.in_(ids), LetterEvent.kind == "issued")
            .group_by(LetterEvent.letter_id)
        ).all()
    )
    assert issued_events == dict.fromkeys(ids, 1)
    db.session.commit()
    print(
        f"prepared {prepared:.1f}s, killed at {t_kill:.1f}s with {killed_at} issued, "
        f"recovered at {t_recovered:.1f}s, total {elapsed:.1f}s"
    )
