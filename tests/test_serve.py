"""`flask serve` (what `make run` starts): up on embedded defaults, demo login, clean Ctrl-C."""

from __future__ import annotations

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


def test_serve_starts_everything_seeds_demo_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CRM_INSTANCE_PATH=str(tmp_path), PORT=str(port), HOST="127.0.0.1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
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
    assert "Stopping web server, worker and Redis" in output
    time.sleep(0.5)
    assert processes_mentioning(str(tmp_path)) == []  # no stray process
    assert "Traceback" not in output


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
