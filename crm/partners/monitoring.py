"""Implementation monitoring: reports per agreement × covered branch × period, who may
report, the branch × period matrix of an agreement, and the roll-up of lagging branches.

Who reports: supervisors and admins, and the agreement's responsible RM, for every covered
branch; any other RM with a branch office only for their own branch (branch staff).
Reports are taken for signed and active agreements (also past their end, for late reports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.db import utcnow
from crm.extensions import db
from crm.offices import BranchOffice
from crm.partners.access import is_responsible, is_supervisor
from crm.partners.documents import add_document
from crm.partners.models import (
    REPORT_STATUSES,
    Agreement,
    AgreementBranch,
    AgreementDocument,
    ImplementationReport,
)
from crm.partners.services import RUNNING
from crm.services import ServiceError

MATRIX_WIDTH = {"month": 6, "quarter": 4}
WORKERS_MAX = 10_000_000
PERIOD_CODE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])|(\d{4})-Q([1-4])")
# Reports and the matrix stay within these years: a typed or guessed "0000-01" or a
# matrix paged back to year 1 is no period (date() cannot even hold year 0).
FIRST_YEAR, LAST_YEAR = 1990, 2100
REPORT_MONTHS = 12  # the report form offers this many months (and their quarters)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
REPORT_FIELDS = ("status", "blocked_reason", "workers_covered", "notes")


# -- periods --------------------------------------------------------------------------------


def period_start(kind: str, day: date) -> date:
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def shift_period(kind: str, start: date, n: int) -> date:
    """The start of the period n periods after (or before, n < 0) the one at `start`."""
    step = 3 if kind == "quarter" else 1
    index = start.year * 12 + start.month - 1 + n * step
    return date(index // 12, index % 12 + 1, 1)


def period_code(kind: str, start: date) -> str:
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def parse_period(code: str | None) -> tuple[str, date] | None:
    """('month', 2026-11-01) from '2026-11', ('quarter', 2026-10-01) from '2026-Q4'."""
    match = PERIOD_CODE.fullmatch((code or "").strip())
    if match is None:
        return None
    year = int(match.group(1) or match.group(3))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    if match.group(1):
        return "month", date(year, int(match.group(2)), 1)
    return "quarter", date(year, 3 * (int(match.group(4)) - 1) + 1, 1)


def period_label(kind: str, start: date) -> str:
    if kind == "quarter":
        return _("TW %(q)s %(year)d", q=ROMAN[(start.month - 1) // 3 + 1], year=start.year)
    return format_date(start, "MMM yyyy")


def recent_periods(kind: str, last: date, n: int) -> list[date]:
    """n period starts ending with the one at `last`, oldest first."""
    return [shift_period(kind, last, -i) for i in range(n - 1, -1, -1)]


def period_choices(kind: str, today: date, n: int = REPORT_MONTHS) -> list[tuple[str, str]]:
    """The periods one may report for: the current one and the n-1 before it."""
    current = period_start(kind, today)
    return [
        (period_code(kind, p), period_label(kind, p))
        for p in reversed(recent_periods(kind, current, n))
    ]


# -- who may report ---------------------------------------------------------------------------


def covered_branches(agreement: Agreement) -> list[BranchOffice]:
    return sorted((b.branch_office for b in agreement.branches), key=lambda b: b.name)


def can_report(user, agreement: Agreement, branch_id: int | None = None) -> bool:
    """For one covered branch (or, without a branch, for any of them)."""
    if user.role not in ("rm", "supervisor", "admin") or agreement.status not in RUNNING:
        return False
    covered = {b.branch_office_id for b in agreement.branches}
    if branch_id is not None and branch_id not in covered:
        return False
    if is_supervisor(user) or is_responsible(user, agreement):
        return bool(covered)
    own = user.branch_office_id
    return own is not None and own in covered and branch_id in (None, own)


def reportable_branches(user, agreement: Agreement) -> list[BranchOffice]:
    return [b for b in covered_branches(agreement) if can_report(user, agreement, b.id)]


# -- writing a report ----------------------------------------------------------------------------


@dataclass
class ReportData:
    branch_id: int | None
    period: str
    status: str
    workers_covered: int | None
    blocked_reason: str = ""
    notes: str = ""


def check_report(data: ReportData, today: date) -> tuple[str, date]:
    parsed = parse_period(data.period)
    if parsed is None:
        raise ServiceError(_("Pilih periode laporan."), "period")
    kind, start = parsed
    if start > period_start(kind, today):
        raise ServiceError(_("Periode laporan belum dimulai."), "period")
    if data.status not in REPORT_STATUSES:
        raise ServiceError(_("Pilih status pelaksanaan."), "status")
    if data.status == "blocked" and not data.blocked_reason.strip():
        raise ServiceError(_("Tulis alasan hambatannya."), "blocked_reason")
    workers = data.workers_covered
    if workers is None or not 0 <= workers <= WORKERS_MAX:
        raise ServiceError(
            _("Isi jumlah pekerja terlindungi: bilangan bulat 0 atau lebih."), "workers_covered"
        )
    return kind, start


def save_report(
    agreement: Agreement,
    data: ReportData,
    actor,
    today: date,
    evidence: tuple[bytes, str | None] | None = None,
) -> ImplementationReport:
    """Write (or rewrite) the report of one branch and period, with an optional evidence
    PDF; a refused PDF leaves the report unwritten too (the view rolls back)."""
    if data.branch_id is None or not can_report(actor, agreement, data.branch_id):
        raise PermissionError(_("Anda tidak dapat melapor untuk kantor cabang ini."))
    kind, start = check_report(data, today)
    report = db.session.scalar(
        select(ImplementationReport).where(
            ImplementationReport.agreement_id == agreement.id,
            ImplementationReport.branch_office_id == data.branch_id,
            ImplementationReport.period_kind == kind,
            ImplementationReport.period_start == start,
        )
    )
    before = audit.snapshot(report, REPORT_FIELDS) if report else None
    if report is None:
        report = ImplementationReport(
            agreement_id=agreement.id,
            branch_office_id=data.branch_id,
            period_kind=kind,
            period_start=start,
        )
        db.session.add(report)
    report.status = data.status
    report.blocked_reason = data.blocked_reason.strip()[:500] if data.status == "blocked" else ""
    report.workers_covered = data.workers_covered
    report.notes = data.notes.strip()
    report.reported_by_id = actor.id
    report.updated_at = utcnow()
    db.session.flush()
    if evidence is not None:
        _add_evidence(agreement, report, evidence, actor)
    audit.record(
        "agreement.report",
        report,
        summary=f"Laporan {period_code(kind, start)} cabang #{data.branch_id} "
        f"kerja sama #{agreement.id}: {data.status}",
        before=before,
        after=audit.snapshot(report, REPORT_FIELDS),
        actor=actor,
    )
    return report


def _add_evidence(agreement, report, evidence, actor) -> None:
    data, filename = evidence
    branch = db.session.get(BranchOffice, report.branch_office_id)
    title = _(
        "Bukti %(branch)s %(period)s",
        branch=branch.code,
        period=period_code(report.period_kind, report.period_start),
    )
    try:
        add_document(
            agreement, "evidence", title, data, filename, actor, report_id=report.id, check=False
        )
    except ServiceError as exc:
        raise ServiceError(str(exc), "evidence") from exc


def report_evidence(report_id: int) -> list[AgreementDocument]:
    return list(
        db.session.scalars(
            select(AgreementDocument)
            .where(AgreementDocument.report_id == report_id)
            .order_by(AgreementDocument.version.desc())
        )
    )


# -- the matrix on the agreement page ---------------------------------------------------------


@dataclass
class Matrix:
    kind: str
    periods: list[date]
    rows: list[tuple[BranchOffice, list[ImplementationReport | None]]]
    older: date | None  # the `before` of the link to older periods
    newer: date | None


def build_matrix(agreement: Agreement, kind: str, last: date, today: date) -> Matrix:
    """Covered branches × the MATRIX_WIDTH periods ending at `last`, from one query. Paging
    back stops at the earliest period a report can be for: the agreement's start, or the
    oldest period the report form offers (REPORT_MONTHS back), whichever is earlier."""
    width = MATRIX_WIDTH[kind]
    reportable = shift_period("month", period_start("month", today), 1 - REPORT_MONTHS)
    first = period_start(kind, min(agreement.valid_from, reportable))
    current = period_start(kind, today)
    last = max(period_start(kind, last), min(current, shift_period(kind, first, width - 1)))
    periods = recent_periods(kind, last, width)
    reports = db.session.scalars(
        select(ImplementationReport).where(
            ImplementationReport.agreement_id == agreement.id,
            ImplementationReport.period_kind == kind,
            ImplementationReport.period_start.between(periods[0], periods[-1]),
        )
    ).all()
    by_cell = {(r.branch_office_id, r.period_start): r for r in reports}
    rows = [
        (branch, [by_cell.get((branch.id, p)) for p in periods])
        for branch in covered_branches(agreement)
    ]
    newer = shift_period(kind, periods[-1], width) if periods[-1] < current else None
    if newer is not None and newer > current:
        newer = current
    older = shift_period(kind, periods[0], -1) if periods[0] > first else None
    return Matrix(kind, periods, rows, older, newer)


def covered_branch_ids(agreement_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(AgreementBranch.branch_office_id).where(
                AgreementBranch.agreement_id == agreement_id
            )
        )
    )


def stale_before(today: date) -> date:
    return today - timedelta(days=60)
