"""Periodic tasks: each slot runs once however many worker machines tick."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.db import utcnow
from crm.extensions import db as _db
from crm.jobs import scheduler
from crm.jobs.models import ScheduledRun


@pytest.fixture
def counting_task(monkeypatch):
    calls = []
    monkeypatch.setitem(
        scheduler.PERIODIC,
        "test.count",
        scheduler.Periodic("test.count", lambda cfg: 60, lambda: calls.append(1)),
    )
    return calls


def test_two_nodes_in_the_same_slot_run_the_task_once(app, counting_task):
    now = utcnow().replace(second=10, microsecond=0)  # both ticks inside one 60 s slot
    first = scheduler.tick(app.config, now=now, node="mesin-a:1")
    second = scheduler.tick(app.config, now=now + timedelta(seconds=5), node="mesin-b:2")
    assert "test.count" in first and "test.count" not in second
    assert len(counting_task) == 1


def test_the_next_slot_runs_again(app, counting_task):
    now = utcnow()
    scheduler.tick(app.config, now=now, node="a")
    scheduler.tick(app.config, now=now + timedelta(seconds=61), node="b")
    assert len(counting_task) == 2


def test_the_sweeper_is_a_registered_periodic_task():
    assert "jobs.sweep" in scheduler.PERIODIC


@pytest.mark.live
def test_concurrent_nodes_race_for_one_slot_and_one_wins(app, monkeypatch):
    """Eight threads, each its own app context and DB connection, tick at the same instant."""
    calls = []
    lock = threading.Lock()

    def task():
        with lock:
            calls.append(1)

    monkeypatch.setattr(
        scheduler,
        "PERIODIC",
        {"test.race": scheduler.Periodic("test.race", lambda cfg: 3600, task)},
    )
    now = utcnow()
    barrier = threading.Barrier(8)
    errors = []

    def node(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                scheduler.tick(app.config, now=now, node=f"node-{i}")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=node, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(calls) == 1
    assert _db.session.scalar(select(func.count()).select_from(ScheduledRun)) == 1
