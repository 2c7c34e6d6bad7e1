"""Regression tests from the review of the agreements feature: absurd periods and dates,
the matrix paged back to year 1, leap-year renewal terms, the report form's prefill for
branch staff, an MoU shrunk under its PKS, the cover letter's wording, expired home alerts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm import storage
from crm.compliance.services import today_local
from crm.extensions import db
from crm.letters.models import Letter
from crm.partners import monitoring, renewal, services
from crm.partners.models import Agreement, AgreementAlert, ImplementationReport
from crm.partners.services import AgreementData
from crm.services import ServiceError
from tests.conftest import csrf_token, post_form
from tests.support.agreements import make_team, mou, pks


@pytest.fixture
def team(db):
    return make_team()


@pytest.fixture
def running(team):
    return mou(team, status="active")


def agreement_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Agreement))


# -- periods and the matrix never leave date's range -----------------------------------------


@pytest.mark.parametrize("code", ["0000-01", "0000-Q1", "1989-12", "2101-01", "9999-Q4"])
def test_a_period_outside_the_plausible_years_is_no_period(code):
    assert monitoring.parse_period(code) is None


def test_report_page_with_a_year_zero_period_is_a_form_not_a_500(client, login_as, team, running):
    login_as(team.rm)
    url = f"/agreements/{running.id}/reports"
    assert client.get(f"{url}?branch={team.branch_a.id}&period=0000-01").status_code == 200
    data = {
        "csrf_token": csrf_token(client),
        "branch_id": str(team.branch_a.id),
        "period": "0000-01",
        "status": "in_progress",
        "workers_covered": "1",
    }
    resp = client.post(url, data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ImplementationReport)) == 0


@pytest.mark.parametrize("query", ["before=0001-01-01", "before=0001-02-01&period=quarter"])
def test_matrix_paged_back_to_year_one_stops_at_the_first_period(
    client, login_as, team, running, query
):
    login_as(team.rm)
    resp = client.get(f"/agreements/{running.id}?{query}")
    assert resp.status_code == 200
    assert "Periode sebelumnya" not in resp.get_data(as_text=True)


def test_matrix_older_link_ends_at_the_earliest_reportable_period(team):
    today = today_local()
    old = mou(team, start=date(2020, 1, 1), days=365 * 10, status="active")
    first = monitoring.build_matrix(old, "month", date(2020, 3, 1), today)
    assert first.periods[0] == date(2020, 1, 1) and first.older is None
    fresh = mou(team, start=today - timedelta(days=10), status="active")
    matrix = monitoring.build_matrix(fresh, "month", today, today)
    # A new agreement still shows the months up to today, and can page back a year (the
    # report form offers the last 12 months).
    assert matrix.periods[-1] == monitoring.period_start("month", today)
    assert matrix.older is not None
    floor = monitoring.shift_period("month", monitoring.period_start("month", today), -11)
    assert monitoring.build_matrix(fresh, "month", date(1990, 1, 1), today).older is None
    assert monitoring.build_matrix(fresh, "month", floor, today).periods[0] == floor


# -- absurd dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(1, 1, 1), date(2027, 1, 1), "valid_from"),
        (date(2026, 1, 1), date(9999, 12, 31), "valid_to"),
    ],
)
def test_dates_outside_plausible_years_are_refused(team, start, end, field):
    data = AgreementData(
        title="MoU", valid_from=start, valid_to=end, account_id=team.institution.id
    )
    with pytest.raises(ServiceError) as exc:
        services.create_agreement(data, team.rm)
    assert exc.value.field == field and "Periksa tahunnya" in str(exc.value)


def test_absurd_dates_through_the_form_get_a_message_and_store_nothing(client, login_as, team):
    login_as(team.rm)
    before = agreement_count()
    resp = post_form(
        client,
        "/agreements/new",
        {
            "account_id": str(team.institution.id),
            "title": "MoU Absurd",
            "valid_from": "0001-01-01",
            "valid_to": "9999-12-31",
        },
    )
    # The form's date field refuses years outside 1900-2100 with its own message.
    assert resp.status_code == 400 and "Isi tanggal antara" in resp.get_data(as_text=True)
    assert agreement_count() == before


def test_a_signing_date_in_year_one_is_refused_on_the_status_change(team):
    agreement = mou(team)
    with pytest.raises(ServiceError) as exc:
        services.change_status(agreement, "signed", team.rm, signed_on=date(1, 1, 1))
    assert exc.value.field == "signed_on"
    assert agreement.status == "draft"


def test_renewal_page_of_an_agreement_stored_up_to_year_9999_is_not_a_500(client, login_as, team):
    agreement = mou(team, status="active")
    agreement.valid_to = date(9999, 12, 31)  # stored before the bounds existed
    db.session.commit()
    login_as(team.rm)
    assert client.get(f"/agreements/{agreement.id}/renew").status_code == 200


# -- renewal terms across leap years ---------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # three calendar years with a leap day inside: the next three calendar years
        ((date(2026, 1, 1), date(2028, 12, 31)), (date(2029, 1, 1), date(2031, 12, 31))),
        ((date(2027, 1, 1), date(2029, 12, 31)), (date(2030, 1, 1), date(2032, 12, 31))),
        # ending on a leap day
        ((date(2024, 3, 1), date(2028, 2, 29)), (date(2028, 3, 1), date(2032, 2, 29))),
        ((date(2026, 7, 15), date(2027, 7, 14)), (date(2027, 7, 15), date(2028, 7, 14))),
        # not whole months: the same number of days
        ((date(2025, 4, 10), date(2025, 10, 31)), (date(2025, 11, 1), date(2026, 5, 24))),
    ],
)
def test_renewal_term_keeps_whole_calendar_months(old, new):
    assert renewal.renewal_term(*old) == new


def test_renewal_form_is_prefilled_with_the_calendar_term(client, login_as, team):
    agreement = mou(team, start=date(2026, 1, 1), days=(date(2028, 12, 31) - date(2026, 1, 1)).days)
    agreement.status = "active"
    db.session.commit()
    login_as(team.rm)
    page = client.get(f"/agreements/{agreement.id}/renew").get_data(as_text=True)
    assert 'value="2029-01-01"' in page and 'value="2031-12-31"' in page


# -- the report form for branch staff ---------------------------------------------------------


def test_branch_staff_never_get_another_branchs_report_in_their_form(
    client, auth, login_as, team, running
):
    code = monitoring.period_code("month", monitoring.period_start("month", today_local()))
    monitoring.save_report(
        running,
        monitoring.ReportData(
            branch_id=team.branch_b.id,
            period=code,
            status="implemented",
            workers_covered=4321,
            notes="Catatan cabang B",
        ),
        team.rm,
        today_local(),
    )
    db.session.commit()
    login_as(team.branch_rm)  # staff of branch A
    page = client.get(
        f"/agreements/{running.id}/reports?branch={team.branch_b.id}&period={code}"
    ).get_data(as_text=True)
    assert "4321" not in page and "Catatan cabang B" not in page
    assert "sudah ada" not in page
    selected = re.search(r'<option selected value="(\d+)"', page)
    assert selected is not None and selected.group(1) == str(team.branch_a.id)
    # The responsible RM, who may report for branch B, gets its report to edit.
    auth.logout()
    login_as(team.rm)
    page = client.get(
        f"/agreements/{running.id}/reports?branch={team.branch_b.id}&period={code}"
    ).get_data(as_text=True)
    assert "4321" in page and "Catatan cabang B" in page


# -- an MoU's validity still holds its PKS -------------------------------------------------------


def mou_data(agreement, **changes) -> AgreementData:
    values = {
        "title": agreement.title,
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "branch_ids": [b.branch_office_id for b in agreement.branches],
    } | changes
    return AgreementData(**values)


def test_an_mou_cannot_shrink_so_that_a_pks_starts_outside_it(team):
    parent = mou(team, start=date(2026, 1, 1), days=1000)
    child = pks(team, parent, start=date(2026, 6, 1), end=date(2027, 6, 1))
    db.session.commit()
    with pytest.raises(ServiceError) as exc:
        services.update_agreement(parent, mou_data(parent, valid_from=date(2026, 7, 1)), team.rm)
    assert exc.value.field == "valid_from" and child.title in str(exc.value)
    with pytest.raises(ServiceError) as exc:
        services.update_agreement(parent, mou_data(parent, valid_to=date(2026, 5, 1)), team.rm)
    assert exc.value.field == "valid_to"
    db.session.rollback()
    assert db.session.get(Agreement, parent.id).valid_from == date(2026, 1, 1)


def test_an_mou_ending_before_its_pks_needs_the_confirmation(team):
    parent = mou(team, start=date(2026, 1, 1), days=1000)
    pks(team, parent, start=date(2026, 6, 1), end=date(2028, 6, 1))
    shorter = mou_data(parent, valid_to=date(2027, 12, 31))
    with pytest.raises(ServiceError) as exc:
        services.update_agreement(parent, shorter, team.rm)
    assert exc.value.field == "outlive_ok"
    shorter.outlive_ok = True
    services.update_agreement(parent, shorter, team.rm)
    assert parent.valid_to == date(2027, 12, 31)


def test_an_ended_pks_does_not_hold_its_mou(team):
    parent = mou(team, start=date(2026, 1, 1), days=1000)
    child = pks(team, parent, start=date(2026, 6, 1), end=date(2027, 6, 1))
    child.status = "terminated"
    services.update_agreement(parent, mou_data(parent, valid_from=date(2026, 7, 1)), team.rm)
    assert parent.valid_from == date(2026, 7, 1)


def test_mou_edit_page_shows_the_confirmation_when_a_pks_outlives_it(client, login_as, team):
    parent = mou(team, start=date(2026, 1, 1), days=1000)
    pks(team, parent, start=date(2026, 6, 1), end=date(2028, 6, 1))
    db.session.commit()
    login_as(team.rm)
    data = {
        "title": parent.title,
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "branch_ids": [str(b.branch_office_id) for b in parent.branches],
    }
    resp = post_form(client, f"/agreements/{parent.id}/edit", data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Ada PKS di bawah MoU ini" in page
    assert "Saya mengerti ada PKS yang berakhir sesudah MoU ini." in page
    resp = post_form(client, f"/agreements/{parent.id}/edit", data | {"outlive_ok": "y"})
    assert resp.status_code == 302


# -- the cover letter ---------------------------------------------------------------------------


def letter_html(letter) -> str:
    from crm.letters.context import letter_context
    from crm.letters.render import render_html

    return re.sub(r"\s+", " ", render_html(letter_context(letter)))


def test_cover_letter_of_a_draft_asks_once_for_review_and_signature(client, login_as, team):
    agreement = mou(team)
    login_as(team.rm)
    post_form(client, f"/agreements/{agreement.id}/cover-letter")
    letter = db.session.scalar(select(Letter))
    html = letter_html(letter)
    assert html.count("ditandatangani oleh pejabat yang berwenang") == 1
    assert "Setelah ditandatangani, mohon satu rangkap naskah dikembalikan" in html


def test_cover_letter_of_a_signed_agreement_sends_it_rather_than_asking_to_sign(
    client, login_as, team
):
    agreement = mou(team, status="active", signed_on=date(2026, 2, 3))
    login_as(team.rm)
    post_form(client, f"/agreements/{agreement.id}/cover-letter")
    letter = db.session.scalar(select(Letter))
    assert "telah ditandatangani oleh para pihak pada tanggal 3 Februari 2026" in letter.body
    html = letter_html(letter)
    assert "pejabat yang berwenang" not in html and "mohon satu rangkap" not in html
    assert letter.addressee_company == team.institution.name


# -- home alerts after the end date ---------------------------------------------------------------


def test_an_alert_still_open_after_the_end_says_so_without_negative_days(
    client, login_as, team, monkeypatch
):
    from crm.dashboard import views as dashboard

    today = today_local()
    agreement = mou(team, title="MoU Lewat", start=today - timedelta(days=400), days=397)
    agreement.status = "active"
    db.session.add(AgreementAlert(agreement_id=agreement.id, days_before=30))
    db.session.commit()
    monkeypatch.setattr(dashboard, "today_local", lambda: today)
    login_as(team.rm)
    home = client.get("/").get_data(as_text=True)
    assert "MoU Lewat" in home and "sudah berakhir" in home
    assert "-3 hari" not in home


def test_agreement_facts_stack_on_a_phone(client, login_as, team, running):
    login_as(team.rm)
    assert 'class="facts agreement-facts"' in client.get(f"/agreements/{running.id}").get_data(
        as_text=True
    )


# -- renewal of a PKS, signing dates, the roll-up of an MoU with draft PKS -----------------------


def test_a_pks_renewed_after_its_mou_was_renewed_goes_under_the_new_mou(team):
    start = date(2026, 1, 1)
    old_mou = mou(team, start=start, days=730, status="active")
    old_pks = pks(team, old_mou, status="active")
    term = renewal.renewal_term(old_mou.valid_from, old_mou.valid_to)
    new_mou = renewal.renew_agreement(
        old_mou, AgreementData(title="MoU baru", valid_from=term[0], valid_to=term[1]), team.rm
    )
    new_mou.status = "signed"
    db.session.flush()
    data = AgreementData(title="PKS baru", valid_from=term[0], valid_to=term[1])
    new_pks = renewal.renew_agreement(old_pks, data, team.rm)
    assert new_pks.parent_id == new_mou.id and new_pks.renewed_from_id == old_pks.id


def test_a_pks_under_a_terminated_mou_is_not_renewed(team):
    parent = mou(team, start=date(2026, 1, 1), days=730, status="active")
    child = pks(team, parent, status="active")
    services.change_status(parent, "terminated", team.rm, reason="Dibatalkan mitra")
    assert child.status == "terminated"  # it ends with its MoU
    child.status = "active"  # a PKS left running from before that rule still cannot renew
    data = AgreementData(title="PKS baru", valid_from=date(2027, 6, 1), valid_to=date(2027, 12, 1))
    with pytest.raises(ServiceError) as exc:
        renewal.renew_agreement(child, data, team.rm)
    assert exc.value.field == "parent_id" and child.status == "active"


def test_a_signing_date_in_the_future_is_refused(team):
    agreement = mou(team)
    with pytest.raises(ServiceError) as exc:
        services.change_status(
            agreement, "signed", team.rm, signed_on=today_local() + timedelta(days=1)
        )
    assert exc.value.field == "signed_on" and agreement.signed_on is None
    services.change_status(agreement, "signed", team.rm, signed_on=today_local())
    assert agreement.status == "signed"


def test_an_mou_whose_pks_are_only_drafts_is_monitored_itself(team, running):
    from crm.partners.monitoring_rollup import RollupFilters, build_rollup

    pks(team, running, status="draft", branch_ids=[team.branch_a.id])
    (row,) = build_rollup(RollupFilters(group="institution"), today_local(), 50).rows
    assert row.pairs == 2  # the MoU's own two branches, not started
    pks(team, running, status="active", branch_ids=[team.branch_a.id])
    (row,) = build_rollup(RollupFilters(group="institution"), today_local(), 50).rows
    assert row.pairs == 1  # now carried out through the running PKS


def test_editing_keeps_a_covered_branch_deactivated_since(client, login_as, team, running):
    team.branch_b.active = False
    db.session.commit()
    login_as(team.rm)
    page = client.get(f"/agreements/{running.id}/edit").get_data(as_text=True)
    assert "(nonaktif)" in page
    data = {
        "title": "Judul baru",
        "valid_from": running.valid_from.isoformat(),
        "valid_to": running.valid_to.isoformat(),
        "branch_ids": [str(team.branch_a.id), str(team.branch_b.id)],
    }
    assert post_form(client, f"/agreements/{running.id}/edit", data).status_code == 302
    db.session.expire_all()
    assert {b.branch_office_id for b in running.branches} == {team.branch_a.id, team.branch_b.id}
    # A deactivated branch the agreement did not cover is still refused.
    other = mou(team, branch_ids=[team.branch_a.id])
    db.session.commit()
    data["branch_ids"] = [str(team.branch_b.id)]
    resp = post_form(client, f"/agreements/{other.id}/edit", data)
    assert resp.status_code == 400 and "Pilih kantor cabang yang aktif." in resp.get_data(
        as_text=True
    )


# -- a document whose row cannot be written leaves no file ---------------------------------------


def test_a_document_row_that_fails_to_write_leaves_no_file(app, team):
    from sqlalchemy import event

    from crm.partners import documents
    from crm.partners.models import AgreementDocument
    from tests.support.agreements import pdf_bytes

    agreement = mou(team)
    db.session.flush()
    files = set(storage.iter_keys())
    # Another upload of the same version wins the race: this one's insert collides.
    rival = AgreementDocument(
        agreement_id=agreement.id,
        kind="signed",
        title="Naskah",
        version=1,
        storage_key="0" * 64,
        filename="lain.pdf",
        size=1,
        sha256="0" * 64,
    )

    def slip_in_the_rival(session, context, instances):
        if any(isinstance(o, AgreementDocument) and o is not rival for o in session.new):
            session.add(rival)

    event.listen(db.session, "before_flush", slip_in_the_rival)
    try:
        with pytest.raises(ServiceError) as exc:
            documents.add_document(agreement, "signed", "Naskah", pdf_bytes(), "a.pdf", team.rm)
    finally:
        event.remove(db.session, "before_flush", slip_in_the_rival)
    assert exc.value.field == "file" and "Coba unggah lagi" in str(exc.value)
    assert set(storage.iter_keys()) == files


# -- ids longer than the id columns --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"account_id": "9" * 21}, "Pilih salah satu pilihan yang tersedia."),
        ({"rm_id": "9" * 21}, "Pilih salah satu pilihan yang tersedia."),
        ({"branch_ids": ["9" * 23]}, "Pilih kantor cabang dari daftar."),
    ],
)
def test_an_id_too_long_for_the_database_is_a_message_not_a_500(
    client, login_as, team, changes, message
):
    login_as(team.supervisor)
    data = {
        "account_id": str(team.institution.id),
        "title": "MoU",
        "valid_from": "2027-01-01",
        "valid_to": "2028-01-01",
    } | changes
    before = agreement_count()
    resp = post_form(client, "/agreements/new", data)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert agreement_count() == before


def test_a_report_for_a_branch_id_too_long_is_refused(client, login_as, team, running):
    login_as(team.rm)
    resp = client.post(
        f"/agreements/{running.id}/reports",
        data={
            "csrf_token": csrf_token(client),
            "branch_id": "9" * 23,
            "period": monitoring.period_code(
                "month", monitoring.period_start("month", today_local())
            ),
            "status": "in_progress",
            "workers_covered": "1",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code in (400, 403)


def test_matrix_links_only_the_branches_the_user_may_report_for(client, login_as, team, running):
    login_as(team.branch_rm)  # staff of branch A; the agreement covers A and B
    page = client.get(f"/agreements/{running.id}").get_data(as_text=True)
    assert f"branch={team.branch_a.id}&amp;period=" in page
    assert f"branch={team.branch_b.id}&amp;period=" not in page


# -- the register's status filter agrees with the badge at every boundary --------------------------


def test_status_filter_and_badge_agree_at_the_boundaries(team):
    from crm.partners.agreement_queries import RegisterFilters, register_page

    today = today_local()
    made = {}
    for days_left in (-1, 0, 1, 30, 31, 60, 61, 89, 90, 91, 400):
        agreement = mou(
            team, title=f"MoU {days_left}", start=today - timedelta(days=500), days=500 + days_left
        )
        agreement.status = "active"
        agreement.signed_on = agreement.valid_from
        made[agreement.id] = agreement
    db.session.flush()
    for status in ("active", "expiring", "expired"):
        page = register_page(RegisterFilters(status=status), today, None, 100)
        listed = {a.id for a in page.items}
        badged = {i for i, a in made.items() if services.effective_status(a, today) == status}
        assert listed == badged, status
    for window in (30, 60, 90):
        page = register_page(RegisterFilters(status="expiring", days=window), today, None, 100)
        assert {(a.valid_to - today).days for a in page.items} == {
            d for d in (0, 1, 30, 31, 60, 61, 89, 90) if d <= window
        }


def test_expiry_offsets_across_a_leap_day(team, monkeypatch):
    from crm.partners import jobs

    end = date(2028, 2, 29)
    agreement = mou(team, start=date(2025, 3, 1), days=(end - date(2025, 3, 1)).days)
    agreement.status = "active"
    db.session.flush()

    def offsets_on(day: date) -> list[int]:
        monkeypatch.setattr(jobs, "today_local", lambda: day)
        jobs.daily_expiry_check()
        db.session.flush()
        rows = db.session.scalars(
            select(AgreementAlert.days_before).where(
                AgreementAlert.agreement_id == agreement.id,
                AgreementAlert.dismissed_at.is_(None),
            )
        )
        return sorted(rows)

    assert offsets_on(date(2027, 11, 30)) == []  # 91 days before
    assert offsets_on(date(2027, 12, 1)) == [90]
    assert offsets_on(date(2027, 12, 30)) == [90]  # 61 days: February has 29
    assert offsets_on(date(2027, 12, 31)) == [60]
    assert offsets_on(date(2028, 1, 29)) == [60]
    assert offsets_on(date(2028, 1, 30)) == [30]


def test_no_cover_letter_for_an_ended_agreement(client, login_as, team):
    agreement = mou(team, status="active")
    services.change_status(agreement, "terminated", team.rm, reason="Dibatalkan")
    db.session.commit()
    login_as(team.rm)
    assert "Buat surat pengantar" not in client.get(f"/agreements/{agreement.id}").get_data(
        as_text=True
    )
    resp = post_form(client, f"/agreements/{agreement.id}/cover-letter")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0


def test_the_account_rm_sees_the_alert_of_an_agreement_without_its_own_rm(team):
    from crm.partners import expiry

    today = today_local()
    agreement = mou(team, start=today - timedelta(days=300), days=340, status="active")
    agreement.rm_id = None  # the institution's RM (team.rm) is responsible and gets the task
    db.session.flush()
    expiry.check_expiries(today)
    task_owner = db.session.scalar(
        select(AgreementAlert).where(AgreementAlert.agreement_id == agreement.id)
    )
    assert task_owner is not None
    assert [a.agreement.id for a in expiry.open_alerts(team.rm, today)] == [agreement.id]
    assert expiry.open_alerts(team.other_rm, today) == []


# -- another agreement's evidence and alerts through this agreement's URLs ------------------------


def test_evidence_and_alerts_of_another_agreement_are_not_reachable_through_this_one(
    client, login_as, team, running
):
    from tests.support.agreements import pdf_bytes

    other_rm = team.other_rm
    mine = mou(team, title="MoU milik RM lain", status="active")
    mine.rm_id = other_rm.id
    code = monitoring.period_code("month", monitoring.period_start("month", today_local()))
    report = monitoring.save_report(
        running,
        monitoring.ReportData(
            branch_id=team.branch_a.id, period=code, status="in_progress", workers_covered=1
        ),
        team.rm,
        today_local(),
        evidence=(pdf_bytes(), "bukti.pdf"),
    )
    (evidence,) = monitoring.report_evidence(report.id)
    alert = AgreementAlert(agreement_id=running.id, days_before=90)
    db.session.add(alert)
    db.session.commit()
    login_as(other_rm)
    assert client.get(f"/agreements/{mine.id}/documents/{evidence.id}").status_code == 404
    assert client.get(f"/agreements/{running.id}/documents/{evidence.id}").status_code == 200
    assert post_form(client, f"/agreements/alerts/{alert.id}/dismiss").status_code == 403
    db.session.refresh(alert)
    assert alert.dismissed_at is None
