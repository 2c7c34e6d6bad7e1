"""Sponsorship rules through the services: identifiers, money, the NIK overlap rule,
permissions, payments, computed status, renewal (with a frozen clock) and the package rates."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.meetings.models import Task
from crm.provinces import PROVINCES
from crm.services import ServiceError
from crm.sponsorships import beneficiaries, rates, renewal, services
from crm.sponsorships import jobs as sponsorship_jobs
from crm.sponsorships.models import Sponsorship, SponsorshipBeneficiary
from crm.sponsorships.nik import (
    mask_nik,
    normalize_kpj,
    normalize_nik,
    normalize_phone,
)
from crm.sponsorships.services import Terms
from crm.sponsorships.status import period_end, shown_status, status_condition
from tests.factories import AccountFactory, UserFactory
from tests.support.sponsorships import make_sponsorship, nik, worker

TODAY = date(2026, 11, 20)


@pytest.fixture
def team(db):
    rm = UserFactory(role="rm", name="Rina")
    other_rm = UserFactory(role="rm", name="Oki")
    supervisor = UserFactory(role="supervisor")
    sponsor = AccountFactory(name="PT Sponsor Satu", rm=rm)
    rival = AccountFactory(name="PT Sponsor Lain", rm=other_rm)
    return {
        "rm": rm,
        "other_rm": other_rm,
        "supervisor": supervisor,
        "sponsor": sponsor,
        "rival": rival,
    }


# -- identifiers ---------------------------------------------------------------------------


def test_a_valid_nik_is_normalized_and_masked_to_its_first_six_and_last_two_digits():
    assert normalize_nik("3273 0115 0585 0001") == "3273011505850001"
    assert normalize_nik("3273015505850001") == "3273015505850001"  # a woman: day + 40
    assert mask_nik("3273011505850001") == "327301********01"
    assert len(mask_nik("3273011505850001")) == 16


def test_every_one_of_the_38_provinces_codes_is_accepted_new_papua_provinces_included():
    assert len(PROVINCES) == 38
    for code in PROVINCES:
        assert normalize_nik(f"{code}73011505850001") == f"{code}73011505850001"
    assert normalize_nik("9573011505850001") and normalize_nik("9673011505850001")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "wajib"),
        ("327301150585000", "16 digit"),
        ("32730115058500012", "16 digit"),
        ("32730115058500A1", "16 digit"),
        ("0973011505850001", "provinsi"),
        ("2073011505850001", "provinsi"),  # 20 and 40: no province has these codes
        ("4073011505850001", "provinsi"),
        ("9773011505850001", "provinsi"),
        ("3273013213850001", "tanggal lahir"),  # month 13
        ("3273013202850001", "tanggal lahir"),  # 32 February
        ("3273017205850001", "tanggal lahir"),  # a woman's day 72 - 40 = 32
        ("3273011505850000", "0000"),
    ],
)
def test_a_bad_nik_is_refused_with_the_reason(raw, reason):
    with pytest.raises(ServiceError) as exc:
        normalize_nik(raw)
    assert reason in str(exc.value).lower() or reason in str(exc.value)


def test_kpj_is_eleven_digits_and_phone_eight_to_fifteen():
    assert normalize_kpj("") is None
    assert normalize_kpj("123-4567-8901") == "12345678901"
    with pytest.raises(ServiceError):
        normalize_kpj("1234567890")
    assert normalize_phone("+62 812-3456-7890") == "+6281234567890"
    with pytest.raises(ServiceError):
        normalize_phone("12345")


# -- money -----------------------------------------------------------------------------------


def test_twelve_months_for_ten_workers_commit_ten_times_twelve_times_the_package_price(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=range(1, 11), months=12)
    assert s.price_per_worker == 16_800
    assert s.beneficiary_count == 10
    assert s.commitment == 10 * 12 * 16_800 == 2_016_000
    assert s.outstanding == 2_016_000
    assert s.end_on == date(2027, 10, 31)
    jht = make_sponsorship(
        team["sponsor"],
        team["rm"],
        TODAY,
        workers=range(11, 14),
        package="jkk_jkm_jht",
        months=3,
    )
    assert jht.commitment == 3 * 3 * 36_800


def test_the_price_is_fixed_from_the_rate_in_force_for_the_start_month(team, db):
    rates.add_rate("jkk_jkm", 18_000, date(2027, 3, 1), team["supervisor"], TODAY)
    before = make_sponsorship(
        team["sponsor"], team["rm"], TODAY, workers=[1], start=date(2027, 2, 1)
    )
    after = make_sponsorship(
        team["rival"], team["other_rm"], TODAY, workers=[2], start=date(2027, 3, 1)
    )
    assert (before.price_per_worker, after.price_per_worker) == (16_800, 18_000)
    assert before.commitment == 12 * 16_800


def test_gn_lingkaran_refuses_one_month_and_sertakan_accepts_it(team):
    with pytest.raises(ServiceError) as exc:
        make_sponsorship(team["sponsor"], team["rm"], TODAY, scheme="gn_lingkaran", months=1)
    assert exc.value.field == "months" and "3, 6, 12" in str(exc.value)
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, months=1)
    assert s.end_on == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("start", "field"), [(date(2022, 8, 1), "start_month"), (date(2028, 1, 1), "start_month")]
)
def test_a_start_month_before_the_programme_or_too_far_ahead_is_refused(team, start, field):
    with pytest.raises(ServiceError) as exc:
        make_sponsorship(team["sponsor"], team["rm"], TODAY, start=start)
    assert exc.value.field == field


def test_payments_activate_the_pledge_and_never_exceed_what_is_outstanding(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=range(1, 11))
    assert s.status == "pledged"
    services.record_payment(s, TODAY, 1_000_000, "TRF-1", team["rm"], TODAY)
    assert (s.status, s.paid_total, s.outstanding) == ("active", 1_000_000, 1_016_000)
    with pytest.raises(ServiceError) as exc:
        services.record_payment(s, TODAY, 1_016_001, "", team["rm"], TODAY)
    assert exc.value.field == "amount" and "Rp 1.016.000" in str(exc.value)
    with pytest.raises(ServiceError):
        services.record_payment(s, date(2026, 11, 21), 1, "", team["rm"], TODAY)
    with pytest.raises(ServiceError):
        services.record_payment(s, TODAY, 0, "", team["rm"], TODAY)
    services.record_payment(s, TODAY, 1_016_000, "", team["rm"], TODAY)
    assert s.outstanding == 0


# -- the NIK overlap rule ---------------------------------------------------------------------


def test_a_worker_sponsored_elsewhere_in_an_overlapping_period_is_refused_naming_the_sponsor(team):
    make_sponsorship(team["rival"], team["other_rm"], TODAY, workers=[7])
    mine = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1])
    with pytest.raises(ServiceError) as exc:
        beneficiaries.add_beneficiary(mine, worker(7), team["rm"], TODAY)
    message = str(exc.value)
    assert "PT Sponsor Lain" in message
    assert mask_nik(nik(7)) in message and nik(7) not in message
    assert mine.beneficiary_count == 1


def test_the_same_worker_may_be_sponsored_in_a_later_period_or_after_a_cancelled_pledge(team):
    first = make_sponsorship(team["rival"], team["other_rm"], TODAY, workers=[7], months=3)
    later = make_sponsorship(team["sponsor"], team["rm"], TODAY, start=date(2027, 2, 1))
    beneficiaries.add_beneficiary(later, worker(7), team["rm"], TODAY)  # Feb 2027 > Jan 2027
    overlapping = make_sponsorship(team["sponsor"], team["rm"], TODAY, months=1)
    with pytest.raises(ServiceError):
        beneficiaries.add_beneficiary(overlapping, worker(7), team["rm"], TODAY)
    services.cancel_sponsorship(first, team["other_rm"])
    beneficiaries.add_beneficiary(overlapping, worker(7), team["rm"], TODAY)


def test_an_expired_sponsorship_no_longer_holds_its_workers(team):
    old = make_sponsorship(
        team["rival"],
        team["other_rm"],
        date(2026, 1, 10),
        workers=[7],
        months=3,
        start=date(2026, 1, 1),
    )
    assert shown_status(old, TODAY) == "expired"
    backdated = make_sponsorship(team["sponsor"], team["rm"], TODAY, start=date(2026, 2, 1))
    beneficiaries.add_beneficiary(backdated, worker(7), team["rm"], TODAY)


def test_the_same_nik_twice_in_one_sponsorship_is_refused(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1])
    with pytest.raises(ServiceError) as exc:
        beneficiaries.add_beneficiary(s, worker(1, name="Lagi"), team["rm"], TODAY)
    assert exc.value.field == "nik"


def test_moving_the_period_onto_another_sponsors_worker_is_refused(team):
    make_sponsorship(team["rival"], team["other_rm"], TODAY, workers=[7], months=3)
    mine = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[7], start=date(2027, 2, 1))
    with pytest.raises(ServiceError) as exc:
        services.update_sponsorship(
            mine, Terms("sertakan", "jkk_jkm", 12, date(2026, 12, 1)), team["rm"], TODAY
        )
    assert "PT Sponsor Lain" in str(exc.value)
    assert mine.start_month == date(2027, 2, 1)


def test_terms_are_frozen_once_something_is_paid_but_notes_are_not(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1])
    services.record_payment(s, TODAY, 16_800, "", team["rm"], TODAY)
    with pytest.raises(ServiceError):
        services.update_sponsorship(
            s, Terms("sertakan", "jkk_jkm", 6, s.start_month), team["rm"], TODAY
        )
    services.update_sponsorship(
        s, Terms("sertakan", "jkk_jkm", 12, s.start_month, "Catatan"), team["rm"], TODAY
    )
    assert s.notes == "Catatan"
    with pytest.raises(ServiceError):
        services.cancel_sponsorship(s, team["rm"])


# -- permissions and the full NIK ----------------------------------------------------------


def test_only_the_accounts_rm_and_supervisors_manage_a_sponsorship(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1])
    other = team["other_rm"]
    with pytest.raises(PermissionError):
        make_sponsorship(team["sponsor"], other, TODAY)
    with pytest.raises(PermissionError):
        beneficiaries.add_beneficiary(s, worker(2), other, TODAY)
    with pytest.raises(PermissionError):
        services.record_payment(s, TODAY, 1, "", other, TODAY)
    with pytest.raises(PermissionError):
        renewal.renew_sponsorship(s, renewal.default_renewal_terms(s), other, TODAY)
    beneficiaries.add_beneficiary(s, worker(2), team["supervisor"], TODAY)
    assert s.beneficiary_count == 2


def test_every_full_nik_view_is_audited_and_other_rms_are_refused(team, db):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1])
    b = db.session.scalar(
        select(SponsorshipBeneficiary).where(SponsorshipBeneficiary.sponsorship_id == s.id)
    )
    assert beneficiaries.reveal_nik(b, team["rm"]) == nik(1)
    assert beneficiaries.reveal_nik(b, team["supervisor"]) == nik(1)
    with pytest.raises(PermissionError):
        beneficiaries.reveal_nik(b, team["other_rm"])
    views = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "sponsorship.nik_view")
    ).all()
    assert [v.actor_id for v in views] == [team["rm"].id, team["supervisor"].id]
    assert all(v.entity_id == str(b.id) for v in views)
    # No audit row anywhere holds a full NIK.
    rows = db.session.scalars(select(AuditLog)).all()
    assert not any(nik(1) in repr((r.summary, r.before, r.after)) for r in rows)


# -- status, renewal and the daily check ------------------------------------------------------


def test_expiring_and_expired_are_computed_and_filterable(team, db):
    ends_soon = make_sponsorship(
        team["sponsor"], team["rm"], date(2026, 10, 5), months=1, start=date(2026, 11, 1)
    )
    running = make_sponsorship(team["sponsor"], team["rm"], TODAY, months=12)
    ended = make_sponsorship(team["sponsor"], team["rm"], TODAY, months=3, start=date(2026, 1, 1))
    expected = {ends_soon.id: "expiring", running.id: "pledged", ended.id: "expired"}
    assert {s.id: shown_status(s, TODAY) for s in (ends_soon, running, ended)} == expected
    for code in ("expiring", "pledged", "expired", "active"):
        ids = set(db.session.scalars(select(Sponsorship.id).where(status_condition(code, TODAY))))
        assert ids == {i for i, c in expected.items() if c == code}, code
    assert period_end(date(2027, 2, 1), 1) == date(2027, 2, 28)


def test_the_daily_check_gives_the_rm_one_renewal_task_30_days_before_the_end(
    team, db, monkeypatch
):
    s = make_sponsorship(
        team["sponsor"],
        team["rm"],
        date(2026, 1, 5),
        workers=[1],
        months=12,
        start=date(2026, 1, 1),
    )  # ends 31 December 2026
    monkeypatch.setattr(sponsorship_jobs, "today_local", lambda: date(2026, 11, 30))
    sponsorship_jobs.daily_renewal_tasks()  # 31 days before: nothing yet
    assert s.renewal_task_id is None
    monkeypatch.setattr(sponsorship_jobs, "today_local", lambda: date(2026, 12, 1))
    sponsorship_jobs.daily_renewal_tasks()
    sponsorship_jobs.daily_renewal_tasks()  # the next run (or another worker) adds nothing
    tasks = db.session.scalars(select(Task).where(Task.kind == "renewal")).all()
    assert len(tasks) == 1
    task = tasks[0]
    assert (task.assignee_id, task.account_id, task.due_date) == (
        team["rm"].id,
        team["sponsor"].id,
        date(2026, 12, 31),
    )
    assert "PT Sponsor Satu" in task.title and s.renewal_task_id == task.id
    assert shown_status(s, date(2026, 12, 1)) == "expiring"


def test_renewal_copies_the_workers_into_the_next_period_once(team, db):
    s = make_sponsorship(
        team["sponsor"],
        team["rm"],
        date(2026, 1, 5),
        workers=[1, 2, 3],
        months=12,
        start=date(2026, 1, 1),
    )
    renewal.create_renewal_tasks(date(2026, 12, 10))
    terms = renewal.default_renewal_terms(s)
    assert terms.start_month == date(2027, 1, 1)
    new = renewal.renew_sponsorship(s, terms, team["rm"], date(2026, 12, 10))
    assert (new.beneficiary_count, new.commitment, new.status) == (3, 3 * 12 * 16_800, "pledged")
    assert (s.status, new.renewed_from_id) == ("renewed", s.id)
    assert db.session.get(Task, s.renewal_task_id).status == "done"
    niks = set(
        db.session.scalars(
            select(SponsorshipBeneficiary.nik).where(
                SponsorshipBeneficiary.sponsorship_id == new.id
            )
        )
    )
    assert niks == {nik(1), nik(2), nik(3)}
    with pytest.raises(ServiceError):
        renewal.renew_sponsorship(s, terms, team["rm"], date(2026, 12, 10))


def test_renewal_is_refused_when_a_worker_is_sponsored_elsewhere_in_the_new_period(team, db):
    s = make_sponsorship(
        team["sponsor"],
        team["rm"],
        date(2026, 1, 5),
        workers=[1, 2],
        months=12,
        start=date(2026, 1, 1),
    )
    make_sponsorship(
        team["rival"], team["other_rm"], date(2026, 12, 10), workers=[2], start=date(2027, 1, 1)
    )
    with pytest.raises(ServiceError) as exc:
        renewal.renew_sponsorship(
            s, renewal.default_renewal_terms(s), team["rm"], date(2026, 12, 10)
        )
    assert "PT Sponsor Lain" in str(exc.value)
    with pytest.raises(ServiceError):  # and never earlier than the month after the end
        renewal.renew_sponsorship(
            s, Terms("sertakan", "jkk_jkm", 3, date(2026, 12, 1)), team["rm"], date(2026, 12, 10)
        )


# -- package rates ---------------------------------------------------------------------------


def test_rates_change_from_a_future_month_and_only_future_ones_can_be_deleted(team, db):
    admin = UserFactory(role="admin")
    with pytest.raises(ServiceError) as exc:
        rates.add_rate("jkk_jkm", 17_000, date(2026, 11, 1), admin, TODAY)
    assert exc.value.field == "effective_from"
    with pytest.raises(ServiceError):
        rates.add_rate("jkk_jkm", 17_000, date(2027, 1, 15), admin, TODAY)
    with pytest.raises(ServiceError):
        rates.add_rate("jkk_jkm", 0, date(2027, 1, 1), admin, TODAY)
    future = rates.add_rate("jkk_jkm", 17_000, date(2027, 1, 1), admin, TODAY)
    states = {(r.rule.package, r.rule.effective_from): r.state for r in rates.rate_rows(TODAY)}
    assert states[("jkk_jkm", date(2027, 1, 1))] == "future"
    assert states[("jkk_jkm", date(2022, 9, 1))] == "current"
    assert rates.current_prices(TODAY) == {"jkk_jkm": 16_800, "jkk_jkm_jht": 36_800}
    current = rates.rate_for("jkk_jkm", date(2026, 11, 1))
    assert rates.deletion_refused(current, TODAY)
    rates.delete_rate(future, admin, TODAY)
    assert rates.rate_for("jkk_jkm", date(2027, 2, 1)).price == 16_800
