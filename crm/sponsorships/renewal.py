"""Renewal: the daily check that gives the RM a task 30 days before a sponsorship ends, and
renewing, which copies the beneficiaries into a new pledged sponsorship for the next period.

Renewal is all-or-nothing: when a beneficiary is by now sponsored elsewhere in the new
period, nothing is created and the refusal names the other sponsor (remove the worker from
the old sponsorship, or settle it with the other sponsor, then renew).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from crm import audit
from crm.compliance.arrears import add_months
from crm.db import utcnow
from crm.extensions import db
from crm.meetings.models import Task
from crm.services import ServiceError
from crm.sponsorships.labels import scheme_label
from crm.sponsorships.models import OPEN_STATUSES, Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.overlap import first_conflict
from crm.sponsorships.services import (
    FIELDS,
    Terms,
    can_manage,
    create_sponsorship,
    refresh_figures,
)
from crm.sponsorships.status import EXPIRING_DAYS

COPIED = ("nik", "name", "occupation", "kelurahan", "kecamatan", "city", "phone", "kpj")
TASK_KIND = "renewal"


def successor(sponsorship: Sponsorship) -> Sponsorship | None:
    return db.session.scalar(
        select(Sponsorship).where(Sponsorship.renewed_from_id == sponsorship.id)
    )


def renewal_refused(sponsorship: Sponsorship, known_successor=False) -> str | None:
    """Why it cannot be renewed (already renewed, or cancelled), else None; pass the
    successor when already loaded (None included) to spare the query."""
    if sponsorship.status == "renewed":
        return _("Sponsorship ini sudah diperpanjang.")
    found = successor(sponsorship) if known_successor is False else known_successor
    if found is not None:
        return _("Sponsorship ini sudah diperpanjang.")
    if sponsorship.status not in OPEN_STATUSES:
        return _("Sponsorship yang dibatalkan tidak dapat diperpanjang.")
    return None


def next_start(sponsorship: Sponsorship) -> date:
    """The month after the last month covered."""
    return add_months(sponsorship.start_month, sponsorship.months)


def renew_sponsorship(sponsorship: Sponsorship, terms: Terms, actor, today: date) -> Sponsorship:
    """A new pledged sponsorship with the same beneficiaries, starting after this one."""
    if not can_manage(actor, sponsorship.account):
        raise PermissionError(_("Anda hanya dapat mengelola sponsorship akun portofolio Anda."))
    refused = renewal_refused(sponsorship)
    if refused:
        raise ServiceError(refused)
    if terms.start_month is not None and terms.start_month < next_start(sponsorship):
        raise ServiceError(
            _(
                "Periode baru mulai paling awal %(month)s.",
                month=format_date(next_start(sponsorship), "MMMM yyyy"),
            ),
            "start_month",
        )
    renewed = create_sponsorship(sponsorship.account, terms, actor, today)
    clash = first_conflict(sponsorship, renewed.start_month, renewed.end_on, today)
    if clash:
        raise ServiceError(clash)
    rows = db.session.execute(
        select(*(getattr(SponsorshipBeneficiary, c) for c in COPIED)).where(
            SponsorshipBeneficiary.sponsorship_id == sponsorship.id
        )
    ).all()
    now = utcnow()
    if rows:
        db.session.execute(
            insert(SponsorshipBeneficiary),
            [
                {
                    "sponsorship_id": renewed.id,
                    "created_at": now,
                    "updated_at": now,
                    **dict(zip(COPIED, row, strict=True)),
                }
                for row in rows
            ],
        )
    renewed.renewed_from_id = sponsorship.id
    refresh_figures(renewed)
    before = audit.snapshot(sponsorship, FIELDS)
    sponsorship.status = "renewed"
    _close_renewal_task(sponsorship)
    audit.record(
        "sponsorship.renew",
        sponsorship,
        summary=_("Diperpanjang sebagai sponsorship #%(id)d", id=renewed.id),
        before=before,
        after={**audit.snapshot(sponsorship, FIELDS), "renewed_as": renewed.id},
        actor=actor,
    )
    return renewed


def _close_renewal_task(sponsorship: Sponsorship) -> None:
    if sponsorship.renewal_task_id is None:
        return
    task = db.session.get(Task, sponsorship.renewal_task_id)
    if task is not None and task.status == "open":
        task.status = "done"
        task.completed_at = utcnow()


def create_renewal_tasks(today: date) -> int:
    """A renewal task for the sponsor account's RM for each running sponsorship ending
    within EXPIRING_DAYS days that has none yet (idempotent: the task id is kept on the
    sponsorship). Returns how many were made; the caller commits."""
    due = list(
        db.session.scalars(
            select(Sponsorship)
            .options(joinedload(Sponsorship.account))
            .where(
                Sponsorship.status.in_(OPEN_STATUSES),
                Sponsorship.end_on >= today,
                Sponsorship.end_on <= today + timedelta(days=EXPIRING_DAYS),
                Sponsorship.renewal_task_id.is_(None),
            )
            .order_by(Sponsorship.end_on, Sponsorship.id)
        )
    )
    for sponsorship in due:
        account = sponsorship.account
        task = Task(
            account_id=account.id,
            assignee_id=account.rm_id,
            kind=TASK_KIND,
            title=_(
                "Perpanjang sponsorship %(scheme)s %(name)s (berakhir %(day)s)",
                scheme=scheme_label(sponsorship.scheme),
                name=account.name,
                day=format_date(sponsorship.end_on, "d MMMM yyyy"),
            )[:300],
            details=_(
                "%(n)d pekerja, %(months)d bulan.",
                n=sponsorship.beneficiary_count,
                months=sponsorship.months,
            ),
            due_date=sponsorship.end_on,
        )
        db.session.add(task)
        db.session.flush()
        sponsorship.renewal_task_id = task.id
        audit.record(
            "task.create",
            task,
            summary=task.title[:200],
            after={
                "assignee_id": task.assignee_id,
                "due_date": task.due_date,
                "kind": TASK_KIND,
                "sponsorship_id": sponsorship.id,
            },
        )
    return len(due)


def default_renewal_terms(sponsorship: Sponsorship) -> Terms:
    return Terms(
        scheme=sponsorship.scheme,
        package=sponsorship.package,
        months=sponsorship.months,
        start_month=next_start(sponsorship),
        notes=sponsorship.notes,
    )
