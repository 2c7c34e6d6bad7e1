"""Server-side timings of the meeting screens on a large database: the RM's home page, the
supervisor's cadence view and its drill-downs (common and rare states), the meetings list
and the account page with its timeline.

Not part of the test suite (a smoke test only checks it still runs). See bench/README.md:

    DATABASE_URL=sqlite:////tmp/relasi-bench2.db .venv/bin/python bench/meetings_bench.py
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import accounts_bench as base
from accounts_bench import Case, Result
from flask import Flask
from sqlalchemy import delete, func, select, update

from crm.accounts.models import Account
from crm.auth.models import User
from crm.extensions import db
from crm.meetings.models import CadenceMonth, Interaction


def pick() -> tuple[User, User, int]:
    """The supervisor, the RM with the largest portfolio and, in it, the account with the
    most interactions (the richest timeline)."""
    supervisor, rm = base.pick_users()
    counts = (
        select(Interaction.account_id, func.count().label("n"))
        .join(Account, Account.id == Interaction.account_id)
        .where(Account.rm_id == rm.id)
        .group_by(Interaction.account_id)
        .subquery()
    )
    rich = db.session.scalar(
        select(counts.c.account_id).order_by(counts.c.n.desc(), counts.c.account_id).limit(1)
    )
    if rich is None:
        raise RuntimeError("no interactions: run `flask seed-scale` (it adds them)")
    return supervisor, rm, rich


def build_cases(app: Flask, drilldowns: bool = False) -> list[Case]:
    """The eight standing cases; with drilldowns, four more drill-downs (rare and common
    states over all accounts, one RM's overdue accounts)."""
    with base._context(app):
        supervisor, rm, rich = pick()
        ids = supervisor.get_id(), rm.get_id(), rm.id
        size = db.session.scalar(select(func.count()).where(Account.rm_id == rm.id))
    sup, rm_login, rm_id = ids
    return [
        Case(f"RM home `/` (portfolio of {size:,} accounts)", rm_login, "/"),
        Case("cadence view `/cadence/`, supervisor", sup, "/cadence/"),
        Case("cadence view for one RM `/cadence/?rm=`", sup, f"/cadence/?rm={rm_id}"),
        Case("drill-down: overdue accounts, all", sup, "/cadence/accounts?state=overdue"),
        Case("drill-down: one RM's accounts met", sup, f"/cadence/accounts?rm={rm_id}&state=met"),
        Case("meetings list `/meetings/`, supervisor", sup, "/meetings/"),
        Case("meetings list `/meetings/`, RM (own)", rm_login, "/meetings/"),
        Case("account page with timeline", sup, f"/accounts/{rich}"),
    ] + (
        [
            Case("drill-down: met this month, all", sup, "/cadence/accounts?state=met"),
            Case("drill-down: due, all", sup, "/cadence/accounts?state=due"),
            Case("drill-down: on track, all", sup, "/cadence/accounts?state=on_track"),
            Case(
                "drill-down: one RM's overdue", sup, f"/cadence/accounts?rm={rm_id}&state=overdue"
            ),
        ]
        if drilldowns
        else []
    )


def cold_cadence(app: Flask, login: str) -> float:
    """Milliseconds of the first /cadence/ request after the closed months' cache is dropped
    (it computes 11 closed months once)."""
    with base._context(app):
        db.session.execute(delete(CadenceMonth))
        db.session.commit()
    client = base._client(app, login)
    started = time.perf_counter()
    base._get(client, "/cadence/")
    return (time.perf_counter() - started) * 1000


def cold_tally(app: Flask, login: str) -> float | None:
    """Milliseconds of the first /cadence/ request of a month: the tally of the current month
    is recounted once (None when the code has no tally)."""
    try:
        from crm.meetings.models import CadenceTallyState
    except ImportError:
        return None
    with base._context(app):
        db.session.execute(update(CadenceTallyState).values(month=None))
        db.session.commit()
    client = base._client(app, login)
    started = time.perf_counter()
    base._get(client, "/cadence/")
    return (time.perf_counter() - started) * 1000


def figures(app: Flask) -> str:
    """This month's totals (in scope, met, overdue, due): how rare each drill-down state is."""
    from crm.db import utcnow
    from crm.i18n import local_date
    from crm.meetings import tally

    with base._context(app):
        today = local_date(utcnow())
        grid = tally.current_grid(today)
        db.session.commit()
    n, met, overdue, due = (sum(row[i] for row in grid) for i in range(2, 6))
    return f"{today}: in scope {n}, met {met}, overdue {overdue}, due {due}"


def measure(
    app: Flask, iterations: int = 50, warmup: int = 3, drilldowns: bool = False
) -> tuple[list[Result], float]:
    """(median and p95 per case, warm; the cold /cadence/ milliseconds)."""
    cases = build_cases(app, drilldowns)
    cold = cold_cadence(app, cases[1].login)
    return base.time_cases(app, cases, iterations, warmup), cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    from crm import create_app

    app = create_app()
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=True)
        accounts = db.session.scalar(select(func.count()).select_from(Account))
        interactions = db.session.scalar(select(func.count()).select_from(Interaction))
        version = ".".join(map(str, db.session.connection().dialect.server_version_info))
        print(
            f"database: {url} ({accounts} accounts, {interactions} interactions), "
            f"{db.engine.dialect.name} {version}"
        )
        print(f"python {platform.python_version()}")
    results, cold = measure(app, args.iterations, args.warmup, drilldowns=True)
    with base._context(app):
        supervisor, _rm = base.pick_users()
        login = supervisor.get_id()
    recount = cold_tally(app, login)
    print(figures(app))
    print(base.table(results))
    print(f"\ncold /cadence/ (closed months computed once, then cached): {cold:.0f} ms")
    if recount is not None:
        print(f"first /cadence/ of a month (this month's tally recounted once): {recount:.0f} ms")


if __name__ == "__main__":
    main()
