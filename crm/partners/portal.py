"""What a partner user may see: their institution's agreements, shared documents, summaries.

Every lookup is scoped by the partner's own account id in SQL, so another institution's
row is simply not found: the views answer 404 (existence does not leak) and log the try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.auth.access import record_partner_denial
from crm.extensions import db
from crm.offices import BranchOffice
from crm.pagination import Page, keyset_page
from crm.partners import labels
from crm.partners.models import (
    Agreement,
    AgreementBranch,
    AgreementDocument,
    ImplementationReport,
)

# Agreements still being drafted or negotiated are internal work, not shared yet.
PORTAL_STATUSES = ("signed", "active", "expiring", "expired", "terminated", "renewed")
# Implementation evidence is internal (it may name workers or show internal notes).
PORTAL_DOCUMENT_KINDS = ("signed", "annex", "guideline", "cover_letter")
KIND_ORDER = {kind: i for i, kind in enumerate(PORTAL_DOCUMENT_KINDS)}
MAX_VERSIONS = 200  # all versions of one agreement's documents: bounded all the same

# The CRM's own words (crm.partners.labels), so the partner and the RM name things alike.
LABELS = {
    "kind": labels.KIND_LABELS,
    "status": labels.STATUS_LABELS,
    "document": labels.DOCUMENT_KIND_LABELS,
    "report": {None: _l("Belum ada laporan"), **labels.REPORT_STATUS_LABELS},
}
BADGES = {**labels.REPORT_STATUS_BADGES, **labels.STATUS_BADGES}


def _visible_agreements(account_id: int):
    return select(Agreement).where(
        Agreement.account_id == account_id, Agreement.status.in_(PORTAL_STATUSES)
    )


def agreements_page(account_id: int, cursor: str | None, per_page: int) -> Page:
    """The institution's shared agreements, latest end first (ix_agreement_account_valid_to)."""
    stmt = _visible_agreements(account_id).options(joinedload(Agreement.parent))
    return keyset_page(
        stmt,
        [Agreement.valid_to, Agreement.id],
        cursor,
        per_page,
        descending=True,
        key=lambda a: [a.valid_to.isoformat(), a.id],
        parse=_parse_cursor,
    )


def _parse_cursor(values: list) -> list | None:
    try:
        return [date.fromisoformat(values[0]), int(values[1])]
    except (TypeError, ValueError):
        return None


def portal_agreement_or_404(user, agreement_id: int) -> Agreement:
    """The agreement if it belongs to the partner's institution and is shared, else 404."""
    agreement = db.session.scalar(
        _visible_agreements(user.account_id)
        .options(joinedload(Agreement.parent))
        .where(Agreement.id == agreement_id)
    )
    if agreement is None:
        record_partner_denial("agreement_not_visible")
        abort(404)
    return agreement


def shared_children(agreement: Agreement, limit: int = 50) -> list[Agreement]:
    """The PKS under an MoU that the partner may see (ix_agreement_parent)."""
    return list(
        db.session.scalars(
            _visible_agreements(agreement.account_id)
            .where(Agreement.parent_id == agreement.id)
            .order_by(Agreement.valid_from, Agreement.id)
            .limit(limit)
        )
    )


def portal_document_or_404(user, document_id: int) -> AgreementDocument:
    """A shared document (any version) of one of the partner's shared agreements, else 404."""
    document = db.session.scalar(
        select(AgreementDocument)
        .join(Agreement, Agreement.id == AgreementDocument.agreement_id)
        .where(
            AgreementDocument.id == document_id,
            AgreementDocument.kind.in_(PORTAL_DOCUMENT_KINDS),
            AgreementDocument.report_id.is_(None),
            Agreement.account_id == user.account_id,
            Agreement.status.in_(PORTAL_STATUSES),
        )
    )
    if document is None:
        record_partner_denial("document_not_visible")
        abort(404)
    return document


def _shared_documents(agreement_id: int):
    return select(AgreementDocument).where(
        AgreementDocument.agreement_id == agreement_id,
        AgreementDocument.kind.in_(PORTAL_DOCUMENT_KINDS),
        AgreementDocument.report_id.is_(None),
    )


def current_documents(agreement_id: int) -> list[AgreementDocument]:
    """The newest version of each (kind, title): one query on ix_agreement_document_agreement."""
    newest = (
        select(
            AgreementDocument.kind,
            AgreementDocument.title,
            func.max(AgreementDocument.version).label("version"),
        )
        .where(
            AgreementDocument.agreement_id == agreement_id,
            AgreementDocument.kind.in_(PORTAL_DOCUMENT_KINDS),
            AgreementDocument.report_id.is_(None),
        )
        .group_by(AgreementDocument.kind, AgreementDocument.title)
        .subquery()
    )
    stmt = (
        _shared_documents(agreement_id)
        .join(
            newest,
            (newest.c.kind == AgreementDocument.kind)
            & (newest.c.title == AgreementDocument.title)
            & (newest.c.version == AgreementDocument.version),
        )
        .order_by(AgreementDocument.kind, AgreementDocument.title)
    )
    return sorted(db.session.scalars(stmt), key=lambda d: (KIND_ORDER[d.kind], d.title))


def all_versions(agreement_id: int) -> list[AgreementDocument]:
    """Every shared version, newest first within each (kind, title), the kinds in the same
    order as the current documents (signed text first); bounded."""
    stmt = (
        _shared_documents(agreement_id)
        .order_by(AgreementDocument.kind, AgreementDocument.title, AgreementDocument.version.desc())
        .limit(MAX_VERSIONS)
    )
    return sorted(db.session.scalars(stmt), key=lambda d: (KIND_ORDER[d.kind], d.title, -d.version))


@dataclass
class BranchSummary:
    branch: BranchOffice
    status: str | None  # None: nothing reported yet
    period_start: date | None
    period_kind: str | None
    workers_covered: int


def implementation_summary(agreement_id: int) -> list[BranchSummary]:
    """Each covered branch's latest report: status and workers covered, never the notes
    nor the blocked reason (both internal). Two queries whatever the number of branches."""
    branches = list(
        db.session.scalars(
            select(BranchOffice)
            .join(AgreementBranch, AgreementBranch.branch_office_id == BranchOffice.id)
            .where(AgreementBranch.agreement_id == agreement_id)
            .order_by(BranchOffice.name)
        )
    )
    latest = (
        select(
            ImplementationReport.branch_office_id,
            func.max(ImplementationReport.period_start).label("period_start"),
        )
        .where(ImplementationReport.agreement_id == agreement_id)
        .group_by(ImplementationReport.branch_office_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ImplementationReport.branch_office_id,
            ImplementationReport.status,
            ImplementationReport.period_start,
            ImplementationReport.period_kind,
            ImplementationReport.workers_covered,
        )
        .join(
            latest,
            (latest.c.branch_office_id == ImplementationReport.branch_office_id)
            & (latest.c.period_start == ImplementationReport.period_start),
        )
        .where(ImplementationReport.agreement_id == agreement_id)
        .order_by(ImplementationReport.id)
    ).all()
    # A month and a quarter report may start on the same day: the later row wins.
    by_branch = {row.branch_office_id: row for row in rows}
    summary = []
    for branch in branches:
        row = by_branch.get(branch.id)
        summary.append(
            BranchSummary(
                branch=branch,
                status=row.status if row else None,
                period_start=row.period_start if row else None,
                period_kind=row.period_kind if row else None,
                workers_covered=row.workers_covered if row else 0,
            )
        )
    return summary
