"""Beneficiary import of one sponsorship (CSV/XLSX), with the accounts import's guarantees:
a dry run lists every bad row and writes nothing; only a clean file can be confirmed, and
then it is checked again and written all at once, once per signed ticket; files above
IMPORT_SYNC_MAX_ROWS rows are written by the `sponsorships.import` job.

Per-row errors: a bad NIK/KPJ/phone, no name, the same NIK twice in the file, a NIK already
in this sponsorship, or one sponsored elsewhere in an overlapping period (the message names
the other sponsor; NIKs are always shown masked).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import insert, select

from crm import audit, storage
from crm.accounts.imports.columns import Column
from crm.accounts.imports.common import PROGRESS_EVERY, Check, Issue, Progress, chunked
from crm.accounts.imports.runs import ImportRejected
from crm.accounts.imports.tabular import Table, read_table
from crm.audit import AuditLog
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.services import ServiceError
from crm.sponsorships.beneficiaries import clean_beneficiary, conflicts
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.nik import mask_nik
from crm.sponsorships.services import can_manage, is_open, refresh_figures

JOB_KIND = "sponsorships.import"
TICKET_SALT = "sponsorship-import"
TICKET_MAX_AGE = 2 * 24 * 3600
MAX_ROWS = 20_000
MAX_BYTES = 5 * 2**20

COLUMNS = (
    Column("nik", "nik", (), True, "3273014509870001", _l("16 digit. Wajib.")),
    Column("name", "nama", ("name",), True, "Siti Aminah", _l("Wajib.")),
    Column("occupation", "pekerjaan", ("occupation",), False, "Pedagang pasar", ""),
    Column("kelurahan", "kelurahan", (), False, "Braga", ""),
    Column("kecamatan", "kecamatan", (), False, "Sumur Bandung", ""),
    Column("city", "kota", ("city", "kabupaten"), False, "Kota Bandung", ""),
    Column("phone", "telepon", ("phone", "hp"), False, "081234567890", _l("8 sampai 15 digit.")),
    Column("kpj", "kpj", (), False, "", _l("11 digit, bila sudah terdaftar.")),
)
HEADERS = {c.key: c.header for c in COLUMNS}


@dataclass
class Ticket:
    """What the confirm step needs; signed, so it cannot point at another file or sponsorship."""

    import_id: str
    sponsorship_id: int
    file: str
    filename: str
    rows: int
    user_id: int


@dataclass
class BeneficiaryCheck(Check):
    new_niks: list[str] = field(default_factory=list)


def dry_run(
    sponsorship: Sponsorship,
    data: bytes,
    filename: str,
    today: date,
    progress: Progress | None = None,
) -> BeneficiaryCheck:
    """Read and check a file without writing anything; UploadError when it is unreadable."""
    table = read_table(data, filename, COLUMNS, MAX_ROWS)
    return check_rows(sponsorship, table, today, progress)


def check_rows(
    sponsorship: Sponsorship, table: Table, today: date, progress: Progress | None = None
) -> BeneficiaryCheck:
    total = len(table.rows)
    check = BeneficiaryCheck("beneficiaries", total, notes=list(table.notes))
    parsed: list[tuple[int, dict]] = []
    first_line: dict[str, int] = {}
    for i, (line, data) in enumerate(table.rows, start=1):
        values, errors = clean_beneficiary(data)
        for key, message in errors.items():
            check.errors.append(Issue(line, HEADERS.get(key, key), message))
        nik = values.get("nik")
        if nik and "nik" not in errors:
            if nik in first_line:
                check.errors.append(
                    Issue(
                        line,
                        "nik",
                        _(
                            "NIK %(nik)s sudah ada di baris %(line)d.",
                            nik=mask_nik(nik),
                            line=first_line[nik],
                        ),
                    )
                )
                errors["nik"] = "dup"
            else:
                first_line[nik] = line
        if not errors:
            parsed.append((line, values))
        if progress and i % PROGRESS_EVERY == 0:
            progress(i, total)
    _check_stored(sponsorship, parsed, first_line, today, check)
    check.errors.sort(key=lambda issue: issue.line)
    return check


def _check_stored(sponsorship, parsed, first_line, today, check: BeneficiaryCheck) -> None:
    """NIKs already in this sponsorship or sponsored elsewhere, loaded per chunk."""
    niks = list(first_line)
    here: set[str] = set()
    for batch in chunked(niks):
        here.update(
            db.session.scalars(
                select(SponsorshipBeneficiary.nik).where(
                    SponsorshipBeneficiary.sponsorship_id == sponsorship.id,
                    SponsorshipBeneficiary.nik.in_(batch),
                )
            )
        )
    elsewhere = conflicts(niks, sponsorship.start_month, sponsorship.end_on, sponsorship.id, today)
    for line, values in parsed:
        nik = values["nik"]
        if nik in here:
            check.errors.append(
                Issue(
                    line, "nik", _("NIK %(nik)s sudah ada di sponsorship ini.", nik=mask_nik(nik))
                )
            )
        elif nik in elsewhere:
            check.errors.append(Issue(line, "nik", elsewhere[nik].message()))
        else:
            check.rows.append(values)


def new_ticket(sponsorship: Sponsorship, data: bytes, filename: str, rows: int, actor) -> Ticket:
    key = storage.put_bytes(data)
    return Ticket(uuid.uuid4().hex, sponsorship.id, key, filename[-200:], rows, actor.id)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def sign_ticket(ticket: Ticket) -> str:
    return _serializer().dumps(asdict(ticket))


def read_ticket(token: str, actor, sponsorship_id: int) -> Ticket | None:
    """The ticket, if the signature holds and it is this user's, for this sponsorship."""
    try:
        ticket = Ticket(**_serializer().loads(token or "", max_age=TICKET_MAX_AGE))
    except (BadSignature, TypeError):
        return None
    if ticket.user_id != actor.id or ticket.sponsorship_id != sponsorship_id:
        return None
    return ticket if storage.exists(ticket.file) else None


def previous_run(import_id: str) -> AuditLog | None:
    return db.session.scalar(
        select(AuditLog).where(
            AuditLog.entity_type == "sponsorship_import", AuditLog.entity_id == import_id
        )
    )


def run_import(ticket: Ticket, actor: User, today: date, progress: Progress | None = None) -> int:
    """Check the stored file again and insert every row or none (caller commits); a ticket
    is written once. Returns the number of beneficiaries added."""
    done = previous_run(ticket.import_id)
    if done is not None:
        return int((done.after or {}).get("count", 0))
    sponsorship = db.session.get(Sponsorship, ticket.sponsorship_id)
    if sponsorship is None:
        raise ServiceError(_("Sponsorship ini tidak ada lagi."))
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    if not is_open(sponsorship, today):
        raise ServiceError(
            _("Penerima manfaat hanya dapat diubah selama sponsorship masih berjalan.")
        )
    # One import per sponsorship at a time (a row lock on PostgreSQL).
    db.session.execute(
        select(Sponsorship.id).where(Sponsorship.id == sponsorship.id).with_for_update()
    )
    done = previous_run(ticket.import_id)
    if done is not None:
        return int((done.after or {}).get("count", 0))
    check = dry_run(sponsorship, storage.read_bytes(ticket.file), ticket.filename, today, progress)
    if not check.ok:
        raise ImportRejected(check)
    now = utcnow()
    rows = [
        {**values, "sponsorship_id": sponsorship.id, "created_at": now, "updated_at": now}
        for values in check.rows
    ]
    for batch in chunked(rows, 2000):
        db.session.execute(insert(SponsorshipBeneficiary), batch)
    refresh_figures(sponsorship)
    audit.record(
        "sponsorship.beneficiary_import",
        entity_type="sponsorship_import",
        entity_id=ticket.import_id,
        summary=_(
            "%(n)d penerima manfaat diimpor dari %(file)s ke sponsorship #%(id)d",
            n=len(rows),
            file=ticket.filename,
            id=sponsorship.id,
        ),
        after={
            "sponsorship_id": sponsorship.id,
            "file": ticket.file,
            "filename": ticket.filename,
            "count": len(rows),
        },
        actor=actor,
    )
    return len(rows)


def queued_job(ticket: Ticket) -> BackgroundJob | None:
    """The job already made for this ticket (a second click on confirm), if any."""
    from crm.jobs.services import job_for_import

    return job_for_import(JOB_KIND, ticket.user_id, ticket.import_id)
