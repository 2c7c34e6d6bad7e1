"""Renewal: the next agreement, linked to the old one by renewed_from_id; the old one
becomes renewed and its expiry alerts are closed."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.partners.models import Agreement
from crm.partners.services import (
    AUDIT_FIELDS,
    RUNNING,
    AgreementData,
    AgreementError,
    _apply,
    _set_branches,
    can_edit,
    check_branches,
    check_dates,
    dismiss_alerts,
    is_supervisor,
    responsible_rm,
)


def renew_agreement(agreement: Agreement, data: AgreementData, actor) -> Agreement:
    """The next agreement (a draft linked by renewed_from_id); the old one becomes renewed."""
    if not can_edit(actor, agreement):
        raise PermissionError(_("Anda tidak bertanggung jawab atas kerja sama ini."))
    if agreement.status not in RUNNING:
        raise AgreementError(
            _("Hanya kerja sama yang sudah ditandatangani atau berjalan dapat diperpanjang.")
        )
    if not data.title.strip():
        raise AgreementError(_("Isi judul kerja sama."), "title")
    check_dates(data, agreement.parent)
    branch_ids = check_branches(data.branch_ids)
    new = Agreement(
        kind=agreement.kind,
        parent_id=agreement.parent_id,
        account_id=agreement.account_id,
        status="draft",
        created_by_id=actor.id,
        renewed_from_id=agreement.id,
        terminated_reason="",
    )
    rm_id = agreement.rm_id
    if is_supervisor(actor):
        rm_id = responsible_rm(data, actor, agreement.account)
    _apply(new, data, rm_id)
    _set_branches(new, branch_ids)
    db.session.add(new)
    before = audit.snapshot(agreement, AUDIT_FIELDS)
    agreement.status = "renewed"
    dismiss_alerts(agreement)
    db.session.flush()
    audit.record(
        "agreement.renewed",
        agreement,
        summary=f"Kerja sama #{agreement.id} diperpanjang oleh #{new.id}",
        before=before,
        after=audit.snapshot(agreement, AUDIT_FIELDS),
        actor=actor,
    )
    audit.record(
        "agreement.created",
        new,
        summary=f"Perpanjangan #{agreement.id}: {new.title}",
        after=audit.snapshot(new, AUDIT_FIELDS),
        actor=actor,
    )
    return new


def renewal_defaults(agreement: Agreement) -> dict:
    """The renewal form's starting values: the same terms for the same length, starting the
    day after the old one ends."""
    length = agreement.valid_to - agreement.valid_from
    start = agreement.valid_to + timedelta(days=1)
    return {
        "title": agreement.title,
        "scope": agreement.scope,
        "valid_from": start,
        "valid_to": start + length,
        "rm_id": agreement.rm_id,
        "branch_ids": [b.branch_office_id for b in agreement.branches],
    }


def renewed_by(agreement: Agreement) -> Agreement | None:
    return db.session.scalar(
        select(Agreement).where(Agreement.renewed_from_id == agreement.id).limit(1)
    )
