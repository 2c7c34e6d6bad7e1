"""Real worker processes: a worker killed mid-job, restarted, finishes the job exactly once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

import tests.support.jobs  # noqa: F401 - registers test.slow in this process too
from crm.audit import AuditLog
from crm.config import ROOT
from crm.jobs import services
from tests.support.worker import read_job, stop, wait_for

pytestmark = [pytest.mark.live, pytest.mark.slow]


def start_worker(app, database_url: str, redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CRM_INSTANCE_PATH": str(app.config["INSTANCE_PATH"]),
        "CRM_JOB_MODULES": "tests.support.jobs",
        # Short clocks so the test takes seconds: heartbeat, lease, sweeper and scheduler.
        "JOB_HEARTBEAT_SECONDS": "0.3",
        "JOB_LEASE_SECONDS": "3",
        "SWEEP_EVERY_SECONDS": "1",
        "SCHEDULER_TICK_SECONDS": "0.5",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_hard(proc: subprocess.Popen, horse_pid: int) -> None:
    """Like a machine losing power: the worker and its work horse die at once, no cleanup."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(horse_pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_killed_worker_job_completes_exactly_once_after_restart(
    app, db, database_url, redis_url, tmp_path
):
    log = tmp_path / "starts.log"
    job = services.create_job("test.slow", params={"steps": 12, "delay": 0.25, "log": str(log)})
    db.session.commit()

    first = start_worker(app, database_url, redis_url)
    try:
        wait_for(lambda: read_job(db, job.id).progress_done >= 2, 60, "the job to make progress")
        horse_pid = int(log.read_text().split()[0])
        kill_hard(first, horse_pid)
    finally:
        stop(first)
    mid = read_job(db, job.id)
    assert mid.status == "running" and mid.progress_done < 12  # really killed mid-way

    second = start_worker(app, database_url, redis_url)
    try:
        done = wait_for(
            lambda: (j := read_job(db, job.id)).status == "done" and j, 90, "completion"
        )
        time.sleep(2)  # give any duplicate run the chance to show itself
    finally:
        stop(second)

    done = read_job(db, job.id)
    assert done.status == "done" and done.result == {"steps": 12}
    assert done.dispatch >= 2  # re-dispatched by the second worker's sweeper
    starts = [line for line in log.read_text().split("\n") if line]
    assert len(starts) >= 2  # it started again after the kill ...
    completions = db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "test.slow.done")
    )
    assert completions == 1  # ... and completed exactly once
    sweep = db.session.scalar(select(AuditLog).where(AuditLog.action == "job.sweep"))
    assert sweep is not None and job.id in sweep.after["redispatched"]


def test_worker_runs_a_job_end_to_end(app, db, database_url, redis_url, tmp_path):
    log = tmp_path / "starts.log"
    job = services.create_job("test.slow", params={"steps": 2, "delay": 0.05, "log": str(log)})
    db.session.commit()
    worker = start_worker(app, database_url, redis_url)
    try:
        wait_for(lambda: read_job(db, job.id).status == "done", 60, "the job to finish")
    finally:
        stop(worker)
    assert read_job(db, job.id).dispatch == 1
