"""Timings of the compliance and escalation work on a large database: the escalation board
(in-process requests), the monthly compliance import as its background job runs it, and
the daily case jobs (suggestions, stored arrears of every open case).

Not part of the test suite (a smoke test only checks it still runs). See bench/README.md:

    DATABASE_URL=sqlite:////tmp/relasi-cases-bench.db .venv/bin/python bench/cases_bench.py

The import part WRITES to the database (a new month for every registered account, paid
arrears, cases closed): it runs last, and only with `--parts import` or the default. Run
it on a copy, or seed again, before a second import measurement.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import accounts_bench as base
from accounts_bench import Case, Result
from flask import Flask
from sqlalchemy import func, select

from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases.models import EscalationCase
from crm.compliance.models import CompliancePeriod
from crm.extensions import db

PARTS = ("board", "jobs", "import")


def load() -> str:
    """The 1, 5 and 15 minute load averages (others share the machine)."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


statements = base.statements


# -- (a) the board -----------------------------------------------------------------------------


def pick() -> tuple[User, User, int]:
    """The first supervisor, the RM who owns the most open cases, the branch with the most."""
    supervisor, _rm = base.pick_users()
    rm = db.session.scalar(
        select(User)
        .join(EscalationCase, EscalationCase.owner_id == User.id)
        .where(EscalationCase.status == "open", User.role == "rm", User.active)
        .group_by(User.id)
        .order_by(func.count().desc(), User.id)
        .limit(1)
    )
    branch = db.session.scalar(
        select(EscalationCase.branch_office_id)
        .where(EscalationCase.status == "open", EscalationCase.branch_office_id.is_not(None))
        .group_by(EscalationCase.branch_office_id)
        .order_by(func.count().desc(), EscalationCase.branch_office_id)
        .limit(1)
    )
    if rm is None or branch is None:
        raise RuntimeError("no open cases: run `flask seed-scale --compliance-months 24 --cases`")
    return supervisor, rm, branch


def build_cases(app: Flask) -> list[Case]:
    with base._context(app):
        supervisor, rm, branch = pick()
        sup, rm_login, rm_id = supervisor.get_id(), rm.get_id(), rm.id
        mine = db.session.scalar(
            select(func.count()).where(
                EscalationCase.owner_id == rm_id, EscalationCase.status == "open"
            )
        )
    return [
        Case("board `/cases/`, supervisor, every open case", sup, "/cases/"),
        Case("board, filter RM `?owner=`", sup, f"/cases/?owner={rm_id}"),
        Case("board, filter branch `?branch=`", sup, f"/cases/?branch={branch}"),
        Case("board, filter reason `?reason=pds_tk`", sup, "/cases/?reason=pds_tk"),
        Case("board, filter amount band `?band=100jt-1m`", sup, "/cases/?band=100jt-1m"),
        Case("board, overdue only `?overdue=1`", sup, "/cases/?overdue=1"),
        Case(f"board as the RM ({mine:,} own open cases)", rm_login, "/cases/"),
    ]


def measure_board(app: Flask, iterations: int = 50, warmup: int = 5) -> list[Result]:
    """Median and p95 milliseconds and statements per request, per case."""
    return base.time_cases(app, build_cases(app), iterations, warmup)


# -- (c) the daily case jobs ---------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    seconds: float
    rows: int
    queries: int
    load: str = ""
    parts: dict[str, float] = field(default_factory=dict)


def time_jobs(app: Flask) -> list[Timing]:
    """The suggestions job and refresh_case_arrears over every open case, each committed."""
    from crm.cases.stored_arrears import refresh_case_arrears
    from crm.cases.suggestions import refresh_suggestions

    timings = []
    for name, job in (
        ("suggestions job (refresh_suggestions)", refresh_suggestions),
        ("refresh_case_arrears(), every open case", refresh_case_arrears),
    ):
        with base._context(app), statements(app) as counter:
            started = time.perf_counter()
            rows = job()
            db.session.commit()
            seconds = time.perf_counter() - started
        timings.append(Timing(name, seconds, rows, counter["n"], load()))
    return timings


# -- (b) the monthly import --------------------------------------------------------------------


@dataclass
class MonthlyFile:
    data: bytes
    filename: str
    rows: int
    new: int
    paid_off_accounts: int
    resent: int


def _csv(rows: list[list]) -> bytes:
    from crm.compliance.import_rows import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode()


def _line(npp: str, period: date, r: CompliancePeriod, **values) -> list:
    """One CSV row in COLUMNS order from a stored month, with some values replaced."""
    v = {
        "workers_registered": r.workers_registered,
        "workers_reported": r.workers_reported,
        "wages_reported": r.wages_reported,
        "contribution_due": r.contribution_due,
        "amount_paid": r.amount_paid,
        "paid_on": r.paid_on,
        "fine_paid": r.fine_paid,
        **values,
    }
    flags = ["ya" if getattr(r, f) else "tidak" for f in ("pds_tk", "pds_upah", "pds_program")]
    paid_on = v["paid_on"].isoformat() if v["paid_on"] else ""
    return [
        npp,
        f"{period:%Y-%m}",
        v["workers_registered"],
        v["workers_reported"],
        v["wages_reported"],
        v["contribution_due"],
        v["amount_paid"],
        paid_on,
        v["fine_paid"],
        *flags,
        r.pds_notes,
    ]


def monthly_file(size: int = 100_000, paid_off: int = 500) -> MonthlyFile:
    """The core system's monthly export, `size` rows: this month for every registered
    account (new rows: declared, not due yet), every unpaid month of `paid_off` accounts
    with an open arrears case paid today with its fine (their cases close), and last month
    sent again for other accounts (updates; unpaid ones paid today, fine still owed)."""
    from crm.compliance import arrears
    from crm.compliance.calendar import PAYMENT, working_calendar
    from crm.compliance.services import arrears_rules, today_local

    today = today_local()
    this_month, last = today.replace(day=1), arrears.add_months(today.replace(day=1), -1)
    rules, cal = arrears_rules(), working_calendar(PAYMENT)
    cp = CompliancePeriod
    latest = db.session.execute(
        select(Account.npp, cp)
        .join(Account, Account.id == cp.account_id)
        .where(cp.period == last, Account.npp.is_not(None))
        .order_by(cp.account_id)
    ).all()
    lines = [
        _line(npp, this_month, r, amount_paid=0, paid_on=None, fine_paid=0) for npp, r in latest
    ]
    lines = lines[:size]
    new = len(lines)
    owing = select(EscalationCase.account_id).where(
        EscalationCase.status == "open", EscalationCase.reason == "arrears"
    )
    payers = list(db.session.scalars(owing.order_by(EscalationCase.account_id).limit(paid_off)))
    for npp, r in db.session.execute(
        select(Account.npp, cp)
        .join(Account, Account.id == cp.account_id)
        .where(cp.account_id.in_(payers), cp.unpaid > 0)
        .order_by(cp.account_id, cp.period)
    ):
        if len(lines) >= size:
            break
        figures = arrears.MonthFigures(r.period, r.contribution_due, r.contribution_due, today)
        fine = arrears.month_arrears(figures, today, arrears.rule_for(r.period, rules), cal).fine
        lines.append(
            _line(npp, r.period, r, amount_paid=r.contribution_due, paid_on=today, fine_paid=fine)
        )
    skip, resent = set(payers), 0
    for npp, r in latest:
        if len(lines) >= size:
            break
        if r.account_id in skip:
            continue
        paid = {"amount_paid": r.contribution_due, "paid_on": today} if r.unpaid else {}
        lines.append(_line(npp, last, r, **paid))
        resent += 1
    filename = f"ekspor-kepatuhan-{this_month:%Y-%m}.csv"
    return MonthlyFile(_csv(lines), filename, len(lines), new, len(payers), resent)


@contextmanager
def _phases(parts: dict[str, float]):
    """Times the import's phases by wrapping the functions its run calls (bench only)."""
    from crm.compliance import imports as compliance_imports
    from crm.imports import runs

    places = {"dry_run": (runs, "dry_run"), "_write": (compliance_imports, "write_periods")}
    originals = {n: getattr(module, attr) for n, (module, attr) in places.items()}

    def timed(name, wrapped):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return wrapped(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    for name, original in originals.items():
        module, attr = places[name]
        setattr(module, attr, timed(name, original))
    try:
        yield
    finally:
        for name, original in originals.items():
            module, attr = places[name]
            setattr(module, attr, original)


@contextmanager
def _redis(app: Flask):
    """The job runner beats a heartbeat into Redis: start the embedded one if none answers."""
    from crm.queue import redis_connection, start_embedded_redis

    with base._context(app):
        try:
            redis_connection().ping()
            proc = None
        except Exception:
            inst = Path(app.config["INSTANCE_PATH"])
            proc = start_embedded_redis(inst, Path(app.config["REDIS_URL"].removeprefix("unix://")))
    try:
        yield
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)


def time_import(
    app: Flask, size: int = 100_000, paid_off: int = 500
) -> tuple[MonthlyFile, list[Timing]]:
    """Upload (dry run + ticket, as /compliance/import does), then the `compliance.import`
    job through the real runner: check again, upsert, close paid cases, suggestions."""
    from crm.compliance.imports import COMPLIANCE
    from crm.imports.registry import Run
    from crm.imports.runs import dry_run
    from crm.imports.tickets import new_ticket
    from crm.jobs import runner
    from crm.jobs.models import BackgroundJob
    from crm.jobs.services import create_job

    with base._context(app):
        supervisor, _rm = base.pick_users()
        started = time.perf_counter()
        file = monthly_file(size, paid_off)
        made = time.perf_counter() - started
    timings = [Timing("build the CSV from the database (bench only)", made, file.rows, 0, load())]
    with _redis(app), base._context(app):
        supervisor = db.session.merge(supervisor)
        with statements(app) as counter:
            started = time.perf_counter()
            check = dry_run(COMPLIANCE, file.data, file.filename, Run(COMPLIANCE, supervisor))
            if not check.ok:
                raise RuntimeError(f"the file has errors: {check.errors[:3]}")
            ticket = new_ticket(COMPLIANCE, file.data, file.filename, check.total, supervisor)
            job = create_job(
                COMPLIANCE.job_kind, owner=supervisor, params={"ticket": asdict(ticket)}
            )
            db.session.commit()
            seconds = time.perf_counter() - started
        timings.append(
            Timing(
                "upload: dry run, ticket, job row (the preview)",
                seconds,
                check.total,
                counter["n"],
                load(),
            )
        )
        job_id, dispatch = job.id, job.dispatch
        parts: dict[str, float] = {}
        with statements(app) as counter, _phases(parts):
            started = time.perf_counter()
            status = runner.run(job_id, dispatch)
            seconds = time.perf_counter() - started
        job = db.session.get(BackgroundJob, job_id, populate_existing=True)
        if status != "done":
            raise RuntimeError(f"the import job ended {status}: {job.error}")
        rows = (job.result or {}).get("created", 0) + (job.result or {}).get("updated", 0)
        timings.append(
            Timing(
                "job `compliance.import` (check again outside the write lock, write, commit)",
                seconds,
                rows,
                counter["n"],
                load(),
                parts,
            )
        )
        follow_up = db.session.scalar(
            select(BackgroundJob)
            .where(BackgroundJob.kind == "cases.after_compliance_import")
            .order_by(BackgroundJob.created_at.desc())
            .limit(1)
        )
        with statements(app) as counter:
            started = time.perf_counter()
            status = runner.run(follow_up.id, follow_up.dispatch)
            seconds = time.perf_counter() - started
        follow_up = db.session.get(BackgroundJob, follow_up.id, populate_existing=True)
        if status != "done":
            raise RuntimeError(f"the follow-up job ended {status}: {follow_up.error}")
        timings.append(
            Timing(
                "job `cases.after_compliance_import` (refresh and close cases in batches of "
                "1,000, suggestions)",
                seconds,
                follow_up.result["cases"],
                counter["n"],
                load(),
            )
        )
    return file, timings


# -- report ------------------------------------------------------------------------------------


def timing_table(timings: list[Timing]) -> str:
    lines = [
        "| step | seconds | rows | SQL statements | load (1/5/15 min) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for t in timings:
        lines.append(f"| {t.name} | {t.seconds:.1f} | {t.rows:,} | {t.queries:,} | {t.load} |")
        for name, seconds in t.parts.items():
            lines.append(f"| &nbsp;&nbsp;of which `{name}` | {seconds:.1f} | | | |")
    return "\n".join(lines)


def describe(app: Flask) -> str:
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=True)
        accounts = db.session.scalar(select(func.count()).select_from(Account))
        months = db.session.scalar(select(func.count()).select_from(CompliancePeriod))
        open_cases = db.session.scalar(select(func.count()).where(EscalationCase.status == "open"))
        version = ".".join(map(str, db.session.connection().dialect.server_version_info))
        return (
            f"database: {url} ({accounts:,} accounts, {months:,} compliance months, "
            f"{open_cases:,} open cases), {db.engine.dialect.name} {version}, "
            f"python {platform.python_version()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--parts", default=",".join(PARTS), help="board,jobs,import")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the import file")
    parser.add_argument("--paid-off", type=int, default=500, help="accounts the file pays off")
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]

    from crm import create_app

    app = create_app()
    print(describe(app))
    if "board" in parts:
        print(f"\nload before the board: {load()}")
        print(base.table(measure_board(app, args.iterations, args.warmup)))
        print(f"load after: {load()}")
    if "jobs" in parts:
        print()
        print(timing_table(time_jobs(app)))
    if "import" in parts:
        file, timings = time_import(app, args.rows, args.paid_off)
        print(
            f"\nimport file {file.filename}: {file.rows:,} rows, {len(file.data):,} bytes "
            f"({file.new:,} new months, every unpaid month of {file.paid_off_accounts:,} "
            f"accounts, {file.resent:,} last months sent again)"
        )
        print(timing_table(timings))
        print(describe(app))


if __name__ == "__main__":
    main()
