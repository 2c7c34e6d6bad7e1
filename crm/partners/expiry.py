"""Expiry alerts: at 90, 60 and 30 days before an agreement's valid_to, one AgreementAlert per
offset and a task for the responsible RM; the home pages list the open alerts.

The daily check is idempotent (one alert per agreement and offset, a unique constraint) and
catches up after missed days: when several offsets are due at once (an agreement signed 40
days before its end, or a check that did not run for a month), only the tightest one makes
a task and shows; the looser ones are written already dismissed so they never fire later.
A newer alert dismisses the older open one of the same agreement: one line per agreement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from crm import audit
from crm.accounts.models import Account
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import long_date
from crm.meetings.models import Task
from crm.partners.models import Agreement, AgreementAlert
from crm.partners.services import RUNNING

log = logging.getLogger(__name__)
OFFSETS = (90, 60, 30)
TASK_KIND = "agreement_expiry"
TASK_DAYS = 14  # the RM has two weeks to start the renewal talk (never past valid_to)


def due_offset(valid_to: date, today: date) -> int | None:
    """The tightest offset reached on `today` (None before 90 days or after valid_to)."""
    days_left = (valid_to - today).days
    if days_left < 0:
        return None
    due = [o for o in OFFSETS if days_left <= o]
    return min(due) if due else None


def check_expiries(today: date) -> int:
    """Write the alerts and tasks due today; returns how many alerts were shown (not
    counting the catch-up rows written dismissed)."""
    agreements = db.session.scalars(
        select(Agreement)
        .options(joinedload(Agreement.account))
        .where(
            Agreement.status.in_(RUNNING),
            Agreement.valid_to.between(today, today + timedelta(days=max(OFFSETS))),
        )
        .order_by(Agreement.valid_to, Agreement.id)
    ).all()
    if not agreements:
        return 0
    given = _given_offsets([a.id for a in agreements])
    shown = 0
    for agreement in agreements:
        offset = due_offset(agreement.valid_to, today)
        have = given.get(agreement.id, set())
        if offset is None or offset in have or (have and min(have) < offset):
            continue
        _alert(agreement, offset, have, today)
        shown += 1
    db.session.flush()
    return shown


def _given_offsets(ids: list[int]) -> dict[int, set[int]]:
    given: dict[int, set[int]] = {}
    rows = db.session.execute(
        select(AgreementAlert.agreement_id, AgreementAlert.days_before).where(
            AgreementAlert.agreement_id.in_(ids)
        )
    )
    for agreement_id, days in rows:
        given.setdefault(agreement_id, set()).add(days)
    return given


def _alert(agreement: Agreement, offset: int, have: set[int], today: date) -> None:
    now = utcnow()
    for alert in db.session.scalars(
        select(AgreementAlert).where(
            AgreementAlert.agreement_id == agreement.id, AgreementAlert.dismissed_at.is_(None)
        )
    ):
        alert.dismissed_at = now  # superseded by the tighter one
    for looser in (o for o in OFFSETS if o > offset and o not in have):
        db.session.add(
            AgreementAlert(agreement_id=agreement.id, days_before=looser, dismissed_at=now)
        )
    task = _task(agreement, offset, today)
    alert = AgreementAlert(
        agreement_id=agreement.id, days_before=offset, task_id=task.id if task else None
    )
    db.session.add(alert)
    db.session.flush()
    audit.record(
        "agreement.expiry_alert",
        agreement,
        summary=f"Kerja sama #{agreement.id} berakhir {agreement.valid_to} ({offset} hari)",
        actor=None,
    )


def _task(agreement: Agreement, offset: int, today: date) -> Task | None:
    assignee = agreement.rm_id or agreement.account.rm_id
    if assignee is None:
        return None
    task = Task(
        account_id=agreement.account_id,
        assignee_id=assignee,
        kind=TASK_KIND,
        title=_(
            "Perpanjangan %(kind)s %(title)s: berakhir %(day)s (%(n)d hari lagi)",
            kind="MoU" if agreement.kind == "mou" else "PKS",
            title=agreement.title[:180],
            day=long_date(agreement.valid_to),
            n=(agreement.valid_to - today).days,
        )[:300],
        details=_(
            "Kerja sama dengan %(partner)s berakhir %(day)s. Bahas perpanjangan dengan mitra, "
            "lalu buat perpanjangannya dari halaman kerja sama.",
            partner=agreement.account.name,
            day=long_date(agreement.valid_to),
        ),
        due_date=min(today + timedelta(days=TASK_DAYS), agreement.valid_to),
        status="open",
    )
    db.session.add(task)
    db.session.flush()
    return task


@dataclass
class HomeAlert:
    alert: AgreementAlert
    agreement: Agreement
    days_left: int


def open_alerts(user, today: date, limit: int = 10) -> list[HomeAlert]:
    """The open alerts the user should see on their home page: an RM those of the
    agreements they are responsible for, a supervisor every one."""
    stmt = (
        select(AgreementAlert, Agreement)
        .join(Agreement, Agreement.id == AgreementAlert.agreement_id)
        .options(joinedload(Agreement.account))
        .where(AgreementAlert.dismissed_at.is_(None), Agreement.status.in_(RUNNING))
        .order_by(Agreement.valid_to, Agreement.id)
        .limit(limit)
    )
    if user.role == "rm":  # the RM the task went to (crm.partners.expiry._task)
        account_rm = select(Account.rm_id).where(Account.id == Agreement.account_id)
        stmt = stmt.where(
            or_(
                Agreement.rm_id == user.id,
                and_(Agreement.rm_id.is_(None), account_rm.scalar_subquery() == user.id),
            )
        )
    return [
        HomeAlert(alert, agreement, (agreement.valid_to - today).days)
        for alert, agreement in db.session.execute(stmt)
    ]


def dismiss_alert(alert: AgreementAlert, actor) -> None:
    if alert.dismissed_at is None:
        alert.dismissed_at = utcnow()
        audit.record(
            "agreement.alert_dismissed",
            alert,
            summary=f"Peringatan {alert.days_before} hari kerja sama #{alert.agreement_id}",
            actor=actor,
        )
