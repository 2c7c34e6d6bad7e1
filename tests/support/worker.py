"""Driving a real worker process: start, wait, read a job, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from crm.jobs.models import BackgroundJob


def read_job(db, job_id: str) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    db.session.commit()  # end the read transaction: never hold SQLite's lock while waiting
    return job


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
