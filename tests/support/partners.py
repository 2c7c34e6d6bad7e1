"""Test data for the partner portal: agreements, documents and reports made directly through
the models and crm.storage (independent of the agreements services), and a two-institution
world (Kemendagri and BGN) for the isolation sweeps."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from pypdf import PdfWriter

from crm import storage
from crm.extensions import db
from crm.partners.models import (
    Agreement,
    AgreementBranch,
    AgreementDocument,
    ImplementationReport,
)
from tests.factories import BranchFactory, InstitutionFactory, UserFactory, approved_letter


def sample_pdf(marker: str = "") -> bytes:
    """A small valid one-page PDF; `marker` goes into its metadata so each file differs."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": marker or "Dokumen uji"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_agreement(account, *, kind="mou", status="active", rm=None, parent=None, **fields):
    values = {
        "title": f"{'MoU' if kind == 'mou' else 'PKS'} {account.name}",
        "scope": "Perlindungan jaminan sosial ketenagakerjaan pekerja non-ASN.",
        "our_number": f"MOU/{account.id}/2026",
        "partner_number": f"KL/{account.id}/2026",
        "signed_on": date(2026, 1, 10),
        "valid_from": date(2026, 1, 10),
        "valid_to": date(2028, 1, 9),
        "internal_notes": "",
    }
    values.update(fields)
    agreement = Agreement(
        kind=kind,
        account_id=account.id,
        status=status,
        rm_id=getattr(rm, "id", None),
        parent_id=getattr(parent, "id", None),
        **values,
    )
    db.session.add(agreement)
    db.session.flush()
    return agreement


def add_document(
    agreement,
    *,
    kind="signed",
    title="Naskah perjanjian",
    version=1,
    filename=None,
    data=None,
    report=None,
):
    data = data or sample_pdf(f"{agreement.id}-{kind}-{title}-{version}")
    key = storage.put_bytes(data)
    document = AgreementDocument(
        agreement_id=agreement.id,
        kind=kind,
        title=title,
        version=version,
        storage_key=key,
        filename=filename or f"{title.replace(' ', '_')}_v{version}.pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        report_id=getattr(report, "id", None),
    )
    db.session.add(document)
    db.session.flush()
    return document


def cover_branches(agreement, *branches) -> None:
    for branch in branches:
        db.session.add(AgreementBranch(agreement_id=agreement.id, branch_office_id=branch.id))
    db.session.flush()


def add_report(agreement, branch, *, status="in_progress", workers=0, notes="", **fields):
    report = ImplementationReport(
        agreement_id=agreement.id,
        branch_office_id=branch.id,
        period_kind=fields.pop("period_kind", "month"),
        period_start=fields.pop("period_start", date(2026, 10, 1)),
        status=status,
        workers_covered=workers,
        notes=notes,
        **fields,
    )
    db.session.add(report)
    db.session.flush()
    return report


@dataclass
class Institution:
    """One institution's rows, with the strings that must never leak to another one."""

    account: object
    partner: object
    rm: object
    mou: object
    pks: object
    draft: object
    documents: dict = field(default_factory=dict)
    report: object = None
    letter: object = None
    secrets: list[str] = field(default_factory=list)


def build_institution(name: str, code: str, branch) -> Institution:
    """An institution with an MoU, a PKS under it, a draft, documents in every kind (two
    versions of the signed MoU, an evidence file), a report with internal notes, a letter."""
    rm = UserFactory(role="rm", name=f"RM {code}", email=f"rm-{code.lower()}@relasi.test")
    account = InstitutionFactory(name=name, rm=rm)
    partner = UserFactory(
        role="partner", account=account, name=f"Mitra {code}", email=f"partner@{code.lower()}.test"
    )
    mou = make_agreement(
        account,
        rm=rm,
        title=f"MoU {code} Perlindungan Pekerja",
        our_number=f"NK/{code}/001",
        partner_number=f"{code}-PN-001",
        internal_notes=f"Catatan internal {code} rahasia",
    )
    pks = make_agreement(
        account,
        kind="pks",
        rm=rm,
        parent=mou,
        title=f"PKS {code} Wilayah Barat",
        our_number=f"PKS/{code}/002",
        partner_number=f"{code}-PN-002",
        valid_from=date(2026, 2, 1),
        valid_to=date(2027, 12, 31),
    )
    draft = make_agreement(
        account,
        kind="pks",
        rm=rm,
        parent=mou,
        status="draft",
        title=f"PKS {code} Draf Timur",
        our_number=f"PKS/{code}/DRAFT",
    )
    cover_branches(pks, branch)
    report = add_report(
        pks,
        branch,
        status="blocked",
        workers=1234,
        notes=f"Catatan cabang {code} internal",
        blocked_reason=f"Alasan kendala {code} internal",
    )
    docs = {
        "signed_v1": add_document(
            mou, title="Naskah MoU", version=1, filename=f"MoU_{code}_v1.pdf"
        ),
        "signed_v2": add_document(
            mou, title="Naskah MoU", version=2, filename=f"MoU_{code}_v2.pdf"
        ),
        "annex": add_document(
            mou, kind="annex", title="Lampiran I", filename=f"Lampiran_{code}.pdf"
        ),
        "guideline": add_document(
            pks, kind="guideline", title="Juknis", filename=f"Juknis_{code}.pdf"
        ),
        "evidence": add_document(
            pks,
            kind="evidence",
            title="Bukti sosialisasi",
            filename=f"Bukti_{code}.pdf",
            report=report,
        ),
        "draft_doc": add_document(draft, title="Draf PKS", filename=f"Draf_{code}.pdf"),
    }
    secrets = [
        name,
        mou.title,
        pks.title,
        draft.title,
        f"NK/{code}/001",
        f"{code}-PN-001",
        f"MoU_{code}_v1.pdf",
        f"Juknis_{code}.pdf",
        f"Bukti_{code}.pdf",
    ]
    return Institution(
        account=account,
        partner=partner,
        rm=rm,
        mou=mou,
        pks=pks,
        draft=draft,
        documents=docs,
        report=report,
        secrets=secrets,
    )


@dataclass
class PartnerWorld:
    kemendagri: Institution
    bgn: Institution
    branch: object


def partner_world() -> PartnerWorld:
    """Kemendagri and BGN side by side, sharing one branch office (as in real life)."""
    branch = BranchFactory(name="Kantor Cabang Jakarta Menara")
    kemendagri = build_institution("Kementerian Dalam Negeri Uji", "KEMENDAGRI", branch)
    bgn = build_institution("Badan Gizi Nasional Uji", "BGN", branch)
    for institution in (kemendagri, bgn):
        institution.letter = approved_letter(institution.account)
    return PartnerWorld(kemendagri=kemendagri, bgn=bgn, branch=branch)
