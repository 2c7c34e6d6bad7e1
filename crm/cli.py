"""Flask commands: serve, worker, seed-demo, seed-scale, users, jobs, search, backup, restore."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from crm import fulltext
from crm.accounts.models import Account
from crm.admin.services import create_user
from crm.auth.models import User
from crm.backup import backup_command, restore_command
from crm.config import ROOT
from crm.extensions import db
from crm.jobs.scheduler import SchedulerThread
from crm.jobs.services import sweep_stuck_jobs
from crm.offices import BranchOffice
from crm.queue import die_with_parent, get_queue, make_worker, start_embedded_redis
from crm.services import ServiceError, unit_of_work
from crm.supervisor import Child, Supervisor, spawn

DEMO_PASSWORD = "demo-relasi-2026"  # noqa: S105 - documented demo password, refused in production


def register(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(worker)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
    app.cli.add_command(users)
    app.cli.add_command(jobs)
    app.cli.add_command(search)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


# -- seed ------------------------------------------------------------------------------------


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Seed only when the database has no users.")
def seed_demo(if_empty: bool) -> None:
    """Load the deterministic demo data set (refused in production)."""
    from crm.demo import seed  # the data generators load only for this command

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo is refused when CRM_ENV=production")
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("Database already has data; demo seed skipped.")
            return
        raise click.ClickException("the database already has users; seed-demo needs an empty one")
    with unit_of_work():
        counts = seed(DEMO_PASSWORD)
    click.echo("Demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    _render_demo_letters()


def _render_demo_letters() -> None:
    """Render the approved demo letters with the worker's code, then dispatch and receive
    some of them (the seed has committed; the render job reaches Redis after a commit)."""
    # The data generators load only for seed-demo.
    from crm.demo.letters import deliver_demo_letters, letters_per_state, render_demo_letters

    boss = db.session.scalar(select(User).where(User.email == "supervisor@relasi.test"))
    started = time.perf_counter()
    queued, rendered = render_demo_letters(boss)
    with unit_of_work():
        delivered = deliver_demo_letters(boss)
    if queued and not rendered:
        click.echo(
            f"Redis is not reachable: {queued} approved letters stay queued; "
            "the worker renders them when it starts."
        )
    if rendered:
        click.echo(
            f"Demo letters rendered: {queued} PDFs, {delivered} dispatched "
            f"in {time.perf_counter() - started:.1f} s"
        )
    states = letters_per_state()
    click.echo("Demo letters: " + ", ".join(f"{v} {k}" for k, v in states.items()))


@click.command("seed-scale")
@click.option("--accounts", "n", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=2026, show_default=True, help="Random seed.")
@click.option("--batch", default=2500, show_default=True, type=click.IntRange(100, 20_000))
@click.option(
    "--interactions-per-account",
    "per_account",
    default=20,
    show_default=True,
    type=click.IntRange(0, 500),
    help="Average interactions per account over the last 12 months.",
)
@click.option(
    "--compliance-months",
    default=0,
    show_default=True,
    type=click.IntRange(0, 60),
    help="Contribution months per registered account, ending last month (0: none).",
)
@click.option(
    "--cases",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Open escalation cases among the accounts in arrears (needs --compliance-months).",
)
def seed_scale(
    n: int, seed: int, batch: int, per_account: int, compliance_months: int, cases: int
) -> None:
    """Append N synthetic accounts with ~4 key persons and ~20 interactions each, for load
    tests (refused in production). Extra RMs, if needed, sign in with the demo password.
    --compliance-months and --cases add contribution months and open escalation cases."""
    from werkzeug.security import generate_password_hash

    from crm.scale import seed_scale as run  # the data generators load only for this command

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-scale is refused when CRM_ENV=production")
    if cases and not compliance_months:
        raise click.BadParameter("needs --compliance-months", param_hint="--cases")
    click.echo(f"Adding {n} accounts in batches of {batch} ...")
    report = run(
        n,
        password_hash=generate_password_hash(DEMO_PASSWORD, method="scrypt"),
        seed=seed,
        batch=batch,
        interactions_per_account=per_account,
        compliance_months=compliance_months,
        cases=cases,
        progress=click.echo,
    )
    click.echo(
        f"Added {report.accounts} accounts, {report.people} key persons, "
        f"{report.positions} positions, {report.interactions} interactions "
        f"({report.attendees} attendees), {report.tasks} tasks, {report.rms_created} RMs and "
        f"{report.branches_created} branch offices in {report.seconds:.1f} s"
    )
    if compliance_months:
        click.echo(
            f"Compliance: {report.compliance_rows} months, {report.cases} open cases "
            f"({report.case_events} events, {report.case_letters} letter requests); cases "
            f"{report.cases_seconds:.1f} s, stored arrears {report.arrears_seconds:.1f} s, "
            f"suggestions {report.suggestions_seconds:.1f} s"
        )


# -- users -----------------------------------------------------------------------------------

users = AppGroup("users", help="Create and list users.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "supervisor", "rm", "partner"]))
@click.option("--branch", "branch_code", help="Branch office code.")
@click.option("--institution", help="Institution account name (partner users).")
@click.password_option(help="Prompted for when not given.")
def users_create(email, name, role, branch_code, institution, password) -> None:
    """Create a user (the password must be changed at first sign-in)."""
    branch_id = account_id = None
    if branch_code:
        branch = db.session.scalar(
            select(BranchOffice).where(BranchOffice.code == branch_code.upper())
        )
        if branch is None:
            raise click.ClickException(f"no branch office with code {branch_code}")
        branch_id = branch.id
    if institution:
        account = db.session.scalar(select(Account).where(Account.name == institution))
        if account is None:
            raise click.ClickException(f"no account named {institution!r}")
        account_id = account.id
    if len(password) < 10:
        raise click.ClickException("the password needs at least 10 characters")
    try:
        with unit_of_work():
            user = create_user(
                email=email,
                name=name,
                role=role,
                password=password,
                branch_office_id=branch_id,
                account_id=account_id,
            )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users.command("list")
def users_list() -> None:
    """List users: id, role, email, active."""
    for u in db.session.scalars(select(User).order_by(User.role, User.email)):
        click.echo(f"{u.id:>5}  {u.role:<10} {u.email:<40} {'active' if u.active else 'inactive'}")


# -- jobs ------------------------------------------------------------------------------------

jobs = AppGroup("jobs", help="Background-job maintenance.")


@jobs.command("requeue")
def jobs_requeue() -> None:
    """Dispatch again every pending job that Redis lost or whose worker died."""
    with unit_of_work():
        report = sweep_stuck_jobs()
    repaired = "".join(f", {name}: {n}" for name, n in report.repaired.items() if n)
    click.echo(
        f"checked {report.checked}, re-dispatched {len(report.redispatched)}, "
        f"gave up {len(report.gave_up)}{repaired}"
    )


# -- search ----------------------------------------------------------------------------------

search = AppGroup("search", help="Word-search indexes.")


@search.command("rebuild")
def search_rebuild() -> None:
    """Rebuild every word-search index from its table (after a restore or a bulk repair)."""
    for index in fulltext.TEXT_INDEXES:
        started = time.monotonic()
        with unit_of_work():
            fulltext.rebuild(index)
        click.echo(f"{index.table}: rebuilt in {time.monotonic() - started:.1f} s")


# -- worker ----------------------------------------------------------------------------------


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--no-scheduler", is_flag=True, help="Do not run periodic tasks next to it.")
def worker(burst: bool, no_scheduler: bool) -> None:
    """Run an RQ worker (forking: a crashing job cannot take other jobs down) and, in a child
    process of its own, the periodic scheduler.

    The scheduler is a separate process, not a thread: RQ forks a work horse per job, and a
    fork taken while a scheduler thread holds a lock (SQLite's, the connection pool's, ...)
    leaves the horse waiting on that lock forever."""
    engine = db.engine
    # A forked work horse must not reuse the parent's database connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    scheduler = None
    if not no_scheduler:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
            cwd=ROOT,
            preexec_fn=die_with_parent,
        )
    db.session.remove()
    if "crm.letters.jobs" in current_app.config["JOB_MODULES"]:
        # Warm the letter renderer here, in the parent, before any horse is forked: every
        # horse inherits it (copy-on-write) instead of spending 1-1.5 s per job importing
        # WeasyPrint and parsing the stylesheet and fonts, and a crashing job still kills
        # only its own horse (SimpleWorker would be as fast but lose that isolation).
        from crm.letters.jobs import warm_worker

        click.echo(f"letter renderer warmed up in {warm_worker():.2f} s")
    w = make_worker([get_queue()], current_app.config["WORKER_LEASE_SECONDS"])
    try:
        w.work(burst=burst, logging_level="INFO", with_scheduler=False)
    finally:
        if scheduler and scheduler.poll() is None:
            scheduler.terminate()
            try:
                scheduler.wait(timeout=15)
            except subprocess.TimeoutExpired:
                scheduler.kill()


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the periodic tasks (one slot claimed once across every machine); `flask worker`
    starts this for you."""
    loop = SchedulerThread(current_app._get_current_object())
    signal.signal(signal.SIGTERM, lambda *_: loop.stopped.set())
    db.session.remove()
    loop.run()  # in this thread, until SIGTERM


# -- serve: what `make run` starts -------------------------------------------------------------


def _interrupted(*_args) -> None:
    raise KeyboardInterrupt


@click.command("serve")
@click.option("--host", envvar="HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="PORT", default=5000, show_default=True, type=int)
@click.option("--web-workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, web_workers: int) -> None:
    """Migrate, seed if empty, then run web + worker + scheduler (+ embedded Redis) until
    Ctrl-C, restarting any of them that dies."""
    from flask_migrate import upgrade

    instance = current_app.config["INSTANCE_PATH"]
    # Explicit handlers: a parent (nohup, a background job) may have left SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(web_workers)]
    gunicorn += ["--threads", "4", "--control-socket", str(instance / "gunicorn.ctl")]
    gunicorn += ["--bind", f"{host}:{port}", "--access-logfile", "-", "wsgi:app"]
    children = []
    if not os.environ.get("REDIS_URL"):
        sock = instance / "redis.sock"
        children.append(Child("redis", lambda: start_embedded_redis(instance, sock)))
    children += [
        Child("worker", lambda: spawn([*flask, "worker", "--no-scheduler"])),
        Child("scheduler", lambda: spawn([*flask, "scheduler"])),
        Child("web", lambda: spawn(gunicorn)),
    ]
    supervisor = Supervisor(children)
    try:
        if children[0].name == "redis":
            children[0].launch(time.monotonic())
        upgrade(directory=str(ROOT / "migrations"))
        click.get_current_context().invoke(seed_demo, if_empty=True)
        # Release our connection: an open SQLite transaction would block every other process.
        db.session.remove()
        db.engine.dispose()
        for child in children:
            if child.proc is None:
                child.launch(time.monotonic())
        _banner(host, port)
        supervisor.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop_all()


def _banner(host: str, port: int) -> None:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    logins = [
        "admin@relasi.test",
        "supervisor@relasi.test",
        "supervisor2@relasi.test",
        "rm@relasi.test",
        "rm2@relasi.test",
        "partner@kemendagri.test",
    ]
    click.echo("")
    click.echo(f"  Relasi is running at  http://{shown}:{port}/")
    click.echo(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
    for email in logins:
        click.echo(f"    {email}")
    click.echo("  Press Ctrl-C to stop the web server, the worker and Redis.")
    click.echo("")
