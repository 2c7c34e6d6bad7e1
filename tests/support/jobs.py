"""Job kinds used only by the tests; a worker loads them via CRM_JOB_MODULES=tests.support.jobs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from crm import audit
from crm.jobs.services import JobContext, TransientJobError, job_handler


@job_handler("test.slow", title="Uji: tugas lambat")
def slow(ctx: JobContext) -> dict:
    """Logs each start, reports progress step by step, and records its completion once."""
    steps, delay = int(ctx.params["steps"]), float(ctx.params["delay"])
    with Path(ctx.params["log"]).open("a") as fh:
        fh.write(f"{os.getpid()} {ctx.dispatch}\n")
    for i in range(1, steps + 1):
        time.sleep(delay)
        ctx.progress(i, steps)
    # Written in the same transaction as the fenced "done": it exists once or not at all.
    audit.record(
        "test.slow.done",
        entity_type="background_job",
        entity_id=ctx.job_id,
        summary=f"dispatch {ctx.dispatch}",
    )
    return {"steps": steps}


@job_handler("test.flaky", title="Uji: gagal sementara")
def flaky(ctx: JobContext) -> dict:
    """Fails transiently on its first `fail_times` dispatches."""
    if ctx.dispatch <= int(ctx.params.get("fail_times", 1)):
        raise TransientJobError("server surat sedang sibuk")
    return {"ok": True}


@job_handler("test.boom", title="Uji: gagal permanen")
def boom(ctx: JobContext) -> dict:
    raise ValueError("data tidak valid untuk tugas ini")
