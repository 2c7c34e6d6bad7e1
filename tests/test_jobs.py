"""Job plumbing in one process: enqueue after commit, runner, fencing, retries, sweeper, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select

import tests.support.jobs  # noqa: F401 - registers the test job kinds
from crm import queue as rq_queue
from crm import storage
from crm.audit import AuditLog
from crm.db import utcnow
from crm.jobs import services
from crm.jobs.models import BackgroundJob
from tests.conftest import post_form
from tests.factories import UserFactory
from tests.support.queue import work


def rq_ids(app) -> list[str]:
    return Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection()).job_ids


def fresh(db, job) -> BackgroundJob:
    return db.session.get(BackgroundJob, job.id, populate_existing=True)


def test_job_reaches_redis_only_after_commit(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    assert rq_ids(app) == []
    db.session.commit()
    assert rq_ids(app) == [f"{job.id}-1"]


def test_rolled_back_job_never_reaches_redis(app, db):
    services.create_job("test.flaky", params={"fail_times": 0})
    db.session.rollback()
    db.session.commit()
    assert rq_ids(app) == []


def test_commit_survives_redis_being_down(app, db, monkeypatch):
    monkeypatch.setitem(
        app.extensions, "relasi_redis", redis.Redis(unix_socket_path="/nonexistent/redis.sock")
    )
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()  # no exception: the row stays queued for the sweeper
    assert fresh(db, job).status == "queued"


def test_audit_export_runs_and_its_csv_can_be_downloaded(app, db, client, login_as):
    admin = login_as(UserFactory(role="admin"))
    for i in range(3):
        db.session.add(
            AuditLog(
                action="uji.aksi",
                entity_type="uji",
                entity_id=str(i),
                actor_label="x@relasi.test",
                summary=f"baris {i}",
            )
        )
    db.session.flush()
    resp = post_form(client, "/admin/audit/export", {"action": "uji.aksi"})
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    work(app)
    job = db.session.get(BackgroundJob, job_id)
    assert job.status == "done" and job.owner_id == admin.id
    assert job.result["rows"] == 3 and job.progress_done == 3
    body = storage.read_bytes(job.result["file"]).decode("utf-8-sig")
    assert body.count("uji.aksi") == 3 and "baris 2" in body
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.data == storage.read_bytes(job.result["file"])


def test_failed_job_keeps_its_error_and_can_be_retried(app, db):
    job = services.create_job("test.boom")
    db.session.commit()
    work(app)
    job = fresh(db, job)
    assert job.status == "failed" and "data tidak valid" in job.error
    services.retry_job(job, actor=None)
    db.session.commit()
    assert fresh(db, job).status == "queued" and rq_ids(app) == [f"{job.id}-2"]


def test_transient_failure_waits_with_backoff_then_succeeds(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 1})
    db.session.commit()
    work(app)
    job = fresh(db, job)
    assert job.status == "retrying" and job.failures == 1
    wait = (job.retry_at - utcnow()).total_seconds()
    assert 5 < wait <= 10
    assert services.sweep_stuck_jobs().redispatched == []  # not due yet
    report = services.sweep_stuck_jobs(now=utcnow() + timedelta(seconds=11))
    db.session.commit()
    assert report.redispatched == [job.id]
    work(app)
    assert fresh(db, job).status == "done"


def test_transient_failures_give_up_after_the_limit(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 99})
    db.session.commit()
    for _ in range(app.config["JOB_MAX_DISPATCHES"]):
        work(app)
        services.sweep_stuck_jobs(now=utcnow() + timedelta(hours=1))
        db.session.commit()
    job = fresh(db, job)
    assert job.status == "failed" and "sibuk" in job.error


def test_backoff_doubles_and_is_capped():
    assert [services.backoff_seconds(n) for n in (1, 2, 3)] == [10, 20, 40]
    assert services.backoff_seconds(30) == 600


def test_a_superseded_dispatch_cannot_finish(db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    assert services.claim(job.id, 1) is not None
    # The sweeper decides the run is dead and dispatches again.
    report = services.sweep_stuck_jobs(now=utcnow() + timedelta(minutes=5))
    db.session.commit()
    assert report.redispatched == [job.id]
    assert services.finish(job.id, 1, "done") is False  # the old run is fenced off
    assert services.claim(job.id, 1) is None
    assert services.claim(job.id, 2) is not None


def test_stale_run_progress_is_refused(db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    services.claim(job.id, 1)
    ctx = services.JobContext(job.id, 1, {}, None)
    ctx.progress(1, 10)
    services.sweep_stuck_jobs(now=utcnow() + timedelta(minutes=5))
    db.session.commit()
    with pytest.raises(services.StaleDispatch):
        ctx.progress(2, 10)


def test_sweeper_redispatches_a_job_redis_forgot(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    rq_queue.redis_connection().flushdb()  # Redis restarted without its data
    assert services.sweep_stuck_jobs().redispatched == []  # too young to judge
    report = services.sweep_stuck_jobs(now=utcnow() + timedelta(seconds=60))
    db.session.commit()
    assert report.redispatched == [job.id]
    assert rq_ids(app) == [f"{job.id}-2"]
    work(app)
    assert fresh(db, job).status == "done"


def test_sweeper_leaves_waiting_and_alive_jobs_alone(app, db):
    services.create_job("test.flaky", params={"fail_times": 0})  # waits in Redis
    alive = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    services.claim(alive.id, 1)
    rq_queue.beat(rq_queue.redis_connection(), alive.id, 1, lease=60)
    report = services.sweep_stuck_jobs(now=utcnow() + timedelta(seconds=60))
    assert report.redispatched == [] and report.checked == 2


def test_running_job_without_heartbeat_is_redispatched(db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    services.claim(job.id, 1)  # a worker took it, then died: no heartbeat key
    report = services.sweep_stuck_jobs(now=utcnow() + timedelta(seconds=60))
    db.session.commit()
    assert report.redispatched == [job.id] and fresh(db, job).dispatch == 2
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "job.sweep")) is not None


def test_sweeper_gives_up_after_max_dispatches(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    for hour in range(1, app.config["JOB_MAX_DISPATCHES"] + 1):
        rq_queue.redis_connection().flushdb()  # lost again and again
        services.sweep_stuck_jobs(now=utcnow() + timedelta(hours=hour))
        db.session.commit()
    job = fresh(db, job)
    assert job.status == "failed" and job.error == "worker lost repeatedly"


def test_cancelled_job_does_not_run(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    services.cancel_job(job, actor=None)
    db.session.commit()
    assert rq_ids(app) == []
    assert services.claim(job.id, 1) is None
    assert fresh(db, job).status == "cancelled"


def test_flask_jobs_requeue_runs_the_sweeper(app, db, runner):
    services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    result = runner.invoke(args=["jobs", "requeue"])
    assert result.exit_code == 0 and "checked 1" in result.output


def test_rq_job_calls_the_runner_with_id_and_dispatch(app, db):
    job = services.create_job("test.flaky", params={"fail_times": 0})
    db.session.commit()
    rq_job = Job.fetch(f"{job.id}-1", connection=rq_queue.redis_connection())
    assert rq_job.func_name == "crm.jobs.runner.run" and rq_job.args == (job.id, 1)


# -- pages -----------------------------------------------------------------------------------


def test_jobs_page_lists_only_the_users_own_jobs(db, client, login_as):
    me, other = UserFactory(), UserFactory()
    mine = services.create_job("test.flaky", owner=me, title="Ekspor milik saya")
    theirs = services.create_job("test.flaky", owner=other, title="Ekspor orang lain")
    db.session.flush()
    login_as(me)
    html = client.get("/jobs/").get_data(as_text=True)
    assert "Ekspor milik saya" in html and "Ekspor orang lain" not in html
    assert client.get(f"/jobs/{mine.id}").status_code == 200
    for path in (f"/jobs/{theirs.id}", f"/jobs/{theirs.id}.json", f"/jobs/{theirs.id}/download"):
        assert client.get(path).status_code == 404
    assert post_form(client, f"/jobs/{theirs.id}/cancel").status_code == 404


def test_admin_sees_every_job(db, client, login_as):
    other = UserFactory()
    services.create_job("test.flaky", owner=other, title="Ekspor seseorang")
    db.session.flush()
    login_as(UserFactory(role="admin"))
    assert "Ekspor seseorang" in client.get("/jobs/?all=1").get_data(as_text=True)


def test_job_status_json_and_fragment(db, client, login_as):
    me = login_as(UserFactory())
    job = services.create_job("test.flaky", owner=me)
    db.session.flush()
    body = client.get(f"/jobs/{job.id}.json").get_json()
    assert body["status"] == "queued" and body["final"] is False and body["percent"] == 0
    fragment = client.get(f"/jobs/{job.id}/status").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in fragment  # keeps polling until final


def test_empty_jobs_page_says_so(client, login_as):
    login_as(UserFactory())
    assert "Belum ada tugas latar" in client.get("/jobs/").get_data(as_text=True)


def test_partner_cannot_reach_jobs(client, login_as):
    login_as(UserFactory(role="partner"))
    assert client.get("/jobs/").status_code == 403


@pytest.mark.parametrize(
    ("status", "link", "shown"),
    [
        ("done", "/supply-chain/7", "/supply-chain/7"),
        ("done", "https://evil.example/", None),
        ("done", "//evil.example/", None),
        ("done", "/\\evil.example", None),
        ("done", 42, None),
        ("running", "/supply-chain/7", None),
    ],
)
def test_a_finished_jobs_result_link_is_offered_only_as_a_local_path(status, link, shown):
    from crm.jobs.models import BackgroundJob
    from crm.jobs.status import result_link

    job = BackgroundJob(id="x" * 32, kind="test", status=status, result={"link": link})
    assert result_link(job) == shown
