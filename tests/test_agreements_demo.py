"""The demo partnerships: Kemendagri and BGN with an MoU and two PKS each, six branches
reporting with mixed statuses, stored sample PDFs and an expiry alert."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from crm import storage
from crm.accounts.models import Account
from crm.auth.models import User
from crm.demo import seed
from crm.partners.models import (
    Agreement,
    AgreementAlert,
    AgreementBranch,
    AgreementDocument,
    ImplementationReport,
)


def test_demo_partnerships(db):
    counts = seed("demo-relasi-2026")
    db.session.flush()
    assert counts["agreements"] == 6 and counts["agreement expiry alerts"] >= 1
    per_account = Counter(
        (name, kind)
        for name, kind in db.session.execute(
            select(Account.name, Agreement.kind).join(Account, Account.id == Agreement.account_id)
        )
    )
    for name in ("Kementerian Dalam Negeri (Kemendagri)", "Badan Gizi Nasional (BGN)"):
        assert per_account[(name, "mou")] == 1 and per_account[(name, "pks")] == 2
    branches = set(db.session.scalars(select(AgreementBranch.branch_office_id)))
    assert len(branches) == 6
    statuses = set(db.session.scalars(select(ImplementationReport.status)))
    assert {"blocked", "implemented", "in_progress", "socialized"} <= statuses
    docs = db.session.scalars(select(AgreementDocument)).all()
    assert docs and all(storage.read_bytes(d.storage_key).startswith(b"%PDF-") for d in docs)
    alert = db.session.scalar(select(AgreementAlert).where(AgreementAlert.dismissed_at.is_(None)))
    assert alert.days_before == 60 and alert.task_id is not None
    partner = db.session.scalar(select(User).where(User.email == "partner@kemendagri.test"))
    assert partner.account.name == "Kementerian Dalam Negeri (Kemendagri)"
