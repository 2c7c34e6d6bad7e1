"""`flask serve` (what `make run` starts): up on embedded defaults, demo login, clean Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from crm.cli import DEMO_PASSWORD
from crm.config import ROOT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(int(proc.name))
    return found


def wait_healthy(base: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return resp.read().decode()
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not become healthy")


def start_serve(instance: Path) -> tuple[subprocess.Popen, str]:
    """`flask serve` on the embedded defaults in this instance folder, on a free port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CRM_INSTANCE_PATH=str(instance), PORT=str(port), HOST="127.0.0.1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def test_serve_starts_everything_seeds_demo_and_stops_cleanly_on_ctrl_c(tmp_path):
    proc, base = start_serve(tmp_path)
    try:
        health = wait_healthy(base)
        assert '"redis":{"detail":"ok","ok":true}' in health.replace(" ", "")
        assert (tmp_path / "redis.sock").exists() and (tmp_path / "relasi.sqlite").exists()

        # The demo admin signs in with the documented password.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(f"{base}/login").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = urlencode(
            {"email": "admin@relasi.test", "password": DEMO_PASSWORD, "csrf_token": token}
        ).encode()
        landed = opener.open(f"{base}/login", data=form)
        assert landed.url.endswith("/admin/")
        assert processes_mentioning(str(tmp_path))  # redis, worker and web are running
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert "Relasi is running at" in output and "admin@relasi.test" in output
    assert DEMO_PASSWORD in output
    assert "Stopping web server, scheduler, worker and Redis" in output
    time.sleep(0.5)
    assert processes_mentioning(str(tmp_path)) == []  # no stray process
    assert "Traceback" not in output


def children_of_instance(instance: Path, word: str) -> list[int]:
    """Pids of `flask ... <word>` processes started for this instance folder."""
    found = []
    for pid in processes_mentioning(f"wsgi {word}"):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"CRM_INSTANCE_PATH={instance}".encode() in environ:
            found.append(pid)
    return found


def wait_for_new(instance: Path, word: str, old: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = children_of_instance(instance, word)
        if now and not set(now) & set(old):
            return now
        time.sleep(0.2)
    raise AssertionError(f"no new {word} within {timeout} s")


def test_a_killed_worker_or_scheduler_is_restarted_while_the_web_keeps_answering(tmp_path):
    proc, base = start_serve(tmp_path)
    try:
        wait_healthy(base)
        worker = children_of_instance(tmp_path, "worker")
        scheduler = children_of_instance(tmp_path, "scheduler")
        assert len(worker) == 1 and len(scheduler) == 1
        os.kill(worker[0], signal.SIGKILL)
        killed_at = time.monotonic()
        # The site keeps answering while the worker is down.
        for _ in range(5):
            with urllib.request.urlopen(f"{base}/login", timeout=5) as resp:  # noqa: S310
                assert resp.status == 200
            time.sleep(0.2)
        new_worker = wait_for_new(tmp_path, "worker", worker)
        assert time.monotonic() - killed_at < 30
        os.kill(scheduler[0], signal.SIGKILL)
        wait_for_new(tmp_path, "scheduler", scheduler)
        health = json.loads(wait_healthy(base))
        assert health["workers"]["ok"] is True
        assert children_of_instance(tmp_path, "worker") == new_worker
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert f"worker (pid {worker[0]}) exited with code -9" in output
    assert "worker restarted (pid" in output and "scheduler restarted (pid" in output
    time.sleep(0.5)
    assert processes_mentioning(str(tmp_path)) == []
    assert children_of_instance(tmp_path, "worker") == []


def test_a_second_start_reuses_the_database(tmp_path):
    """The demo seed runs once; the second start skips it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CRM_INSTANCE_PATH=str(tmp_path))
    for expected in ("Demo data loaded", "demo seed skipped"):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}")
        finally:
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=60)
        assert expected in output
