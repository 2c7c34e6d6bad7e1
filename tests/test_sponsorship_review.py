"""Regression tests for defects found in the sponsorship review: a cancelled renewal, payments
owed on a renewed sponsorship, removals below what was paid, a stale piagam draft, the
import and beneficiary forms of a closed sponsorship, rate deletion, and the status and
overlap boundaries."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from crm.audit import AuditLog
from crm.compliance.arrears import add_months
from crm.compliance.services import today_local
from crm.letters.models import Letter
from crm.meetings.models import Task
from crm.services import ServiceError
from crm.sponsorships import beneficiaries, rates, renewal, services
from crm.sponsorships.letters import draft_piagam
from crm.sponsorships.models import Sponsorship, SponsorshipRate
from crm.sponsorships.services import Terms
from crm.sponsorships.status import shown_status, status_condition
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.sponsorships import make_sponsorship, nik, worker

TODAY = date(2026, 11, 20)


@pytest.fixture
def team(db):
    rm = UserFactory(role="rm", name="Rina")
    other_rm = UserFactory(role="rm", name="Oki")
    sponsor = AccountFactory(name="PT Sponsor Satu", rm=rm)
    rival = AccountFactory(name="PT Sponsor Lain", rm=other_rm)
    return {"rm": rm, "other_rm": other_rm, "sponsor": sponsor, "rival": rival}


def _renew(s: Sponsorship, actor, today: date) -> Sponsorship:
    terms = Terms(s.scheme, s.package, s.months, renewal.next_start(s))
    return renewal.renew_sponsorship(s, terms, actor, today)


# -- renewal ----------------------------------------------------------------------------------


def test_cancelling_a_renewal_lets_the_original_be_renewed_again_and_reopens_its_task(team, db):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1, 2], months=1)
    services.record_payment(s, TODAY, s.commitment, "", team["rm"], TODAY)
    renewal.create_renewal_tasks(TODAY)
    renewed = _renew(s, team["rm"], TODAY)
    task = db.session.get(Task, s.renewal_task_id)
    assert (s.status, task.status) == ("renewed", "done")

    services.cancel_sponsorship(renewed, team["rm"])
    assert (renewed.status, renewed.renewed_from_id) == ("cancelled", None)
    assert (s.status, task.status, task.completed_at) == ("active", "open", None)
    assert renewal.renewal_refused(s) is None
    again = _renew(s, team["rm"], TODAY)
    assert (again.renewed_from_id, again.beneficiary_count, s.status) == (s.id, 2, "renewed")
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_type == "sponsorship").order_by(AuditLog.id)
    ).all()
    assert "sponsorship.cancel" in actions


def test_an_unpaid_original_goes_back_to_pledged_when_its_renewal_is_cancelled(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1], months=1)
    renewed = _renew(s, team["rm"], TODAY)
    services.cancel_sponsorship(renewed, team["rm"])
    assert s.status == "pledged"


def test_renewal_refused_for_a_worker_now_sponsored_elsewhere_creates_nothing(
    db, client, login_as, team
):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1, 2], months=1)
    later = add_months(s.start_month, 1)
    make_sponsorship(team["rival"], team["other_rm"], today, workers=[2], start=later)
    db.session.commit()
    login_as(team["rm"])
    form = {"package": "jkk_jkm", "months": "1", "start_month": later.strftime("%Y-%m")}
    resp = post_form(client, f"/sponsorships/{s.id}/renew", form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "PT Sponsor Lain" in page and nik(2) not in page
    db.session.expire_all()
    assert db.session.query(Sponsorship).count() == 2
    assert db.session.get(Sponsorship, s.id).status == "pledged"


# -- payments and removals ---------------------------------------------------------------------


def test_a_renewed_sponsorship_still_takes_what_is_owed_for_its_period(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1, 2], months=3)
    services.record_payment(s, TODAY, 50_000, "", team["rm"], TODAY)
    _renew(s, team["rm"], TODAY)
    services.record_payment(s, TODAY, s.outstanding, "lunas", team["rm"], TODAY)
    assert (s.status, s.outstanding) == ("renewed", 0)
    assert not services.takes_payments(s)


def test_a_cancelled_sponsorship_takes_no_payment_and_a_huge_amount_names_the_limit(team):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1])
    with pytest.raises(ServiceError) as exc:
        services.record_payment(s, TODAY, 10**30, "", team["rm"], TODAY)
    assert "Melebihi sisa komitmen" in str(exc.value)
    services.cancel_sponsorship(s, team["rm"])
    with pytest.raises(ServiceError):
        services.record_payment(s, TODAY, 1, "", team["rm"], TODAY)


def test_a_paid_for_worker_cannot_be_removed_below_what_was_paid(team, db):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1, 2, 3], months=1)
    services.record_payment(s, TODAY, 2 * 16_800, "", team["rm"], TODAY)
    first, second, _third = sorted(
        db.session.scalars(select(beneficiaries.SponsorshipBeneficiary)), key=lambda b: b.id
    )
    beneficiaries.remove_beneficiary(first, team["rm"], TODAY)  # 2 x 16.800 is not below
    assert (s.beneficiary_count, s.commitment) == (2, 33_600)
    with pytest.raises(ServiceError) as exc:
        beneficiaries.remove_beneficiary(second, team["rm"], TODAY)
    assert "Rp 33.600" in str(exc.value)
    assert s.beneficiary_count == 2 and s.outstanding == 0 and s.commitment >= s.paid_total


def test_the_payment_button_shows_while_money_is_owed_even_after_renewal(
    db, client, login_as, team
):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1], months=1)
    _renew(s, team["rm"], today)
    db.session.commit()
    login_as(team["rm"])
    page = client.get(f"/sponsorships/{s.id}").get_data(as_text=True)
    assert "Catat pembayaran" in page
    resp = post_form(
        client,
        f"/sponsorships/{s.id}/payments",
        {"paid_on": today.isoformat(), "amount": "16.800"},
    )
    assert resp.status_code == 302
    page = client.get(f"/sponsorships/{s.id}").get_data(as_text=True)
    assert "Catat pembayaran" not in page  # nothing owed any more


# -- closed sponsorships: say so before a form is filled in -------------------------------------


def test_the_import_and_add_forms_of_a_renewed_sponsorship_redirect_with_the_reason(
    db, client, login_as, team
):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1], months=1)
    _renew(s, team["rm"], today)
    db.session.commit()
    login_as(team["rm"])
    for url in (f"/sponsorships/{s.id}/import", f"/sponsorships/{s.id}/beneficiaries/new"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{s.id}")
    data = {"file": (io.BytesIO(f"nik,nama\n{nik(5)},Ani\n".encode()), "a.csv")}
    resp = post_form(client, f"/sponsorships/{s.id}/import", data, buffered=True)
    assert resp.status_code == 302
    assert "selama sponsorship masih berjalan" in client.get(f"/sponsorships/{s.id}").get_data(
        as_text=True
    )
    assert client.get(f"/sponsorships/{s.id}/edit").status_code == 302


def test_an_import_confirmed_after_the_sponsorship_closed_says_why(db, client, login_as, team):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1], months=1)
    db.session.commit()
    login_as(team["rm"])
    data = {"file": (io.BytesIO(f"nik,nama\n{nik(5)},Ani\n".encode()), "a.csv")}
    page = post_form(client, f"/sponsorships/{s.id}/import", data, buffered=True)
    ticket = page.get_data(as_text=True).split('name="ticket" type="hidden" value="')[1]
    ticket = ticket.split('"')[0]
    _renew(s, team["rm"], today)
    db.session.commit()
    resp = post_form(client, f"/sponsorships/{s.id}/import/confirm", {"ticket": ticket})
    assert resp.headers["Location"].endswith(f"/sponsorships/{s.id}")
    page = client.get(f"/sponsorships/{s.id}").get_data(as_text=True)
    assert "selama sponsorship masih berjalan" in page
    assert s.beneficiary_count == 1


# -- the piagam draft ------------------------------------------------------------------------


def test_drafting_the_piagam_again_brings_the_draft_up_to_date_until_it_is_submitted(team, db):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1, 2], months=1)
    services.record_payment(s, TODAY, 16_800, "", team["rm"], TODAY)
    letter, new = draft_piagam(s, team["rm"], TODAY)
    assert new and letter.facts["sponsorship"]["amount"] == 16_800
    services.record_payment(s, TODAY, 16_800, "", team["rm"], TODAY)
    beneficiaries.add_beneficiary(s, worker(3), team["rm"], TODAY)
    again, new = draft_piagam(s, team["rm"], TODAY)
    assert again.id == letter.id and not new
    block = db.session.get(Letter, letter.id).facts["sponsorship"]
    assert (block["amount"], block["workers"], len(block["beneficiaries"])) == (33_600, 3, 3)
    assert "3 pekerja" in again.lampiran
    letter.status = "submitted"
    services.record_payment(s, TODAY, 16_800, "", team["rm"], TODAY)
    draft_piagam(s, team["rm"], TODAY)
    assert db.session.get(Letter, letter.id).facts["sponsorship"]["amount"] == 33_600


# -- rates -----------------------------------------------------------------------------------


def test_a_future_price_a_pledge_was_priced_with_cannot_be_deleted(team, db):
    admin = UserFactory(role="admin")
    start = add_months(TODAY.replace(day=1), 2)
    rate = rates.add_rate("jkk_jkm", 17_500, start, admin, TODAY)
    spare = rates.add_rate("jkk_jkm_jht", 40_000, start, admin, TODAY)
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, start=start, workers=[1])
    assert s.price_per_worker == 17_500
    assert f"#{s.id}" in rates.deletion_refused(rate, TODAY)
    with pytest.raises(ServiceError):
        rates.delete_rate(rate, admin, TODAY)
    rates.delete_rate(spare, admin, TODAY)  # nobody priced with it
    services.cancel_sponsorship(s, team["rm"])
    rates.delete_rate(rate, admin, TODAY)  # a cancelled pledge does not hold it
    assert (
        db.session.scalars(
            select(SponsorshipRate).where(SponsorshipRate.effective_from == start)
        ).all()
        == []
    )


# -- boundaries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "shown"),
    [(-1, "expired"), (0, "expiring"), (30, "expiring"), (31, "pledged")],
)
def test_status_boundaries_match_between_page_and_filter(team, db, days_left, shown):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1], months=1)
    today = s.end_on - timedelta(days=days_left)
    assert shown_status(s, today) == shown
    found = db.session.scalars(
        select(Sponsorship.id).where(status_condition(shown, today), Sponsorship.id == s.id)
    ).all()
    assert found == [s.id]


def test_a_period_starting_the_day_after_another_ends_does_not_overlap(team):
    first = make_sponsorship(team["rival"], team["other_rm"], TODAY, workers=[7], months=1)
    after = make_sponsorship(
        team["sponsor"], team["rm"], TODAY, start=first.end_on + timedelta(days=1)
    )
    beneficiaries.add_beneficiary(after, worker(7), team["rm"], TODAY)
    assert after.beneficiary_count == 1


def test_the_piagam_card_offers_to_refresh_a_draft_and_says_it_did(
    db, client, auth, login_as, team
):
    today = today_local()
    s = make_sponsorship(team["sponsor"], team["rm"], today, workers=[1], months=1)
    services.record_payment(s, today, 10_000, "", team["rm"], today)
    letter, _new = draft_piagam(s, team["rm"], today)
    services.record_payment(s, today, 6_800, "", team["rm"], today)
    db.session.commit()
    login_as(team["rm"])
    assert "Perbarui data di draf" in client.get(f"/sponsorships/{s.id}").get_data(as_text=True)
    resp = post_form(client, f"/sponsorships/{s.id}/piagam", follow_redirects=True)
    assert "draf piagam diperbarui" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).facts["sponsorship"]["amount"] == 16_800
    auth.logout()
    login_as(team["other_rm"])
    assert post_form(client, f"/sponsorships/{s.id}/piagam").status_code == 403


def test_a_payment_is_checked_against_the_stored_figures_not_a_stale_copy(team, db):
    s = make_sponsorship(team["sponsor"], team["rm"], TODAY, workers=[1], months=1)
    # Another request records the whole amount meanwhile; this session's copy is stale.
    db.session.execute(
        update(Sponsorship)
        .where(Sponsorship.id == s.id)
        .values(paid_total=16_800, status="active")
        .execution_options(synchronize_session=False)
    )
    assert s.paid_total == 0
    with pytest.raises(ServiceError) as exc:
        services.record_payment(s, TODAY, 16_800, "", team["rm"], TODAY)
    assert "Rp 0" in str(exc.value) and s.paid_total == 16_800
