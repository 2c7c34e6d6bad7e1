"""Renewal: the next agreement, linked to the old one by renewed_from_id; the old one
becomes renewed and its expiry alerts are closed."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.extensions import db
from crm.partners.access import can_edit, is_supervisor
from crm.partners.models import Agreement
from crm.partners.services import (
    AUDIT_FIELDS,
    RUNNING,
    AgreementData,
    _apply,
    _set_branches,
    check_branches,
    check_dates,
    check_parent,
    dismiss_alerts,
    responsible_rm,
)
from crm.services import ServiceError


def renew_agreement(agreement: Agreement, data: AgreementData, actor) -> Agreement:
    """The next agreement (a draft linked by renewed_from_id); the old one becomes renewed."""
    if not can_edit(actor, agreement):
        raise PermissionError(_("Anda tidak bertanggung jawab atas kerja sama ini."))
    if agreement.status not in RUNNING:
        raise ServiceError(
            _("Hanya kerja sama yang sudah ditandatangani atau berjalan dapat diperpanjang.")
        )
    if not data.title.strip():
        raise ServiceError(_("Isi judul kerja sama."), "title")
    parent = renewal_parent(agreement)
    check_dates(data, parent)
    branch_ids = check_branches(data.branch_ids)
    new = Agreement(
        kind=agreement.kind,
        parent_id=parent.id if parent is not None else None,
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


def add_months(day: date, months: int) -> date:
    """The same day `months` later, on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def renewal_term(valid_from: date, valid_to: date) -> tuple[date, date]:
    """The next term: from the day after valid_to, for the same number of calendar months
    when the old term was whole months (1 Jan 2026 - 31 Dec 2028 is followed by 1 Jan
    2029 - 31 Dec 2031, leap days or not), otherwise for the same number of days."""
    start = valid_to + timedelta(days=1)
    months = (start.year - valid_from.year) * 12 + start.month - valid_from.month
    if months > 0 and add_months(valid_from, months) == start:
        return start, add_months(start, months) - timedelta(days=1)
    return start, start + (valid_to - valid_from)


def renewal_parent(agreement: Agreement) -> Agreement | None:
    """The MoU a renewed PKS goes under: its own MoU, or that MoU's renewal when the MoU was
    renewed meanwhile (a PKS never goes under an MoU that has ended)."""
    parent = agreement.parent
    for _step in range(50):  # a chain of renewals; bounded against a cycle in bad data
        if parent is None or parent.status != "renewed":
            break
        successor = renewed_by(parent)
        if successor is None:
            break
        parent = successor
    if parent is not None:
        check_parent(parent)
    return parent


def renewal_defaults(agreement: Agreement) -> dict:
    """The renewal form's starting values: the same terms for the same length, starting the
    day after the old one ends."""
    try:
        start, end = renewal_term(agreement.valid_from, agreement.valid_to)
    except (OverflowError, ValueError):  # a stored end near year 9999 (refused since)
        start, end = None, None
    return {
        "title": agreement.title,
        "scope": agreement.scope,
        "valid_from": start,
        "valid_to": end,
        "rm_id": agreement.rm_id,
        "branch_ids": [b.branch_office_id for b in agreement.branches],
    }


def renewed_by(agreement: Agreement) -> Agreement | None:
    return db.session.scalar(
        select(Agreement).where(Agreement.renewed_from_id == agreement.id).limit(1)
    )
