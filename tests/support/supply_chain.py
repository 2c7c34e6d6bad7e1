"""Helpers of the supply-chain tests: a parent with its RM, vendors, compliance months,
vendor-list files, uploads and the in-process worker."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import func, select

from crm.compliance.models import CompliancePeriod
from crm.extensions import db
from crm.supply_chain.models import SupplyChainLink
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support import imports

HEADERS = [
    "nama",
    "npwp",
    "npp",
    "kontak",
    "telepon",
    "email",
    "alamat",
    "perkiraan_pekerja",
    "kontrak",
]
TICKET = re.compile(r'name="ticket" type="hidden" value="([^"]+)"')


def parent_with_rm(**kwargs):
    """A BUMN parent owned by a new RM."""
    rm = UserFactory(role="rm")
    return AccountFactory(rm=rm, ownership="bumn", **kwargs)


def prospect(parent, name: str, workers: int | None = 100, **kwargs) -> SupplyChainLink:
    """A vendor prospect added straight to the table (services are tested on their own)."""
    from crm.accounts.services import search_name

    link = SupplyChainLink(
        parent_id=parent.id,
        name=name,
        search_name=search_name(name),
        estimated_workers=workers,
        **kwargs,
    )
    db.session.add(link)
    db.session.flush()
    return link


def registered(parent, account, workers: int | None = 100, **kwargs) -> SupplyChainLink:
    link = prospect(parent, account.name, workers, vendor_account_id=account.id, **kwargs)
    link.campaign_status = "registered"
    db.session.flush()
    return link


def month(account, period: date, workers: int) -> CompliancePeriod:
    row = CompliancePeriod(account_id=account.id, period=period, workers_registered=workers)
    db.session.add(row)
    db.session.flush()
    return row


def vendor_row(name: str, **values) -> dict:
    return {"nama": name, **values}


def to_csv(rows: list[dict], headers=HEADERS) -> bytes:
    return imports.to_csv(rows, headers)


def upload(client, parent_id: int, data: bytes, filename="vendor.csv"):
    return post_form(
        client,
        f"/supply-chain/{parent_id}/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, parent_id: int, html: str, **kwargs):
    match = TICKET.search(html)
    assert match, "the preview offers no confirm button"
    return post_form(
        client, f"/supply-chain/{parent_id}/import/confirm", {"ticket": match.group(1)}, **kwargs
    )


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
