"""Helpers for import tests: tickets, dry runs, files, upload requests, a job worker."""

from __future__ import annotations

import csv
import io
import re

from rq import Queue, SimpleWorker

from crm import queue as rq_queue
from crm.imports.registry import KINDS, Run
from crm.imports.runs import dry_run
from crm.imports.tickets import Ticket, new_ticket
from tests.conftest import post_form


def ticket_for(kind: str, data: bytes, rows: int, actor, scope=None, name: str = "f.csv") -> Ticket:
    """What the preview hands the confirm step, for `rows` rows of `data`."""
    return new_ticket(KINDS[kind], data, name, rows, actor, scope)


def check_file(kind: str, data: bytes, actor, scope=None, name: str = "f.csv"):
    """The dry run of a file as the upload page makes it."""
    import_kind = KINDS[kind]
    return dry_run(import_kind, data, name, Run(import_kind, actor, scope))


TICKET = re.compile(r'name="ticket" type="hidden" value="([^"]+)"')
COMPLIANCE_HEADERS = [
    "npp",
    "periode",
    "tk_terdaftar",
    "tk_dilaporkan",
    "upah_dilaporkan",
    "iuran_wajib",
    "iuran_dibayar",
    "tanggal_bayar",
]


def month_row(npp: str, paid: str = "10.000.000", paid_on: str = "2026-11-13", **other) -> dict:
    """A compliance row for October 2026: fully paid unless `paid` says otherwise."""
    values = {
        "npp": npp,
        "periode": "2026-10",
        "tk_terdaftar": "100",
        "tk_dilaporkan": "100",
        "upah_dilaporkan": "250.000.000",
        "iuran_wajib": "10.000.000",
        "iuran_dibayar": paid,
        "tanggal_bayar": paid_on,
    }
    return values | other


def to_csv(rows: list[dict], headers: list[str] | None = None) -> bytes:
    headers = headers or list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode()


def upload(client, url: str, data: bytes, filename: str = "f.csv"):
    """POST a file to an import page: the dry-run preview."""
    files = {"file": (io.BytesIO(data), filename)}
    return post_form(client, url, files, content_type="multipart/form-data")


def ticket_of(html: str) -> str:
    match = TICKET.search(html)
    assert match, "the preview offers no confirm button"
    return match.group(1)


def run_jobs(app) -> None:
    """Run every queued job in this process, then stop."""
    q = Queue(app.config["QUEUE_NAME"], connection=rq_queue.redis_connection())
    SimpleWorker([q], connection=q.connection).work(burst=True)
