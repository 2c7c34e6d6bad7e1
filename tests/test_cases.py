"""Escalation cases: suggestions from the compliance import, opening, advancing one stage
at a time with role gates, letter requests and the stage clock, closing by hand and
automatically when an import shows the arrears paid, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.cases import letters, services
from crm.cases.models import (
    STAGES,
    CaseEvent,
    CaseLetterRequest,
    CaseSuggestion,
    EscalationCase,
)
from crm.cases.suggestions import refresh_suggestions
from crm.compliance.calendar import forget_calendar
from crm.compliance.models import CompliancePeriod, Holiday
from crm.compliance.services import today_local
from crm.jobs.scheduler import PERIODIC
from crm.services import ServiceError
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.cases import (
    advance,
    backdate,
    close,
    import_rows,
    post_prefixed,
    ready,
    sent_outside_system,
)
from tests.support.compliance import row, unpaid


def case_of(account) -> EscalationCase | None:
    return EscalationCase.query.filter_by(account_id=account.id).one_or_none()


@pytest.fixture
def portfolio(db):
    rm = UserFactory(role="rm")
    supervisor = UserFactory(role="supervisor")
    companies = [AccountFactory(npp=f"{40000000 + i}", rm=rm) for i in range(5)]
    return rm, supervisor, companies


def make_case(account, actor, reason="arrears") -> EscalationCase:
    return services.open_case(account, reason, actor)


# -- acceptance -------------------------------------------------------------------------------


def test_acceptance_suggest_open_advance_gate_and_close_on_payment(
    db, client, auth, login_as, portfolio
):
    rm, supervisor, companies = portfolio
    login_as(supervisor)
    months = ("2026-08", "2026-09")
    rows = [row(a.npp, period=m) for a in companies[:2] for m in months]
    rows += [unpaid(a.npp, period=m) for a in companies[2:] for m in months]
    import_rows(client, rows)
    auth.logout()

    login_as(rm)
    html = client.get("/cases/suggestions").get_data(as_text=True)
    for a in companies[2:]:
        assert a.name in html
    for a in companies[:2]:
        assert a.name not in html
    target = companies[2]
    resp = post_form(client, "/cases/open", {"account_id": target.id, "reason": "arrears"})
    case = case_of(target)
    # Persuasi has no default days: the case page asks for its deadline at once.
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/cases/{case.id}#tenggat"
    )
    assert (case.stage, case.status, case.owner_id) == ("persuasi", "open", rm.id)
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Kasus dibuka untuk" in html and "Tetapkan tenggat Persuasi" in html
    assert target.name not in client.get("/cases/suggestions").get_data(as_text=True)
    today = today_local()
    post_prefixed(client, f"/cases/{case.id}/due", "due", {"due_on": today.isoformat()})
    db.session.refresh(case)
    assert case.stage_due_on == today  # due today: the case may move on

    resp = advance(client, case, "pemberitahuan", "Dua bulan tidak dibayar", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Draf surat diminta" in html and "Draf diminta" in html
    assert f"Yth. Pimpinan {target.name}" in html
    letter = CaseLetterRequest.query.filter_by(case_id=case.id).one()
    assert (letter.stage, letter.letter_type, letter.status) == (
        "pemberitahuan",
        "pemberitahuan",
        "draft_requested",
    )
    db.session.refresh(case)
    assert case.stage_due_on is None and case.stage_started_on is None  # menunggu surat

    html = advance(client, case, "teguran_1", follow_redirects=True).get_data(as_text=True)
    assert "menunggu surat" in html and "tidak dapat dilewati" in html
    url = f"/cases/{case.id}/letters/{letter.id}/issued"  # a draft has no issue date to record
    html = post_form(client, url, {"day": today.isoformat()}, follow_redirects=True)
    assert "belum terbit" in html.get_data(as_text=True)
    db.session.refresh(letter)
    assert letter.status == "draft_requested" and letter.issued_on is None
    auth.logout()

    login_as(supervisor)  # no override of the law, not even with a note
    resp = advance(client, case, "teguran_1", "Perusahaan menolak bertemu", follow_redirects=True)
    assert "tidak dapat dilewati" in resp.get_data(as_text=True)
    db.session.refresh(case)
    assert case.stage == "pemberitahuan"
    ready(case)  # the letter issued and received, its period over
    advance(client, case, "teguran_1")
    ready(case)
    advance(client, case, "teguran_2")
    db.session.refresh(case)
    assert case.stage == "teguran_2"
    assert not any(e.note.startswith("Override") for e in case.events if e.note)
    auth.logout()

    ready(case)
    teguran_2_end = case.stage_due_on
    login_as(rm)
    html = advance(client, case, "denda", follow_redirects=True).get_data(as_text=True)
    assert "Hanya supervisor yang dapat menaikkan kasus" in html
    db.session.refresh(case)
    assert case.stage == "teguran_2"
    auth.logout()

    login_as(supervisor)
    advance(client, case, "denda", "Denda 0,1 %")
    db.session.refresh(case)
    # The window runs from the day after Teguran II's period, for 30 days.
    assert case.stage == "denda"
    assert case.stage_started_on == teguran_2_end + timedelta(days=1)
    assert case.stage_due_on == teguran_2_end + timedelta(days=30)

    # Both months paid on 20 Nov 2026 with their late fines (2 % a month, hand-worked):
    # Aug due 15 Sep -> 3 months late = 600,000; Sep due 15 Oct -> 2 months = 400,000.
    payment = [
        row(target.npp, period="2026-08", paid_on="2026-11-20", denda_dibayar="600.000"),
        row(target.npp, period="2026-09", paid_on="2026-11-20", denda_dibayar="400.000"),
    ]
    run = import_rows(client, payment)
    db.session.refresh(case)
    assert (case.status, case.closed_reason, case.closing_import_id) == ("closed", "paid", run.id)
    closing = CaseEvent.query.filter_by(case_id=case.id, kind="closed").one()
    assert closing.import_id == run.id and closing.actor_id is None
    assert f"#{run.id}" in closing.note and "iuran.csv" in closing.note
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Lunas" in html and f"Impor data kepatuhan #{run.id}" in html
    kinds = [e.kind for e in case.events]
    assert kinds == [
        "opened",
        "note",  # the Persuasi deadline
        "advanced",  # the letters' dates come from the letter workflow, not the case page
        "advanced",
        "advanced",
        "advanced",
        "closed",
    ]


def test_a_payment_that_leaves_fines_or_months_unpaid_keeps_the_case_open(
    db, client, login_as, portfolio
):
    rm, supervisor, companies = portfolio
    login_as(supervisor)
    a = companies[0]
    import_rows(client, [unpaid(a.npp, period="2026-08"), unpaid(a.npp, period="2026-09")])
    case = make_case(a, rm)
    pds_case = make_case(a, rm, reason="pds_tk")
    db.session.flush()
    import_rows(client, [row(a.npp, period="2026-08", paid_on="2026-11-20")])  # no fine paid
    db.session.refresh(case)
    db.session.refresh(pds_case)
    assert case.status == "open" and pds_case.status == "open"


# -- the stage clock --------------------------------------------------------------------------


def test_stage_clock_starts_at_issue_and_restarts_at_receipt_skipping_holidays(db, portfolio):
    rm, _supervisor, companies = portfolio
    for day, name in [
        (date(2026, 12, 24), "Cuti bersama Natal"),
        (date(2026, 12, 25), "Natal"),
        (date(2027, 1, 1), "Tahun Baru"),
    ]:
        db.session.add(Holiday(day=day, name=name, kind="national"))
    db.session.flush()
    forget_calendar()
    case = make_case(companies[0], rm)
    services.advance_case(case, "pemberitahuan", rm)
    request = case.current_letter
    assert case.waiting_for_letter and case.stage_due_on is None

    # Issued Fri 18 Dec: 21 22 23 | 24 25 off | 28 29 30 31 | 1 Jan off | 4 5 6 -> 6 Jan.
    letters.mark_letter_issued(request, date(2026, 12, 18), rm)
    assert (case.stage_started_on, case.stage_due_on) == (date(2026, 12, 18), date(2027, 1, 6))
    # Received Mon 28 Dec: 29 30 31 | 1 Jan off | 4 5 6 7 8 11 12 -> 12 Jan.
    letters.mark_letter_received(request, date(2026, 12, 28), rm)
    assert (case.stage_started_on, case.stage_due_on) == (date(2026, 12, 28), date(2027, 1, 12))
    assert request.status == "received"
    assert [e.kind for e in case.events][-2:] == ["letter_issued", "letter_received"]


def test_letter_dates_are_checked(db, portfolio):
    rm, _supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    services.advance_case(case, "pemberitahuan", rm)
    backdate(case, 30)
    request = case.current_letter
    today = today_local()
    with pytest.raises(ServiceError) as refused:
        letters.mark_letter_received(request, today, rm)  # not issued yet
    assert "catat tanggal terbitnya lebih dulu" in str(refused.value)
    with pytest.raises(ServiceError):
        letters.mark_letter_issued(request, today + timedelta(days=1), rm, today=today)
    letters.mark_letter_issued(request, today - timedelta(days=10), rm)
    with pytest.raises(ServiceError):
        letters.mark_letter_received(request, today - timedelta(days=11), rm)  # before issue


def test_letter_dates_through_the_case_page(db, client, login_as, portfolio):
    rm, _supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    services.advance_case(case, "pemberitahuan", rm)
    backdate(case, 60)
    sent_outside_system(case.current_letter)
    request_id = case.current_letter.id
    login_as(rm)
    url = f"/cases/{case.id}/letters/{request_id}"
    issued, received = date(2026, 11, 2), date(2026, 11, 4)  # Mon, Wed
    assert post_form(client, f"{url}/issued", {"day": issued.isoformat()}).status_code == 302
    assert post_form(client, f"{url}/received", {"day": received.isoformat()}).status_code == 302
    db.session.refresh(case)
    # Received Wed 4 Nov 2026 + 10 working days = Wed 18 Nov.
    assert case.stage_due_on == date(2026, 11, 18)


# -- ladder rules -----------------------------------------------------------------------------


def test_no_skipping_no_going_back_and_at_most_two_teguran(db, portfolio):
    rm, supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    for target in ("teguran_1", "persuasi", "nonsense"):
        with pytest.raises(ServiceError):
            services.advance_case(case, target, rm)
    for target in ("pemberitahuan", "teguran_1", "teguran_2"):
        ready(case)
        services.advance_case(case, target, rm)
    ready(case)
    with pytest.raises(ServiceError):
        services.advance_case(case, "teguran_2", rm)  # no third warning
    assert [s for s in STAGES if s.startswith("teguran")] == ["teguran_1", "teguran_2"]
    due = today_local() + timedelta(days=30)
    for target in ("denda", "tmp2t", "skk"):
        ready(case)
        services.advance_case(case, target, supervisor, due_on=due)
    with pytest.raises(ServiceError):
        services.advance_case(case, "skk", supervisor)
    assert case.stage == "skk"
    assert [r.letter_type for r in case.letter_requests] == [
        "pemberitahuan",
        "teguran_1",
        "teguran_2",
        "rekomendasi_tmp2t",
    ]


def test_one_open_case_per_account_and_reason(db, client, login_as, portfolio):
    rm, _supervisor, companies = portfolio
    make_case(companies[0], rm)
    with pytest.raises(ServiceError):
        make_case(companies[0], rm)
    make_case(companies[0], rm, reason="pds_upah")  # another reason is another case
    login_as(rm)
    resp = post_form(
        client,
        "/cases/open",
        {"account_id": companies[0].id, "reason": "arrears"},
        follow_redirects=True,
    )
    assert "sudah punya kasus terbuka" in resp.get_data(as_text=True)
    closed = services.close_case(case_of_reason(companies[0], "arrears"), "paid", rm)
    assert closed.status == "closed"
    make_case(companies[0], rm)  # after closing, a new one may open


def case_of_reason(account, reason):
    return EscalationCase.query.filter_by(account_id=account.id, reason=reason, status="open").one()


# -- access -----------------------------------------------------------------------------------


def test_rm_cannot_write_off_supervisor_can_with_justification(db, client, login_as, portfolio):
    rm, supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    with pytest.raises(PermissionError):
        services.close_case(case, "written_off", rm, "Perusahaan sudah bubar sejak 2025")
    login_as(rm)
    resp = close(
        client,
        case,
        {"reason": "written_off", "note": "Perusahaan sudah bubar", "confirm": "y"},
        follow_redirects=True,
    )
    assert "Hanya supervisor yang dapat menutup kasus" in resp.get_data(as_text=True)
    with pytest.raises(ServiceError):
        services.close_case(case, "written_off", supervisor, "")
    services.close_case(case, "written_off", supervisor, "Perusahaan sudah bubar sejak 2025")
    assert (case.status, case.closed_reason) == ("closed", "written_off")


def test_closing_needs_the_confirmation_box(db, client, login_as, portfolio):
    rm, _supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    login_as(rm)
    resp = close(client, case, {"reason": "paid"})
    assert resp.status_code == 400 and "Centang untuk mengonfirmasi" in resp.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == "open"


def test_an_rm_sees_and_moves_only_their_own_cases(db, client, login_as, portfolio):
    rm, _supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    other = UserFactory(role="rm")
    login_as(other)
    assert client.get(f"/cases/{case.id}").status_code == 403
    assert advance(client, case, "pemberitahuan").status_code == 403
    with pytest.raises(PermissionError):
        services.advance_case(case, "pemberitahuan", other)
    with pytest.raises(PermissionError):
        services.open_case(companies[1], "arrears", other)
    assert companies[0].name not in client.get("/cases/").get_data(as_text=True)
    db.session.refresh(case)
    assert case.stage == "persuasi"


@pytest.mark.parametrize(
    ("role", "status"), [("partner", 403), ("rm", 200), ("supervisor", 200), ("admin", 200)]
)
def test_case_pages_by_role(db, client, login_as, role, status):
    login_as(UserFactory(role=role))
    assert client.get("/cases/").status_code == status
    assert client.get("/cases/suggestions").status_code == status


def test_list_filters_and_detail_render(db, client, login_as, portfolio):
    rm, supervisor, companies = portfolio
    first = make_case(companies[0], rm)
    second = make_case(companies[1], rm)
    services.advance_case(second, "pemberitahuan", rm)
    login_as(supervisor)
    html = client.get("/cases/?stage=pemberitahuan").get_data(as_text=True)
    assert companies[1].name in html and companies[0].name not in html
    assert "menunggu surat" in html
    html = client.get(f"/cases/?owner={rm.id}&reason=arrears").get_data(as_text=True)
    assert companies[0].name in html and companies[1].name in html
    assert client.get(f"/cases/{first.id}").status_code == 200
    assert client.get("/cases/999999").status_code == 404


# -- suggestions and the daily task -----------------------------------------------------------


def test_suggestions_need_two_overdue_months_or_a_pds_flag(db, portfolio):
    _rm, _supervisor, companies = portfolio
    one, two, pds, old_pds = companies[:4]

    def month(account, period, unpaid_amount=0, **flags):
        db.session.add(
            CompliancePeriod(
                account_id=account.id,
                period=period,
                contribution_due=1000,
                amount_paid=1000 - unpaid_amount,
                unpaid=unpaid_amount,
                **flags,
            )
        )

    month(one, date(2026, 9, 1), 1000)
    month(two, date(2026, 8, 1), 1000)
    month(two, date(2026, 9, 1), 500)
    month(pds, date(2026, 9, 1), pds_upah=True)
    month(old_pds, date(2026, 8, 1), pds_tk=True)
    month(old_pds, date(2026, 9, 1))  # the latest month has no finding any more
    db.session.flush()
    assert refresh_suggestions(today=date(2026, 11, 22)) == 2
    found = {s.account_id: s.reason for s in db.session.scalars(select(CaseSuggestion))}
    assert found == {two.id: "arrears", pds.id: "pds_upah"}
    assert "cases.suggestions" in PERIODIC
    PERIODIC["cases.suggestions"].func()  # the daily task rebuilds the same list
    assert db.session.get(CaseSuggestion, two.id).unpaid_months == 2


# -- audit ------------------------------------------------------------------------------------


def test_every_case_write_is_audited(db, portfolio):
    rm, supervisor, companies = portfolio
    case = make_case(companies[0], rm)
    services.advance_case(case, "pemberitahuan", rm, "catatan")
    backdate(case, 60)
    letters.mark_letter_issued(case.current_letter, date(2026, 11, 2), rm)
    letters.mark_letter_received(case.current_letter, date(2026, 11, 4), rm)
    services.close_case(case, "paid", supervisor)
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == [
        "case.open",
        "letter.drafted",  # the case's request makes a draft Letter (crm.letters)
        "case.letter_requested",
        "case.advance",
        "case.letter_issued",
        "case.letter_received",
        "case.close",
    ]
    advance_row = AuditLog.query.filter_by(action="case.advance").one()
    assert advance_row.before["stage"] == "persuasi"
    assert advance_row.after["stage"] == "pemberitahuan"
    assert advance_row.actor_id == rm.id
