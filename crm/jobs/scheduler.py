"""Periodic tasks: one scheduler loop per worker process, each slot claimed once in the DB."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from crm.db import utcnow
from crm.extensions import db
from crm.jobs.models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass
class Periodic:
    name: str
    every: Callable[[dict], int]  # seconds, read from config so tests and admins can tune it
    func: Callable[[], object]
    offset_seconds: int = 0  # e.g. a daily task at 01:00 Jakarta time

    def slot(self, now: datetime, config: dict) -> int:
        return int((now.timestamp() - self.offset_seconds) // self.every(config))


PERIODIC: dict[str, Periodic] = {}


def periodic(name: str, every: Callable[[dict], int], offset_seconds: int = 0) -> Callable:
    """Register func as a periodic task run once per slot across every worker machine."""

    def decorator(func: Callable) -> Callable:
        PERIODIC[name] = Periodic(name, every, func, offset_seconds)
        return func

    return decorator


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_slot(name: str, slot: int, node: str) -> bool:
    """Insert the (name, slot) row; False when another node already has it."""
    try:
        with db.session.begin_nested():
            db.session.add(ScheduledRun(name=name, slot=slot, node=node))
    except IntegrityError:
        return False
    db.session.commit()
    return True


def tick(config: dict, now: datetime | None = None, node: str | None = None) -> list[str]:
    """Run every periodic task whose current slot nobody has claimed yet; returns their names."""
    now = now or utcnow()
    node = node or node_name()
    ran = []
    for task in list(PERIODIC.values()):
        if not claim_slot(task.name, task.slot(now, config), node):
            continue
        try:
            task.func()
            db.session.commit()
            ran.append(task.name)
        except Exception:
            db.session.rollback()
            log.exception("periodic task %s failed", task.name)
    if ran:
        db.session.execute(
            delete(ScheduledRun).where(ScheduledRun.claimed_at < now - timedelta(days=7))
        )
        db.session.commit()
    return ran


class SchedulerThread(threading.Thread):
    """Ticks every SCHEDULER_TICK_SECONDS inside its own app context."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="relasi-scheduler", daemon=True)
        self.app = app
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = self.app.config["SCHEDULER_TICK_SECONDS"]
        while not self.stopped.is_set():
            with self.app.app_context():
                try:
                    tick(self.app.config)
                except Exception:
                    log.exception("scheduler tick failed")
                finally:
                    db.session.remove()
            self.stopped.wait(interval)
