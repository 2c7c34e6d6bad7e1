"""The filtered account list as CSV/XLSX, in the import's own columns, so an export can be
edited and imported again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from crm.accounts import services
from crm.accounts.imports.columns import ACCOUNT_COLUMNS
from crm.accounts.models import Account
from crm.exports import XLSX_MIMETYPE, csv_bytes, xlsx_bytes
from crm.extensions import db
from crm.imports.checks import Progress

FORMATS = ("csv", "xlsx")
MIMETYPES = {"csv": "text/csv", "xlsx": XLSX_MIMETYPE}
EXTRA_HEADERS = ["id", "nama_rm", "nama_cabang", "kekosongan_key_person_sejak"]
BATCH = 2000


@dataclass
class ExportFile:
    data: bytes
    filename: str
    mimetype: str
    rows: int


def count_accounts(filters: services.AccountFilters) -> int:
    stmt = services.account_query(filters).with_only_columns(Account.id)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def _account_rows(filters: services.AccountFilters, total: int, progress: Progress | None):
    """Rows in name order, read in keyset batches (no OFFSET, no N+1)."""
    stmt = services.account_query(filters).options(
        joinedload(Account.rm), joinedload(Account.branch_office), joinedload(Account.parent)
    )
    done, last = 0, None
    while True:
        page = stmt.order_by(Account.name, Account.id).limit(BATCH)
        if last is not None:
            page = page.where(
                or_(Account.name > last[0], and_(Account.name == last[0], Account.id > last[1]))
            )
        accounts = db.session.scalars(page).all()
        if not accounts:
            break
        for a in accounts:
            yield _account_values(a)
        done += len(accounts)
        last = (accounts[-1].name, accounts[-1].id)
        if progress:
            progress(done, total)


def _account_values(a: Account) -> list:
    values = {
        "name": a.name,
        "kind": a.kind,
        "segment": a.segment,
        "status": a.status,
        "ownership": a.ownership,
        "sector": a.sector,
        "headcount": a.headcount,
        "npp": a.npp,
        "npwp": a.npwp,
        "nib": a.nib,
        "address": a.address,
        "city": a.city,
        "branch_code": a.branch_office.code if a.branch_office else None,
        "rm_email": a.rm.email if a.rm else None,
        "parent_npp": a.parent.npp if a.parent else None,
    }
    row = ["" if values[c.key] is None else values[c.key] for c in ACCOUNT_COLUMNS]
    return [
        *row,
        a.id,
        a.rm.name if a.rm else "",
        a.branch_office.name if a.branch_office else "",
        a.key_person_gap_since.isoformat() if a.key_person_gap_since else "",
    ]


def account_export(
    filters: services.AccountFilters, fmt: str, progress: Progress | None = None
) -> ExportFile:
    """The filtered accounts as a CSV or XLSX file."""
    total = count_accounts(filters)
    if progress:
        progress(0, total)
    headers = [c.header for c in ACCOUNT_COLUMNS] + EXTRA_HEADERS
    rows = _account_rows(filters, total, progress)
    data = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(headers, rows, "akun")
    return ExportFile(data, f"akun-{date.today():%Y%m%d}.{fmt}", MIMETYPES[fmt], total)
