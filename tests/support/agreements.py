"""Helpers for agreement tests: a small team, agreements made through the service, PDFs."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from crm.compliance.services import today_local
from crm.extensions import db
from crm.partners import services
from crm.partners.services import AgreementData
from tests.factories import AccountFactory, BranchFactory, InstitutionFactory, UserFactory


def pdf_bytes(text: str = "Naskah uji", pages: int = 1) -> bytes:
    """A small real PDF (pypdf writes blank pages; the text goes in the metadata)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 2000


@dataclass
class Team:
    supervisor: object
    admin: object
    rm: object  # responsible for the institution
    other_rm: object  # no branch, not responsible
    branch_rm: object  # branch staff of branch_a
    stranger_rm: object  # branch staff of a branch the agreement does not cover
    institution: object
    company: object
    branch_a: object
    branch_b: object
    branch_c: object


def make_team() -> Team:
    branch_a, branch_b, branch_c = BranchFactory(), BranchFactory(), BranchFactory()
    rm = UserFactory(role="rm", name="RM Institusi")
    institution = InstitutionFactory(name="Kementerian Uji Coba", rm_id=rm.id)
    team = Team(
        supervisor=UserFactory(role="supervisor"),
        admin=UserFactory(role="admin"),
        rm=rm,
        other_rm=UserFactory(role="rm"),
        branch_rm=UserFactory(role="rm", branch_office_id=branch_a.id),
        stranger_rm=UserFactory(role="rm", branch_office_id=branch_c.id),
        institution=institution,
        company=AccountFactory(rm_id=rm.id),
        branch_a=branch_a,
        branch_b=branch_b,
        branch_c=branch_c,
    )
    db.session.flush()
    return team


def mou(
    team: Team,
    *,
    start: date | None = None,
    days: int = 365 * 3,
    status: str = "draft",
    title: str = "MoU Perlindungan Pekerja Non-ASN",
    **fields,
):
    start = start or today_local() - timedelta(days=30)
    data = AgreementData(
        title=title,
        valid_from=start,
        valid_to=start + timedelta(days=days),
        account_id=team.institution.id,
        branch_ids=fields.pop("branch_ids", [team.branch_a.id, team.branch_b.id]),
        signed_on=fields.pop("signed_on", start if status in ("signed", "active") else None),
        **fields,
    )
    agreement = services.create_agreement(data, team.supervisor)
    agreement.rm_id = team.rm.id
    agreement.status = status
    db.session.flush()
    return agreement


def pks(team: Team, parent, *, start=None, end=None, status: str = "draft", **fields):
    data = AgreementData(
        title=fields.pop("title", "PKS Pendaftaran Pekerja Pemda"),
        valid_from=start or parent.valid_from,
        valid_to=end or parent.valid_to,
        branch_ids=fields.pop("branch_ids", [team.branch_a.id]),
        signed_on=parent.valid_from if status in ("signed", "active") else None,
        **fields,
    )
    agreement = services.create_agreement(data, team.supervisor, parent)
    agreement.rm_id = team.rm.id
    agreement.status = status
    db.session.flush()
    return agreement
