"""Helpers for import tests: tickets, dry runs, files, upload requests, a job worker."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

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


def to_csv(rows: list[dict], headers=None, delimiter=",", encoding="utf-8") -> bytes:
    """A CSV file: the headers (default: the first row's keys) and one line per row."""
    headers = headers or list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def upload(client, url: str, data: bytes, filename: str = "f.csv"):
    """POST a file to an import page: the dry-run preview."""
    files = {"file": (io.BytesIO(data), filename)}
    return post_form(client, url, files, content_type="multipart/form-data")


def ticket_of(html: str) -> str:
    match = TICKET.search(html)
    assert match, "the preview offers no confirm button"
    return match.group(1)


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
