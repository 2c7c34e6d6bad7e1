"""Agreement rules: validation, who may edit, status workflow, computed expiry, renewal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.compliance.services import today_local
from crm.extensions import db
from crm.partners import access, renewal, services
from crm.partners.models import Agreement
from crm.partners.services import AgreementData
from crm.services import ServiceError
from tests.support.agreements import make_team, mou, pks


@pytest.fixture
def team(db):
    return make_team()


def data(team, **changes) -> AgreementData:
    values = {
        "title": "MoU Uji",
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2028, 12, 31),
        "account_id": team.institution.id,
        "branch_ids": [team.branch_a.id],
    } | changes
    return AgreementData(**values)


def test_an_rm_creates_an_mou_for_their_institution_and_is_responsible(team):
    agreement = services.create_agreement(data(team), team.rm)
    assert (agreement.kind, agreement.status, agreement.rm_id) == ("mou", "draft", team.rm.id)
    assert [b.branch_office_id for b in agreement.branches] == [team.branch_a.id]
    row = db.session.scalar(
        select(AuditLog).where(
            AuditLog.action == "agreement.created", AuditLog.entity_id == str(agreement.id)
        )
    )
    assert row is not None and row.actor_id == team.rm.id


def test_an_rm_cannot_create_for_an_institution_outside_their_portfolio(team):
    with pytest.raises(PermissionError):
        services.create_agreement(data(team), team.other_rm)
    assert db.session.scalar(select(Agreement)) is None


def test_the_counterpart_must_be_an_institution(team):
    with pytest.raises(ServiceError) as exc:
        services.create_agreement(data(team, account_id=team.company.id), team.supervisor)
    assert exc.value.field == "account_id"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), "valid_to"),
        (date(2026, 6, 1), date(2026, 1, 1), "valid_to"),
        (None, date(2026, 1, 1), "valid_from"),
    ],
)
def test_valid_to_must_be_after_valid_from(team, start, end, field):
    with pytest.raises(ServiceError) as exc:
        services.create_agreement(data(team, valid_from=start, valid_to=end), team.supervisor)
    assert exc.value.field == field


def test_a_pks_must_start_inside_its_mou(team):
    parent = mou(team, start=date(2026, 1, 1), days=730)
    for start in (date(2025, 12, 31), parent.valid_to + timedelta(days=1)):
        with pytest.raises(ServiceError) as exc:
            pks(team, parent, start=start, end=start + timedelta(days=30))
        assert exc.value.field == "valid_from"


def test_a_pks_ending_after_its_mou_needs_the_confirmation(team):
    parent = mou(team, start=date(2026, 1, 1), days=730)
    late = parent.valid_to + timedelta(days=10)
    with pytest.raises(ServiceError) as exc:
        pks(team, parent, end=late)
    assert exc.value.field == "outlive_ok" and "sesudah MoU" in str(exc.value)
    child = pks(team, parent, end=late, outlive_ok=True)
    assert child.kind == "pks" and child.parent_id == parent.id and child.valid_to == late


def test_a_pks_only_goes_under_an_mou_that_still_stands(team):
    parent = mou(team)
    child = pks(team, parent)
    with pytest.raises(ServiceError):
        pks(team, child)  # not under a PKS
    parent.status = "terminated"
    with pytest.raises(ServiceError):
        pks(team, parent)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("supervisor", True),
        ("admin", True),
        ("rm", True),
        ("other_rm", False),
        ("branch_rm", False),
    ],
)
def test_who_may_edit_an_agreement(team, who, allowed):
    agreement = mou(team)
    user = getattr(team, who)
    assert access.can_edit(user, agreement) is allowed
    assert access.can_view(user, agreement)
    if not allowed:
        with pytest.raises(PermissionError):
            services.update_agreement(agreement, data(team, title="Diubah"), user)


def test_an_rm_edit_keeps_the_responsible_rm_a_supervisor_reassigns(team):
    agreement = mou(team)
    services.update_agreement(agreement, data(team, title="Baru", rm_id=team.other_rm.id), team.rm)
    assert agreement.rm_id == team.rm.id and agreement.title == "Baru"
    services.update_agreement(agreement, data(team, rm_id=team.other_rm.id), team.supervisor)
    assert agreement.rm_id == team.other_rm.id


def test_status_workflow_and_termination_reason(team):
    agreement = mou(team)
    with pytest.raises(ServiceError) as exc:
        services.change_status(agreement, "active", team.rm)  # draft cannot jump to active
    assert exc.value.field == "to_status"
    with pytest.raises(ServiceError) as exc:
        services.change_status(agreement, "signed", team.rm)
    assert exc.value.field == "signed_on"
    services.change_status(agreement, "signed", team.rm, signed_on=date(2026, 1, 1))
    services.change_status(agreement, "active", team.rm)
    with pytest.raises(ServiceError) as exc:
        services.change_status(agreement, "terminated", team.rm, reason="  ")
    assert exc.value.field == "reason"
    services.change_status(agreement, "terminated", team.rm, reason="Mitra mengakhiri")
    assert (agreement.status, agreement.terminated_reason) == ("terminated", "Mitra mengakhiri")
    with pytest.raises(ServiceError):
        services.change_status(agreement, "active", team.rm)
    with pytest.raises(PermissionError):
        services.change_status(mou(team), "negotiation", team.other_rm)


def test_expiring_and_expired_are_computed_from_today(team):
    today = today_local()
    agreement = mou(team, start=today - timedelta(days=400), days=450, status="active")
    assert services.effective_status(agreement, today) == "expiring"  # 50 days left
    assert services.effective_status(agreement, today - timedelta(days=200)) == "active"
    assert services.effective_status(agreement, agreement.valid_to + timedelta(days=1)) == "expired"
    agreement.status = "draft"  # a draft never "expires": it was never in force
    assert services.effective_status(agreement, agreement.valid_to + timedelta(days=1)) == "draft"


def test_renewal_creates_the_next_agreement_and_marks_the_old_renewed(team):
    old = mou(team, start=date(2024, 1, 1), days=1000, status="active")
    defaults = renewal.renewal_defaults(old)
    assert defaults["valid_from"] == old.valid_to + timedelta(days=1)
    new = renewal.renew_agreement(
        old, data(team, **{k: defaults[k] for k in ("title", "valid_from", "valid_to")}), team.rm
    )
    assert new.renewed_from_id == old.id and new.status == "draft" and old.status == "renewed"
    assert new.rm_id == team.rm.id and new.account_id == old.account_id
    assert renewal.renewed_by(old) == new
    with pytest.raises(ServiceError):
        renewal.renew_agreement(old, data(team), team.rm)  # once only
    with pytest.raises(ServiceError):
        renewal.renew_agreement(mou(team), data(team), team.rm)  # a draft is not renewed


def test_a_pks_goes_to_the_mou_institution_and_its_editors(team):
    parent = mou(team)
    parent.rm_id = team.other_rm.id  # responsible, though not the account's RM
    other = services.create_agreement(
        data(
            team,
            title="PKS",
            account_id=team.company.id,
            valid_from=parent.valid_from,
            valid_to=parent.valid_to,
        ),
        team.other_rm,
        parent,
    )
    assert other.account_id == parent.account_id and other.kind == "pks"
    with pytest.raises(PermissionError):
        services.create_agreement(
            data(team, valid_from=parent.valid_from, valid_to=parent.valid_to),
            team.branch_rm,
            parent,
        )


def test_terminating_an_mou_terminates_its_open_pks_with_audit(team):
    parent = mou(team, status="active")
    running = pks(team, parent, status="active")
    draft = pks(team, parent, title="PKS Draf")
    renewed = pks(team, parent, title="PKS Lama", status="renewed")
    services.change_status(parent, "terminated", team.rm, reason="Kebijakan berubah")
    assert (running.status, draft.status) == ("terminated", "terminated")
    assert running.terminated_reason == "MoU induk diakhiri: Kebijakan berubah"
    assert renewed.status == "renewed"  # a finished PKS keeps its status
    ids = [str(running.id), str(draft.id)]
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "agreement.status", AuditLog.entity_id.in_(ids))
    ).all()
    assert len(rows) == 2


def test_terminating_a_pks_leaves_its_mou_and_siblings_running(team):
    parent = mou(team, status="active")
    first, second = pks(team, parent, status="active"), pks(team, parent, status="active")
    services.change_status(first, "terminated", team.rm, reason="Selesai lebih awal")
    assert (parent.status, second.status) == ("active", "active")
