"""What `flask serve` (`make run`) keeps running: the embedded Redis, the worker, the
scheduler and the web server, each a child process restarted with backoff when it dies
(the web keeps serving while a new worker starts), all stopped in order on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import click

from crm.config import ROOT
from crm.queue import die_with_parent

STABLE_SECONDS = 60  # a child that ran this long before dying starts the backoff afresh
MAX_BACKOFF_SECONDS = 30


def backoff_seconds(failures: int) -> float:
    """1 s after the first death, then 2, 4, 8, 16, capped at 30 s."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** max(0, failures - 1)))


def spawn(argv: list[str]) -> subprocess.Popen:
    """A child in its own session (Ctrl-C reaches only the supervisor) that dies with us."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, start_new_session=True, preexec_fn=die_with_parent
    )


def log(message: str) -> None:
    click.echo(f"[serve {time.strftime('%H:%M:%S')}] {message}")


@dataclass
class Child:
    name: str
    start: Callable[[], subprocess.Popen]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None

    def launch(self, now: float) -> None:
        self.proc = self.start()
        self.started_at, self.restart_at = now, None


class Supervisor:
    """Starts the children in order and keeps them running until stopped."""

    def __init__(self, children: list[Child], clock: Callable[[], float] = time.monotonic):
        self.children = children
        self.clock = clock

    def check(self) -> None:
        """Notice dead children, and start again those whose backoff has passed."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._restart(child, now)
                continue
            code = child.proc.poll() if child.proc else None
            if code is None:
                continue
            ran = now - child.started_at
            child.failures = 1 if ran >= STABLE_SECONDS else child.failures + 1
            delay = backoff_seconds(child.failures)
            log(
                f"{child.name} (pid {child.proc.pid}) exited with code {code} after {ran:.0f} s;"
                f" restarting in {delay:.0f} s"
            )
            child.restart_at = now + delay

    def _restart(self, child: Child, now: float) -> None:
        try:
            child.launch(now)
        except Exception as exc:  # e.g. Redis refused to start: try again after a longer wait
            child.failures += 1
            delay = backoff_seconds(child.failures)
            log(f"{child.name} could not start ({exc}); next try in {delay:.0f} s")
            child.restart_at = now + delay
            return
        log(f"{child.name} restarted (pid {child.proc.pid})")

    def run_forever(self, tick: float = 0.5) -> None:
        while True:
            self.check()
            time.sleep(tick)

    def stop_all(self) -> None:
        """The last started first (web, scheduler, worker), Redis last; 15 s each."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        click.echo("\nStopping web server, scheduler, worker and Redis ...")
        for child in reversed(self.children):
            proc = child.proc
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
