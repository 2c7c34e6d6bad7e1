"""Timings of the supply-chain screens and jobs for a parent with 20,000 vendors: its page,
its coverage figures, the roll-up, the daily snapshot, and a 20,000-row vendor import.

Not part of the test suite. It builds its own data in the database it is given (run the
migrations first; a fresh file is best), see bench/README.md:

    export DATABASE_URL=sqlite:////tmp/relasi-sc-bench.db CRM_INSTANCE_PATH=/tmp/relasi-sc-inst
    .venv/bin/flask --app wsgi db upgrade
    .venv/bin/python bench/supply_chain_bench.py
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import accounts_bench as base
from accounts_bench import Case, Result
from flask import Flask
from sqlalchemy import func, insert, select

from crm.accounts.models import Account
from crm.auth.models import User
from crm.compliance.models import CompliancePeriod
from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db
from crm.imports.registry import Run
from crm.imports.runs import dry_run, run_import
from crm.imports.tickets import new_ticket
from crm.supply_chain import coverage
from crm.supply_chain.imports import VENDORS
from crm.supply_chain.models import SupplyChainLink

PARENT = "PT Bench Induk Rantai Pasok (Persero)"
IMPORT_PARENT = "PT Bench Induk Impor (Persero)"
MONTHS = 12


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _user(email: str, role: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=email.split("@")[0], role=role, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


def _accounts(prefix: str, n: int, first_npp: int, rm_id: int) -> list[int]:
    """n registered companies (NPP and NPWP), inserted in bulk; their ids."""
    now = utcnow()
    rows = [
        {
            "name": f"{prefix} {i:05d}",
            "search_name": f"{prefix.lower()} {i:05d}",
            "kind": "company",
            "segment": "corporate",
            "status": "active",
            "address": "",
            "city": "Jakarta",
            "npp": f"{first_npp + i:08d}",
            "npwp": f"09{first_npp + i:014d}",
            "headcount": 50 + i % 400,
            "rm_id": rm_id,
            "character_notes": "",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    for start in range(0, n, 5000):
        db.session.execute(insert(Account), rows[start : start + 5000])
    return list(
        db.session.scalars(
            select(Account.id).where(
                Account.npp.between(f"{first_npp:08d}", f"{first_npp + n - 1:08d}")
            )
        )
    )


def _months(account_ids: list[int], today: date) -> None:
    """MONTHS contribution months per account (workers registered vary a little)."""
    now = utcnow()
    month = today.replace(day=1)
    periods = []
    for _ in range(MONTHS):
        month = (month - timedelta(days=1)).replace(day=1)
        periods.append(month)
    rows = []
    for account_id in account_ids:
        for k, period in enumerate(periods):
            rows.append(
                {
                    "account_id": account_id,
                    "period": period,
                    "workers_registered": 40 + (account_id + k) % 300,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if len(rows) >= 20000:
            db.session.execute(insert(CompliancePeriod), rows)
            rows = []
    if rows:
        db.session.execute(insert(CompliancePeriod), rows)


def _links(parent_id: int, account_ids: list[int], prospects: int) -> None:
    now = utcnow()
    statuses = ("not_contacted", "invited", "in_progress", "refused")
    rows = [
        {
            "parent_id": parent_id,
            "vendor_account_id": a,
            "name": f"Vendor terdaftar {i:05d}",
            "search_name": f"vendor terdaftar {i:05d}",
            "estimated_workers": 60 + i % 350,
            "campaign_status": "registered",
        }
        for i, a in enumerate(account_ids)
    ]
    rows += [
        {
            "parent_id": parent_id,
            "name": f"Vendor prospek {i:05d}",
            "search_name": f"vendor prospek {i:05d}",
            "npwp": f"08{i:014d}",
            "estimated_workers": 20 + i % 200,
            "campaign_status": statuses[i % 4],
        }
        for i in range(prospects)
    ]
    defaults = {"contact_name": "", "phone": "", "email": "", "address": "", "contract": ""}
    defaults |= {"vendor_account_id": None, "npwp": None}
    rows = [{**defaults, "created_at": now, "updated_at": now, **r} for r in rows]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(SupplyChainLink), rows[start : start + 5000])


def build(vendors: int) -> tuple[User, User, int]:
    """The supervisor, the RM, and a parent with `vendors` vendors (half registered)."""
    supervisor = _user("bench-supervisor@relasi.test", "supervisor")
    rm = _user("bench-rm@relasi.test", "rm")
    parent = db.session.scalar(select(Account).where(Account.name == PARENT))
    if parent is None:
        parent = Account(name=PARENT, search_name="bench induk rantai pasok", rm_id=rm.id)
        db.session.add(parent)
        db.session.flush()
        registered = _accounts("PT Bench Vendor", vendors // 2, 40_000_000, rm.id)
        _months(registered, today_local())
        _links(parent.id, registered, vendors - len(registered))
        db.session.commit()
    return supervisor, rm, parent.id


def cases(app: Flask, supervisor: User, rm: User, parent_id: int) -> list[Case]:
    sup, own = supervisor.get_id(), rm.get_id()
    base_url = f"/supply-chain/{parent_id}"
    client = base._client(app, sup)
    html = base._get(client, base_url)
    match = base.NEXT_LINK.search(html)
    page2 = match.group(1).replace("&amp;", "&") if match else base_url
    return [
        Case("parent page (coverage, trend, vendors p1), supervisor", sup, base_url, "vendor"),
        Case("parent page, its RM", own, base_url, "vendor"),
        Case("parent page 2 via cursor", sup, page2),
        Case("parent page, status filter (prospects)", sup, f"{base_url}?status=unregistered"),
        Case("parent page, name search", sup, f"{base_url}?q=prospek%2001234"),
        Case("roll-up /supply-chain/, supervisor", sup, "/supply-chain/"),
    ]


def time_coverage(app: Flask, parent_id: int, iterations: int) -> Result:
    """The coverage figures alone (one statement), timed as a function call."""
    with app.app_context():
        today = today_local()
        coverage.parent_coverage(parent_id, today)
        samples = []
        for _ in range(iterations):
            started = time.perf_counter()
            coverage.parent_coverage(parent_id, today)
            samples.append((time.perf_counter() - started) * 1000)
    url = f"parent_coverage({parent_id})"
    return Result("coverage figures (function)", url, statistics.median(samples),
                  base._p95(samples), 1, iterations)  # fmt: skip


def vendor_file(rows: int) -> bytes:
    """A vendor list: a quarter matches registered accounts by NPP, the rest are prospects."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["nama", "npwp", "npp", "kontak", "telepon", "perkiraan_pekerja", "kontrak"])
    for i in range(rows):
        npp = f"{40_000_000 + i // 4:08d}" if i % 4 == 0 else ""
        npwp = "" if npp else f"07{i:014d}"
        writer.writerow([f"PT Impor Vendor {i:05d}", npwp, npp, "Budi", "0812-0000-0000",
                         str(30 + i % 250), "Jasa umum"])  # fmt: skip
    return out.getvalue().encode()


def time_import(app: Flask, rm: User, rows: int) -> dict:
    """Preview (dry run) and the confirmed write (as the job runs it: checked again, all
    rows written, committed), for a new parent of `rows` vendors."""
    with app.app_context():
        rm = db.session.get(User, rm.id)
        parent = Account(name=IMPORT_PARENT, search_name="bench induk impor", rm_id=rm.id)
        db.session.add(parent)
        db.session.commit()
        data = vendor_file(rows)
        started = time.perf_counter()
        check = dry_run(VENDORS, data, "vendor.csv", Run(VENDORS, rm, parent))
        preview = time.perf_counter() - started
        if not check.ok:
            raise RuntimeError(f"bench file refused: {check.errors[:3]}")
        ticket = new_ticket(VENDORS, data, "vendor.csv", check.total, rm, parent)
        started = time.perf_counter()
        outcome = run_import(ticket, rm)
        db.session.commit()
        write = time.perf_counter() - started
        again = new_ticket(VENDORS, data, "vendor.csv", check.total, rm, parent)
        started = time.perf_counter()
        second = run_import(again, rm)
        db.session.commit()
        rewrite = time.perf_counter() - started
        linked = db.session.scalar(
            select(func.count())
            .select_from(SupplyChainLink)
            .where(SupplyChainLink.parent_id == parent.id)
        )
    return {"rows": rows, "preview_s": preview, "write_s": write, "created": outcome.created,
            "linked": linked, "registered": check.registered, "rewrite_s": rewrite,
            "updated": second.updated}  # fmt: skip


def time_snapshot(app: Flask) -> tuple[float, int]:
    with app.app_context():
        started = time.perf_counter()
        parents = coverage.write_snapshots(today_local())
        db.session.commit()
        return time.perf_counter() - started, parents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=20000)
    parser.add_argument("--import-rows", type=int, default=20000)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    from crm import create_app

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        supervisor, rm, parent_id = build(args.vendors)
        print(f"data ready in {time.perf_counter() - started:.1f} s")
        url = db.engine.url.render_as_string(hide_password=True)
        links = db.session.scalar(
            select(func.count())
            .select_from(SupplyChainLink)
            .where(SupplyChainLink.parent_id == parent_id)
        )
        print(f"database: {url}, parent {parent_id} with {links} vendors; "
              f"python {platform.python_version()}; load {load()}")  # fmt: skip
        the_cases = cases(app, supervisor, rm, parent_id)
    results = base.time_cases(app, the_cases, args.iterations, args.warmup)
    results.append(time_coverage(app, parent_id, args.iterations))
    print(base.table(results))
    seconds, parents = time_snapshot(app)
    print(f"\ndaily snapshot: {parents} parents in {seconds * 1000:.0f} ms")
    if args.import_rows:
        out = time_import(app, rm, args.import_rows)
        print(
            f"import of {out['rows']} vendors: preview {out['preview_s']:.1f} s, "
            f"confirmed write {out['write_s']:.1f} s (checked again + written + committed), "
            f"total {out['preview_s'] + out['write_s']:.1f} s; {out['created']} created, "
            f"{out['registered']} matched to accounts by NPP; load {load()}"
        )
        print(
            f"the same file again: {out['rewrite_s']:.1f} s (checked + {out['updated']} vendors "
            f"updated + committed); {out['linked']} vendors under the parent"
        )


if __name__ == "__main__":
    main()
