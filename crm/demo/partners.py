"""Demo partnerships: Kemendagri and BGN, each with an MoU, two PKS and branch reports.

Dates are relative to the demo's today, so the data looks current whenever it is seeded:
one PKS ends within 60 days (its expiry alert and task show on the RM and supervisor
homes), six branch offices report with mixed statuses over the last months (one blocked,
one never started, one stale). Two sample PDFs are rendered once with WeasyPrint and
stored for each document through crm.storage, like an upload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from crm import storage
from crm.db import utcnow
from crm.extensions import db
from crm.offices import BranchOffice
from crm.partners import services
from crm.partners.expiry import check_expiries
from crm.partners.models import Agreement, AgreementDocument, ImplementationReport
from crm.partners.monitoring import period_start, shift_period

KEMENDAGRI = "Kementerian Dalam Negeri (Kemendagri)"
BGN = "Badan Gizi Nasional (BGN)"
SIX_BRANCHES = ("JKT-SDM", "JKT-KNG", "BDG-SKJ", "SBY-RKT", "MDN-KTR", "MKS-KTR")


@dataclass
class Plan:
    key: str
    account: str
    title: str
    our_number: str
    partner_number: str
    start_days: int  # valid_from = today - start_days
    end_days: int  # valid_to = today + end_days
    status: str
    branches: tuple[str, ...]
    parent: str | None = None
    scope: str = ""


PLANS = [
    Plan(
        "kmd-mou",
        KEMENDAGRI,
        "Nota Kesepahaman Perlindungan Jaminan Sosial Ketenagakerjaan bagi Pegawai "
        "Pemerintah Non-ASN di Daerah",
        "MOU/04/KEP/012025",
        "119/1034/SJ",
        700,
        1100,
        "active",
        ("JKT-SDM", "JKT-KNG", "BDG-SKJ", "SBY-RKT"),
        scope="Pendaftaran pegawai non-ASN pemerintah daerah melalui APBD; sosialisasi "
        "bersama kepada pemda; pertukaran data kepesertaan.",
    ),
    Plan(
        "kmd-pks-jabar",
        KEMENDAGRI,
        "PKS Pendaftaran Pegawai Non-ASN Pemerintah Daerah Wilayah Jawa Barat dan Jakarta",
        "PKS/11/KEP/032025",
        "119/2210/BAK",
        600,
        700,
        "active",
        ("JKT-SDM", "JKT-KNG", "BDG-SKJ"),
        parent="kmd-mou",
    ),
    Plan(
        "kmd-pks-jatim",
        KEMENDAGRI,
        "PKS Pendaftaran Pegawai Non-ASN Pemerintah Daerah Wilayah Jawa Timur",
        "PKS/12/KEP/042025",
        "119/2311/BAK",
        580,
        45,  # ends within 60 days: the expiry alert shows on the homes
        "active",
        ("SBY-RKT",),
        parent="kmd-mou",
    ),
    Plan(
        "bgn-mou",
        BGN,
        "Nota Kesepahaman Perlindungan Pekerja Satuan Pelayanan Pemenuhan Gizi (SPPG) "
        "Program Makan Bergizi Gratis",
        "MOU/09/KEP/022026",
        "05/NK/BGN/2026",
        300,
        800,
        "active",
        ("JKT-SDM", "MDN-KTR", "MKS-KTR"),
        scope="Pendaftaran pekerja dapur SPPG melalui mitra pengelola; pemantauan per "
        "kantor cabang di wilayah dapur.",
    ),
    Plan(
        "bgn-pks-sumut",
        BGN,
        "PKS Pendaftaran Pekerja Dapur SPPG Wilayah Sumatera Utara dan Sulawesi Selatan",
        "PKS/21/KEP/042026",
        "12/PKS/BGN/2026",
        240,
        500,
        "active",
        ("MDN-KTR", "MKS-KTR"),
        parent="bgn-mou",
    ),
    Plan(
        "bgn-pks-jakarta",
        BGN,
        "PKS Pendaftaran Pekerja Dapur SPPG Wilayah DKI Jakarta",
        "",
        "",
        -20,
        720,
        "negotiation",
        ("JKT-SDM", "JKT-KNG"),
        parent="bgn-mou",
    ),
]
# (agreement, branch) -> statuses of the last four months, oldest first; None = no report.
REPORTS = {
    ("kmd-pks-jabar", "JKT-SDM"): ("socialized", "in_progress", "in_progress", "implemented"),
    ("kmd-pks-jabar", "JKT-KNG"): ("socialized", "in_progress", "implemented", "implemented"),
    ("kmd-pks-jabar", "BDG-SKJ"): ("socialized", "in_progress", "blocked", "blocked"),
    ("kmd-pks-jatim", "SBY-RKT"): ("socialized", "in_progress", None, None),  # stale
    ("bgn-pks-sumut", "MDN-KTR"): ("not_started", "socialized", "in_progress", "in_progress"),
    ("bgn-pks-sumut", "MKS-KTR"): (None, None, None, None),  # never started
}
WORKERS = {"not_started": 0, "socialized": 0, "in_progress": 180, "implemented": 420, "blocked": 35}
BLOCKED = "Anggaran iuran belum masuk APBD perubahan; menunggu persetujuan DPRD."


def _sample_pdfs() -> dict[str, bytes]:
    """Two small PDFs rendered once and reused for every demo document."""
    from weasyprint import HTML

    def render(title: str, body: str) -> bytes:
        html = (
            f"<html><body style='font-family: sans-serif'><h1>{title}</h1><p>{body}</p>"
            "<p>Dokumen contoh data demo Relasi.</p></body></html>"
        )
        return HTML(string=html).write_pdf()

    return {
        "signed": render(
            "Naskah Kerja Sama", "Naskah yang telah ditandatangani para pihak (contoh)."
        ),
        "guideline": render(
            "Pedoman Pelaksanaan", "Petunjuk teknis pendaftaran dan pemantauan per cabang."
        ),
    }


def _agreements(state, accounts, users, branches) -> dict[str, Agreement]:
    today, made = state.today, {}
    actor, rm = users["supervisor"], users["rm2"]
    for plan in PLANS:
        start = today - timedelta(days=plan.start_days)
        data = services.AgreementData(
            title=plan.title,
            valid_from=start,
            valid_to=today + timedelta(days=plan.end_days),
            account_id=accounts[plan.account].id,
            scope=plan.scope,
            our_number=plan.our_number,
            partner_number=plan.partner_number,
            signed_on=start if plan.status in services.RUNNING else None,
            rm_id=rm.id,
            branch_ids=[branches[code].id for code in plan.branches],
        )
        agreement = services.create_agreement(data, actor, made.get(plan.parent))
        agreement.status = plan.status
        made[plan.key] = agreement
    db.session.flush()
    return made


def _documents(agreements: dict[str, Agreement], uploader) -> int:
    pdfs = _sample_pdfs()
    count = 0
    for key, agreement in agreements.items():
        if agreement.status not in services.RUNNING:
            continue
        kinds = ("signed", "guideline") if key.endswith("mou") else ("signed",)
        for kind in kinds:
            data = pdfs[kind]
            title = "Naskah ditandatangani" if kind == "signed" else "Pedoman pelaksanaan"
            db.session.add(
                AgreementDocument(
                    agreement_id=agreement.id,
                    kind=kind,
                    title=title,
                    version=1,
                    storage_key=storage.put_private(data),
                    filename=f"{title} {agreement.our_number or agreement.id}.pdf".replace(
                        "/", "-"
                    ),
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    uploaded_by_id=uploader.id,
                )
            )
            count += 1
    return count


def _reports(state, agreements, branches, reporter) -> int:
    current = period_start("month", state.today)
    now = state.now or utcnow()
    count = 0
    for (key, code), statuses in REPORTS.items():
        for i, status in enumerate(statuses):
            if status is None:
                continue
            months_back = len(statuses) - 1 - i
            start = shift_period("month", current, -months_back)
            db.session.add(
                ImplementationReport(
                    agreement_id=agreements[key].id,
                    branch_office_id=branches[code].id,
                    period_kind="month",
                    period_start=start,
                    status=status,
                    blocked_reason=BLOCKED if status == "blocked" else "",
                    workers_covered=WORKERS[status] + 10 * i,
                    notes="Koordinasi dengan BKD dan BPKAD." if status == "blocked" else "",
                    reported_by_id=reporter.id,
                    updated_at=now - timedelta(days=30 * months_back + 3),
                )
            )
            count += 1
    return count


def _add_partnerships(state, accounts, users) -> dict[str, int]:
    """Agreements, documents, implementation reports and the expiry alerts due today."""
    codes = set(SIX_BRANCHES)
    branches = {b.code: b for b in db.session.scalars(db.select(BranchOffice)) if b.code in codes}
    agreements = _agreements(state, accounts, users, branches)
    documents = _documents(agreements, users["rm2"])
    reports = _reports(state, agreements, branches, users["rm2"])
    db.session.flush()
    alerts = check_expiries(state.today)
    return {
        "agreements": len(agreements),
        "agreement documents": documents,
        "implementation reports": reports,
        "agreement expiry alerts": alerts,
    }
