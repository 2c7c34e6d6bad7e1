"""The beneficiary file's columns and the dry run of its rows, per sponsorship."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.extensions import db
from crm.imports import PROGRESS_EVERY, Check, Column, Issue, Progress, Table, chunked
from crm.sponsorships.beneficiaries import clean_beneficiary, conflicts
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.nik import mask_nik

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
class BeneficiaryCheck(Check):
    new_niks: list[str] = field(default_factory=list)


# Refused per row: a bad NIK/KPJ/phone, no name, the same NIK twice in the file, a NIK already
# in this sponsorship, or one sponsored elsewhere in an overlapping period (the message names
# the other sponsor; NIKs are always shown masked).
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
