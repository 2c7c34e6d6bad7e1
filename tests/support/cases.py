"""Escalation-case helpers: posting case forms, moving clocks, importing months."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from crm.cases.models import (
    LETTER_TYPES,
)
from crm.compliance.models import ComplianceImport, CompliancePeriod, unpaid_of
from crm.compliance.services import today_local
from crm.extensions import db as _db
from tests.conftest import csrf_token
from tests.support.compliance import HEADERS, confirm, to_csv, upload


def import_rows(client, rows) -> ComplianceImport:
    """Upload and confirm a compliance file as the signed-in supervisor; the import row."""
    html = upload(client, to_csv(rows, [*HEADERS, "denda_dibayar"])).get_data(as_text=True)
    assert "Semua baris valid" in html, html[:2000]
    confirm(client, html)
    return ComplianceImport.query.order_by(ComplianceImport.id.desc()).first()


def post_prefixed(client, url, prefix, data, **kw):
    """POST a form rendered with a prefix (the case page's forms): prefix-field names."""
    fields = {f"{prefix}-{k}": v for k, v in data.items()}
    fields[f"{prefix}-csrf_token"] = csrf_token(client)
    return client.post(url, data=fields, **kw)


def advance(client, case, to_stage, note="", **kw):
    data = {"to_stage": to_stage, "note": note}
    if "due_on" in kw:
        data["due_on"] = kw.pop("due_on")
    return post_prefixed(client, f"/cases/{case.id}/advance", "advance", data, **kw)


def close(client, case, data, **kw):
    return post_prefixed(client, f"/cases/{case.id}/close", "close", data, **kw)


def backdate(case, days: int = 30) -> None:
    """As if the case had entered its stage `days` ago: its letter request and the event
    that moved it there (issue dates may not be earlier than those)."""
    when = case.opened_at - timedelta(days=days)
    for letter in case.letter_requests:
        letter.created_at = when
    for event in case.events:
        event.created_at = when
    _db.session.flush()


def ready(case) -> None:
    """Let the case move on as if time had passed: its letter issued and received, its
    period over."""
    letter = case.current_letter
    if case.stage in LETTER_TYPES and letter is not None and letter.status != "received":
        letter.issued_on = letter.issued_on or today_local() - timedelta(days=20)
        letter.status, letter.received_on = "received", letter.issued_on + timedelta(days=1)
    case.stage_due_on = today_local() - timedelta(days=1)
    _db.session.flush()


def names_on(html: str, prefix: str = "PT Kasus") -> set[str]:
    return set(re.findall(rf"{prefix} [A-Za-z0-9]+", html))


def xlsx_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def add_month(account, period, due, paid=0, paid_on=None, fine_paid=0):
    month = CompliancePeriod(
        account_id=account.id,
        period=period,
        contribution_due=due,
        amount_paid=paid,
        unpaid=unpaid_of(due, paid),
        paid_on=paid_on,
        fine_paid=fine_paid,
    )
    _db.session.add(month)
    return month


def sent_outside_system(request) -> None:
    """As if the stage's letter went out on paper made outside this system: the request has
    no system letter, so its dates are entered on the case page."""
    request.letter_id = None
    _db.session.flush()
