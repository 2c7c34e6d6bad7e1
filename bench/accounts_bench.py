"""Server-side timings of the account list and 360° page on a large database.

Not part of the test suite (a smoke test only checks it still runs). See bench/README.md:

    DATABASE_URL=sqlite:////tmp/relasi-bench.db .venv/bin/python bench/accounts_bench.py
"""

from __future__ import annotations

import argparse
import math
import platform
import re
import statistics
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, has_app_context
from sqlalchemy import event, func, select

from crm.accounts.models import Account, Position
from crm.auth.models import User
from crm.extensions import db

NEXT_LINK = re.compile(r'href="([^"]+after=[^"]+)"')


@dataclass
class Case:
    name: str
    login: str  # the user's Flask-Login id
    url: str
    expect: str = ""


@dataclass
class Result:
    name: str
    url: str
    median_ms: float
    p95_ms: float
    queries: int
    iterations: int


def _client(app: Flask, login: str):
    """A test client whose session is signed in as this user (what Flask-Login stores)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login
        session["_fresh"] = True
    return client


def _context(app: Flask):
    """An app context for the set-up queries, unless the caller (a test) already has one."""
    return nullcontext() if has_app_context() else app.app_context()


def _get(client, url: str, expect: str = "") -> str:
    response = client.get(url)
    html = response.get_data(as_text=True)
    if response.status_code != 200 or expect not in html:
        raise RuntimeError(f"GET {url} gave {response.status_code}; expected {expect!r}")
    return html


def deep_page_url(app: Flask, login: str, page: int) -> tuple[str, int]:
    """Follow the list's "next" links from page 1; returns the URL of `page` (or the last)."""
    client, url, reached = _client(app, login), "/accounts/", 1
    while reached < page:
        match = NEXT_LINK.search(_get(client, url))
        if not match:
            break
        url, reached = match.group(1).replace("&amp;", "&"), reached + 1
    return url, reached


def pick_users() -> tuple[User, User]:
    """A supervisor (sees every account) and the RM with the largest usable portfolio."""
    supervisor = db.session.scalar(
        select(User).where(User.role.in_(("supervisor", "admin")), User.active).order_by(User.id)
    )
    rm = db.session.scalar(
        select(User)
        .join(Account, Account.rm_id == User.id)
        .where(User.role == "rm", User.active, User.must_change_password.is_(False))
        .group_by(User.id)
        .order_by(func.count().desc(), User.id)
    )
    if supervisor is None or rm is None:
        raise RuntimeError("run `flask seed-demo` and `flask seed-scale` first")
    return supervisor, rm


def build_cases(app: Flask, deep_page: int, fragment: str) -> list[Case]:
    """The cases to time; every request happens outside the set-up's app context."""
    with _context(app):
        supervisor, rm = (u.get_id() for u in pick_users())
        npp, rich = _sample_accounts()
    deep_url, reached = deep_page_url(app, supervisor, deep_page)
    return [
        Case("list page 1, supervisor (all accounts)", supervisor, "/accounts/"),
        Case("list page 1, RM portfolio", rm, "/accounts/"),
        Case(f"list page {reached} via cursor, supervisor", supervisor, deep_url),
        Case("search NPP (exact)", supervisor, f"/accounts/?q={npp}", npp),
        Case(f"search name fragment '{fragment}'", supervisor, f"/accounts/?q={fragment}"),
        Case("search name fragment, no match", supervisor, "/accounts/?q=zzqx"),
        Case("account 360° page", supervisor, f"/accounts/{rich}"),
    ]


def _sample_accounts() -> tuple[str, int]:
    """An NPP from the middle of the table and the account with the most people (up to 8)."""
    total = db.session.scalar(select(func.count()).select_from(Account))
    npp = db.session.scalar(
        select(Account.npp).where(Account.npp.is_not(None)).order_by(Account.id).offset(total // 2)
    )
    return npp, richest_account()


def richest_account() -> int | None:
    """The account with the most current key persons, up to 8 (the 360° page's heavy case)."""
    per_account = (
        select(Position.account_id, func.count().label("n"))
        .where(Position.end_date.is_(None))
        .group_by(Position.account_id)
        .subquery()
    )
    return db.session.scalar(
        select(per_account.c.account_id)
        .where(per_account.c.n.between(4, 8))
        .order_by(per_account.c.n.desc(), per_account.c.account_id)
    )


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@contextmanager
def statements(app: Flask):
    """Counts the SQL statements run inside the block: yields a dict with "n"."""
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    with _context(app):
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def time_cases(app: Flask, cases: list[Case], iterations: int, warmup: int) -> list[Result]:
    """Median and p95 milliseconds and statements per request of each case, timed around
    the in-process request after `warmup` untimed ones (the other benches use this too)."""
    results = []
    with statements(app) as counter:
        for case in cases:
            client = _client(app, case.login)
            for _ in range(warmup):
                _get(client, case.url, case.expect)
            samples, counter["n"] = [], 0
            for _ in range(iterations):
                started = time.perf_counter()
                _get(client, case.url, case.expect)
                samples.append((time.perf_counter() - started) * 1000)
            results.append(
                Result(
                    case.name,
                    case.url,
                    statistics.median(samples),
                    _p95(samples),
                    counter["n"] // iterations,
                    iterations,
                )
            )
    return results


def measure(
    app: Flask,
    iterations: int = 50,
    warmup: int = 5,
    deep_page: int = 1000,
    fragment: str = "nusa",
) -> list[Result]:
    """Median and p95 milliseconds per case, timed around the in-process request."""
    return time_cases(app, build_cases(app, deep_page, fragment), iterations, warmup)


def table(results: list[Result]) -> str:
    lines = ["| case | median ms | p95 ms | SQL statements |", "| --- | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r.name} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {r.queries} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument("--fragment", default="nusa")
    args = parser.parse_args()

    from crm import create_app

    app = create_app()
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=True)
        accounts = db.session.scalar(select(func.count()).select_from(Account))
        version = ".".join(map(str, db.session.connection().dialect.server_version_info))
        print(f"database: {url} ({accounts} accounts), {db.engine.dialect.name} {version}")
        print(f"python {platform.python_version()}")
    results = measure(app, args.iterations, args.warmup, args.deep_page, args.fragment)
    print(table(results))


if __name__ == "__main__":
    main()
