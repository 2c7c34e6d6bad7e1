"""Latency of the main pages under concurrent users, through gunicorn as `make run` starts it.

Starts the embedded Redis and `python -m gunicorn --workers 2 --threads 4 wsgi:app` on
127.0.0.1 (a free port) against DATABASE_URL / CRM_INSTANCE_PATH, signs real users in with
`POST /login`, then drives the pages from 1, 4 and 16 client threads (one persistent
HTTP/1.1 connection and one cookie jar per simulated user). Not part of the test suite; see
bench/README.md:

    DATABASE_URL=sqlite:////tmp/relasi-load/sqlite.db CRM_INSTANCE_PATH=/tmp/relasi-load/inst \
        .venv/bin/python bench/load_bench.py
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"  # the only host this script ever talks to
REPO = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-relasi-2026"  # crm/cli.py DEMO_PASSWORD (seed-demo and seed-scale users)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
NEXT_LINK = re.compile(r'href="([^"]+after=[^"]+)"')
LIST_PAGES = {"list1", "deep", "search", "cases", "meetings", "msearch"}
PAGE_KEYS = LIST_PAGES | {"a360", "home", "cadence", "healthz"}
GOAL_P95_MS = {"postgresql": 150.0, "sqlite": 300.0}
GOAL_RATIO = 3.0


@dataclass
class Page:
    key: str
    name: str
    role: str  # "sup" or "rm": which of the simulated user's sessions asks for it
    url: str


@dataclass
class Sample:
    page: str
    ms: float
    status: int  # 0: connection error or timeout
    error: str = ""


@dataclass
class Level:
    concurrency: int
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    server_cpu: float = 0.0  # CPU seconds of the gunicorn master and workers in this level
    client_cpu: float = 0.0  # CPU seconds of this process (the client threads)


# -- HTTP client: one connection and one cookie jar per simulated user -----------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 (one per client thread)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.opened = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, url: str, body: bytes | None, headers: dict):
        """(response, text); the connection is dropped on any error (then raised)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.opened += 1
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except Exception:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response, text


class Session:
    """A signed-in user: a cookie jar of its own, over its thread's connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], str]:
        sent = {"Host": f"{HOST}:{self.connection.port}", "Connection": "keep-alive"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        response, text = self.connection.request(method, url, body, sent)
        for raw in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                expired = morsel["expires"] and "1970" in morsel["expires"]
                if morsel.value == "" or expired or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def get(self, url: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", url)

    def login(self, email: str, password: str) -> None:
        """GET /login for the CSRF token (the page's meta tag), then POST the form."""
        status, _, html = self.get("/login")
        match = CSRF_META.search(html)
        if status != 200 or not match:
            raise RuntimeError(f"GET /login gave {status} without a csrf-token meta tag")
        form = {"csrf_token": match.group(1), "email": email, "password": password, "next": ""}
        status, headers, _ = self.request(
            "POST",
            "/login",
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        location = headers.get("location", "")
        if status != 302 or "/login" in location or "/profile" in location:
            raise RuntimeError(f"login of {email} failed: {status} -> {location!r}")
        status, _, _ = self.get("/")
        if status != 200:
            raise RuntimeError(f"{email}: GET / after login gave {status}")


@dataclass
class Client:
    """One client thread: its connection and the two people it signs in as."""

    connection: Connection
    sup: Session
    rm: Session


def check(session: Session, url: str) -> str:
    """Set-up GET that must give 200; a keep-alive the server closed while idle (its
    keepalive is 2 s) is opened again once."""
    try:
        status, headers, html = session.get(url)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        status, headers, html = session.get(url)
    if status != 200:
        raise RuntimeError(f"GET {url} gave {status} {headers.get('location', '')}")
    return html


# -- set-up: users and sample records from the database (read only) -------------------------


def setup_figures(tree: Path) -> dict:
    """Users, sample account ids and the data scale, read with the app of `tree`; the
    connection is released before the server starts (an open SQLite transaction would
    block it)."""
    sys.path.insert(0, str(tree))
    from sqlalchemy import func, select

    from crm import create_app
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.cases.models import EscalationCase
    from crm.extensions import db
    from crm.meetings.models import Interaction

    # After `crm` is imported from `tree`: accounts_bench then reuses that app's modules.
    richest_account = importlib.import_module("accounts_bench").richest_account
    app = create_app()
    with app.app_context():
        supervisor = db.session.scalar(
            select(User.email)
            .where(User.role == "supervisor", User.active, User.must_change_password.is_(False))
            .order_by(User.id)
        )
        rm = db.session.execute(
            select(User.email, func.count().label("n"))
            .join(Account, Account.rm_id == User.id)
            .where(User.role == "rm", User.active, User.must_change_password.is_(False))
            .group_by(User.id, User.email)
            .order_by(func.count().desc(), User.id)
        ).first()
        if supervisor is None or rm is None:
            raise SystemExit("no supervisor or RM: run `flask seed-demo` and `flask seed-scale`")
        rich = richest_account()

        def count(model) -> int:
            return db.session.scalar(select(func.count()).select_from(model))

        conn = db.session.connection()
        figures = {
            "database": db.engine.url.render_as_string(hide_password=True),
            "dialect": db.engine.dialect.name,
            "server_version": ".".join(map(str, conn.dialect.server_version_info)),
            "accounts": count(Account),
            "interactions": count(Interaction),
            "cases": count(EscalationCase),
            "supervisor": supervisor,
            "rm": rm.email,
            "rm_accounts": rm.n,
            "rich_account": rich,
        }
        db.session.remove()
        db.engine.dispose()
    return figures


# -- server: embedded Redis and gunicorn as `flask serve` starts them ------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """Redis (embedded, on the bench instance's socket), gunicorn and, as `make run` has
    them, an RQ worker (its heartbeat makes /healthz answer 200); stop() ends them all."""

    def __init__(self, tree: Path, instance: Path, port: int, args) -> None:
        self.tree, self.instance, self.port = tree, instance, port
        self.workers, self.threads, self.with_worker = args.workers, args.threads, args.worker
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.log = instance / "load-bench-gunicorn.log"
        self.worker_log = instance / "load-bench-worker.log"

    def _spawn(self, argv: list[str], log_path: Path) -> subprocess.Popen:
        from crm.queue import die_with_parent

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log_path.open("w") as log:
            return subprocess.Popen(
                argv,
                cwd=self.tree,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def start(self, ready_seconds: float = 90) -> None:
        from crm.queue import start_embedded_redis

        self.instance.mkdir(parents=True, exist_ok=True)
        if not os.environ.get("REDIS_URL"):
            self.redis = start_embedded_redis(self.instance, self.instance / "redis.sock")
        if self.with_worker:  # `flask serve` runs the scheduler apart; left out here
            flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
            self.worker = self._spawn([*flask, "worker", "--no-scheduler"], self.worker_log)
        argv = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers)]
        argv += ["--threads", str(self.threads)]
        argv += ["--control-socket", str(self.instance / "gunicorn.ctl")]
        argv += ["--bind", f"{HOST}:{self.port}", "--access-logfile", "-", "wsgi:app"]
        self.web = self._spawn(argv, self.log)
        probe, last = Session(Connection(self.port, timeout=5)), "no answer"
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            for name, proc in (("gunicorn", self.web), ("worker", self.worker)):
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
            try:
                status, _, body = probe.get("/healthz")
                # Without a worker /healthz answers 503 "degraded" once the web is up.
                if status == 200 or (self.worker is None and '"database"' in body):
                    probe.connection.close()
                    return
                last = f"{status}: {body[:300]}"
            except (OSError, http.client.HTTPException) as exc:
                last = type(exc).__name__
            time.sleep(0.5)
        raise RuntimeError(f"/healthz not 200 within {ready_seconds:.0f} s ({last})")

    def pids(self) -> list[int]:
        """The gunicorn master and its workers (for py-spy)."""
        if self.web is None:
            return []
        found = [self.web.pid]
        for child in Path(f"/proc/{self.web.pid}/task").glob("*/children"):
            found += [int(p) for p in child.read_text().split()]
        return found

    def stop(self) -> None:
        """Web and worker first, Redis last; each gets 15 s, then SIGKILL to its own group.

        Not crm.supervisor's stop_all: the bench imports `crm` only from the --tree it
        measures (setup_figures), so importing it here first would pin the wrong copy."""
        for proc in (self.web, self.worker, self.redis):
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: only what we started
                proc.wait(timeout=5)
        self.web = self.worker = self.redis = None

    def locked_errors(self) -> int:
        try:
            return self.log.read_text(errors="replace").count("database is locked")
        except OSError:
            return 0


# -- the run ---------------------------------------------------------------------------------


def deep_page(session: Session, pages: int, deadline: float) -> tuple[str, int]:
    """Follow the account list's "next" links from page 1 `pages - 1` times (once, before
    the run); returns the URL of that page (or of the last one) and its number."""
    url, reached = "/accounts/", 1
    while reached < pages and time.monotonic() < deadline:
        match = NEXT_LINK.search(check(session, url))
        if not match:
            break
        url, reached = match.group(1).replace("&amp;", "&"), reached + 1
    return url, reached


def build_pages(figures: dict, deep_url: str, reached: int, args) -> list[Page]:
    return [
        Page("list1", "account list page 1 (supervisor)", "sup", "/accounts/"),
        Page("deep", f"account list page {reached} (cursor)", "sup", deep_url),
        Page("search", f"account search `?q={args.query}`", "sup", f"/accounts/?q={args.query}"),
        Page("a360", "account 360° page", "sup", f"/accounts/{figures['rich_account']}"),
        Page("home", f"RM home `/` ({figures['rm_accounts']:,} accounts)", "rm", "/"),
        Page("cases", "escalation board `/cases/`", "sup", "/cases/"),
        Page("cadence", "cadence `/cadence/`", "sup", "/cadence/"),
        Page("meetings", "meetings list `/meetings/`", "sup", "/meetings/"),
        Page(
            "msearch",
            f"minutes search `/meetings/?q={args.minutes_query}`",
            "sup",
            f"/meetings/?q={args.minutes_query}",
        ),
        Page("healthz", "`/healthz`", "sup", "/healthz"),
    ]


def timed(session: Session, page: Page) -> Sample:
    started = time.perf_counter()
    try:
        status, _, _ = session.get(page.url)
        error = "" if 200 <= status < 400 else f"HTTP {status}"
    except (OSError, http.client.HTTPException) as exc:
        status, error = 0, type(exc).__name__
    return Sample(page.key, (time.perf_counter() - started) * 1000, status, error)


def drive(
    users: list[Client],
    pages: list[Page],
    max_requests: int,
    max_seconds: float,
    stop: threading.Event,
) -> tuple[list[Sample], float]:
    """len(users) threads, each one simulated user, cycling through `pages` (thread i starts
    at page i) until `max_requests` requests in all or `max_seconds` have passed."""
    lock, samples, issued = threading.Lock(), [], [0]
    started = time.monotonic()
    deadline = started + max_seconds

    def worker(i: int) -> None:
        user, n = users[i], i
        while not stop.is_set() and time.monotonic() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    return
                issued[0] += 1
            page = pages[n % len(pages)]
            n += 1
            sample = timed(getattr(user, page.role), page)
            with lock:
                samples.append(sample)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:  # each request is bounded by the client timeout
        t.join(max(0.1, deadline - time.monotonic()) + users[0].connection.timeout + 5)
    elapsed = time.monotonic() - started
    if any(t.is_alive() for t in threads):
        stop.set()
        raise RuntimeError("client threads did not finish in time")
    return samples, elapsed


def fresh_connections(users: list[Client]) -> None:
    """New connections before each level (the server drops idle keep-alives after 2 s)."""
    for user in users:
        user.connection.close()


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes, from /proc (0 for one that is gone)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_levels(users, pages, args, stop: threading.Event, server: Server) -> list[Level]:
    levels = []
    for c in args.levels:
        level = Level(c, load_before=os.getloadavg())
        pids = server.pids()
        server_cpu, client_cpu = cpu_seconds(pids), time.process_time()
        fresh_connections(users[:c])
        if args.mode == "mixed":
            print(f"  c={c}: mixed, up to {args.requests} requests or {args.seconds:.0f} s ...")
            level.samples, level.seconds = drive(
                users[:c], pages, args.requests, args.seconds, stop
            )
        else:
            for page in pages:
                print(f"  c={c}: {page.key}, up to {args.requests} requests or {args.seconds} s")
                samples, seconds = drive(users[:c], [page], args.requests, args.seconds, stop)
                level.samples += samples
                level.phase_seconds[page.key] = seconds
                level.seconds += seconds
        level.load_after = os.getloadavg()
        level.server_cpu = cpu_seconds(pids) - server_cpu
        level.client_cpu = time.process_time() - client_cpu
        levels.append(level)
        print(f"  c={c}: {len(level.samples)} requests in {level.seconds:.1f} s")
    return levels


# -- figures ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (the same as accounts_bench's p95)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(levels: list[Level], pages: list[Page]) -> list[dict]:
    rows = []
    for level in levels:
        for page in pages:
            mine = [s for s in level.samples if s.page == page.key]
            ms = [s.ms for s in mine]
            seconds = level.phase_seconds.get(page.key, level.seconds)
            errors = [s for s in mine if s.error]
            rows.append(
                {
                    "page": page.key,
                    "name": page.name,
                    "url": page.url,
                    "concurrency": level.concurrency,
                    "requests": len(mine),
                    "rps": len(mine) / seconds if seconds else 0.0,
                    "p50": percentile(ms, 0.50),
                    "p95": percentile(ms, 0.95),
                    "p99": percentile(ms, 0.99),
                    "max": max(ms, default=float("nan")),
                    "redirects": sum(1 for s in mine if 300 <= s.status < 400),
                    "errors": len(errors),
                    "error_kinds": sorted({s.error for s in errors}),
                }
            )
    return rows


def goals(rows: list[dict], dialect: str, accounts: int) -> list[tuple[str, bool, str]]:
    by = {(r["page"], r["concurrency"]): r for r in rows}
    levels = sorted({r["concurrency"] for r in rows})
    errors = sum(r["errors"] for r in rows)
    result = [("0 errors (non-2xx/3xx, connection errors)", errors == 0, f"{errors} errors")]
    limit = GOAL_P95_MS.get(dialect, GOAL_P95_MS["postgresql"])
    if 4 in levels:
        four = [r for r in rows if r["concurrency"] == 4]
        slow = [f"{r['page']} {r['p95']:.0f} ms" for r in four if not r["p95"] <= limit]
        scale = "" if accounts >= 100_000 else f" (data: {accounts:,} accounts, not 100k)"
        result.append(
            (
                f"c=4: every page p95 <= {limit:.0f} ms ({dialect}){scale}",
                not slow,
                ", ".join(slow) or "all within",
            )
        )
    if 1 in levels and 4 in levels:
        over = []
        for page in sorted({r["page"] for r in rows if r["page"] in LIST_PAGES}):
            ratio = by[(page, 4)]["p95"] / by[(page, 1)]["p95"]
            if not ratio <= GOAL_RATIO:
                over.append(f"{page} {ratio:.1f}x")
        result.append(
            (
                f"list pages: p95(c=4) <= {GOAL_RATIO:.0f}x p95(c=1)",
                not over,
                ", ".join(over) or "all within",
            )
        )
    return result


def markdown(rows: list[dict], pages: list[Page], checks) -> str:
    out = [
        "| page | c | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in pages:
        for r in (r for r in rows if r["page"] == page.key):
            errors = str(r["errors"]) + (f" ({', '.join(r['error_kinds'])})" if r["errors"] else "")
            out.append(
                f"| {r['name']} | {r['concurrency']} | {r['requests']} | {r['rps']:.1f} | "
                f"{r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {errors} |"
            )
    by = {(r["page"], r["concurrency"]): r for r in rows}
    if any((p.key, 1) in by and (p.key, 4) in by for p in pages):
        out += ["", "| list page | p95 c=1 | p95 c=4 | ratio c=4 / c=1 |"]
        out += ["| --- | ---: | ---: | ---: |"]
        for page in (p for p in pages if p.key in LIST_PAGES):
            one, four = by.get((page.key, 1)), by.get((page.key, 4))
            if one and four:
                ratio = four["p95"] / one["p95"]
                out.append(f"| {page.name} | {one['p95']:.0f} | {four['p95']:.0f} | {ratio:.2f} |")
    out += ["", "| goal | result | detail |", "| --- | --- | --- |"]
    out += [f"| {name} | {'PASS' if ok else 'FAIL'} | {detail} |" for name, ok, detail in checks]
    return "\n".join(out)


def _interrupted(*_args) -> None:
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,4,16", help="client concurrencies (1,4,16)")
    parser.add_argument(
        "--mode",
        choices=("mixed", "phased"),
        default="mixed",
        help="mixed: every thread cycles through all pages (default); phased: one page at a "
        "time, each level and page in its own phase",
    )
    parser.add_argument("--seconds", type=float, default=60, help="per level (phased: per page)")
    parser.add_argument("--requests", type=int, default=3000, help="per level (phased: page)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page")
    parser.add_argument(
        "--pages",
        default="",
        help="only these pages, by key: list1,deep,search,a360,home,cases,cadence,meetings,"
        "msearch,healthz (default: all)",
    )
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument("--query", default="nusa", help="account search (name fragment)")
    parser.add_argument("--minutes-query", default="tunggakan", help="meetings list search")
    parser.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn --workers (as serve)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn --threads (as serve)")
    parser.add_argument(
        "--no-worker",
        dest="worker",
        action="store_false",
        help="do not start `flask worker --no-scheduler` (then /healthz may answer 503)",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        default=REPO,
        help="checkout whose code gunicorn runs (e.g. a `git worktree` of an older commit)",
    )
    parser.add_argument("--label", default="", help="printed in the header")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--hold",
        type=float,
        default=0,
        help="seconds to keep the server up after the run (py-spy); bounded to 600",
    )
    args = parser.parse_args(argv)
    args.levels = [int(c) for c in args.levels.split(",") if c.strip()]
    args.pages = {p.strip() for p in args.pages.split(",") if p.strip()}
    if args.pages - PAGE_KEYS:
        parser.error(f"--pages: unknown {', '.join(sorted(args.pages - PAGE_KEYS))}")
    if not args.levels or min(args.levels) < 1 or max(args.levels) > 64:
        parser.error("--levels: 1 to 64 threads")
    if args.requests < 1 or not 0 < args.seconds <= 3600:
        parser.error("--requests >= 1 and 0 < --seconds <= 3600")
    args.tree = args.tree.resolve()
    if not (args.tree / "wsgi.py").is_file():
        parser.error(f"--tree {args.tree}: no wsgi.py")
    return args


def environment() -> tuple[str, Path]:
    """DATABASE_URL and CRM_INSTANCE_PATH of a bench database: required, never the repo's."""
    url, instance = os.environ.get("DATABASE_URL"), os.environ.get("CRM_INSTANCE_PATH")
    if not url or not instance:
        raise SystemExit("set DATABASE_URL and CRM_INSTANCE_PATH to a bench database of its own")
    instance_path = Path(instance).resolve()
    if instance_path == (REPO / "instance").resolve() or "relasi_test" in url:
        raise SystemExit("refusing the demo instance or the tests' database")
    return url, instance_path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _url, instance = environment()
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    figures = setup_figures(args.tree)
    port = free_port()
    server = Server(args.tree, instance, port, args)
    stop = threading.Event()
    print(
        f"{args.label or 'load bench'}: {figures['database']} ({figures['dialect']} "
        f"{figures['server_version']}), {figures['accounts']:,} accounts, "
        f"{figures['interactions']:,} interactions, {figures['cases']:,} cases"
    )
    head = subprocess.run(
        ["git", "-C", str(args.tree), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(f"code: {args.tree} at {head}; python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"server: gunicorn --workers {args.workers} --threads {args.threads} on {HOST}:{port}")
    try:
        server.start()
        users = []
        started = time.monotonic()
        for _ in range(max(args.levels)):
            connection = Connection(port, args.timeout)
            user = Client(connection, Session(connection), Session(connection))
            user.sup.login(figures["supervisor"], DEMO_PASSWORD)
            user.rm.login(figures["rm"], DEMO_PASSWORD)
            users.append(user)
        print(
            f"signed in {len(users)} x ({figures['supervisor']}, {figures['rm']}) "
            f"in {time.monotonic() - started:.1f} s"
        )
        started = time.monotonic()
        walk = args.deep_page if not args.pages or "deep" in args.pages else 1
        deep_url, reached = deep_page(users[0].sup, walk, started + 600)
        print(f"deep page {reached} reached in {time.monotonic() - started:.1f} s: {deep_url}")
        pages = build_pages(figures, deep_url, reached, args)
        if args.pages:
            pages = [p for p in pages if p.key in args.pages]
        for page in pages:
            session = getattr(users[0], page.role)
            for _ in range(max(1, args.warmup)):
                check(session, page.url)
        levels = run_levels(users, pages, args, stop, server)
        locked = server.locked_errors()
        if args.hold > 0:
            print(f"holding the server for {min(args.hold, 600):.0f} s: pids {server.pids()}")
            time.sleep(min(args.hold, 600))
    except KeyboardInterrupt:
        stop.set()
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop.set()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.stop()
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    rows = stats(levels, pages)
    checks = goals(rows, figures["dialect"], figures["accounts"])
    print()
    print(f"mode: {args.mode}; per level: {args.requests} requests or {args.seconds:.0f} s")
    for level in levels:
        print(
            f"c={level.concurrency}: {len(level.samples)} requests in {level.seconds:.1f} s "
            f"({len(level.samples) / level.seconds:.1f}/s); CPU: gunicorn "
            f"{level.server_cpu / level.seconds:.2f} cores "
            f"({1000 * level.server_cpu / max(1, len(level.samples)):.0f} ms a request), "
            f"client {level.client_cpu / level.seconds:.2f} cores; load average "
            f"{level.load_before[0]:.2f} -> {level.load_after[0]:.2f}"
        )
    print(f'"database is locked" in the gunicorn log: {locked}\n')
    print(markdown(rows, pages, checks))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "label": args.label,
                    "code": head,
                    "mode": args.mode,
                    "figures": figures,
                    "levels": [
                        {
                            "concurrency": lv.concurrency,
                            "seconds": lv.seconds,
                            "requests": len(lv.samples),
                            "load_before": lv.load_before,
                            "load_after": lv.load_after,
                            "server_cpu_seconds": lv.server_cpu,
                            "client_cpu_seconds": lv.client_cpu,
                        }
                        for lv in levels
                    ],
                    "locked_in_log": locked,
                    "rows": rows,
                    "goals": [{"goal": g, "pass": ok, "detail": d} for g, ok, d in checks],
                },
                indent=2,
            )
        )
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
