"""Working a case by hand: notes on a case (also a closed one), opening a case from
/cases/new (an account chooser by NPP or id, late registration, the Persuasi deadline), the
case page's drill-in (the account's arrears and timeline) and the cases on the account
page. Each with the right role, the wrong role and the wrong owner; bad input changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.cases import services
from crm.cases.models import CaseEvent, EscalationCase
from crm.compliance.arrears import add_months, month_start
from crm.compliance.models import CompliancePeriod
from crm.compliance.services import today_local
from crm.meetings.models import Interaction
from crm.services import ServiceError
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.cases import post_prefixed


@pytest.fixture
def portfolio(db):
    rm = UserFactory(role="rm", name="Rina RM")
    other_rm = UserFactory(role="rm", name="Oki RM")
    supervisor = UserFactory(role="supervisor")
    accounts = [AccountFactory(npp=f"{51000000 + i}", rm=rm) for i in range(3)]
    foreign = AccountFactory(npp="52000000", rm=other_rm, name="PT Milik Lain")
    return rm, other_rm, supervisor, accounts, foreign


def post_note(client, case_id: int, text: str):
    return post_prefixed(client, f"/cases/{case_id}/notes", "note", {"text": text})


def audits(action: str) -> int:
    from crm.extensions import db

    return db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
    )


def events(case, kind="note") -> list[CaseEvent]:
    return CaseEvent.query.filter_by(case_id=case.id, kind=kind).order_by(CaseEvent.id).all()


def cases_of(account) -> list[EscalationCase]:
    return EscalationCase.query.filter_by(account_id=account.id).all()


# -- notes -----------------------------------------------------------------------------------


def test_rm_adds_a_note_that_shows_who_when_and_what_and_is_audited(
    db, client, login_as, portfolio
):
    rm, _other, _sup, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "arrears", rm)
    login_as(rm)
    resp = post_note(client, case.id, "  Janji bayar Jumat depan.  ")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/cases/{case.id}#riwayat"
    )
    [note] = events(case)
    assert (note.note, note.actor_id, note.from_stage) == (
        "Janji bayar Jumat depan.",
        rm.id,
        "persuasi",
    )
    assert audits("case.note") == 1
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert (
        "Janji bayar Jumat depan." in html and "Rina RM" in html and "Catatan ditambahkan" in html
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Tulis catatannya dulu."),
        ("    \n  ", "Tulis catatannya dulu."),
        ("x" * 2001, "Catatan paling panjang 2000 karakter."),
    ],
)
def test_a_bad_note_is_refused_next_to_the_field_and_changes_nothing(
    db, client, login_as, portfolio, text, message
):
    rm, _other, _sup, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "arrears", rm)
    login_as(rm)
    resp = post_note(client, case.id, text)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert events(case) == [] and audits("case.note") == 0


def test_a_note_of_exactly_2000_characters_is_kept(db, client, login_as, portfolio):
    rm, _other, _sup, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "arrears", rm)
    login_as(rm)
    assert post_note(client, case.id, "y" * 2000).status_code == 302
    assert len(events(case)[0].note) == 2000


def test_a_note_on_a_closed_case_is_allowed(db, client, login_as, portfolio):
    rm, _other, supervisor, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "arrears", rm)
    services.close_case(case, "paid", rm)
    login_as(supervisor)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Tambah catatan" in html
    resp = post_note(client, case.id, "Bukti bayar diterima.")
    assert resp.status_code == 302
    assert [e.note for e in events(case)] == ["Bukti bayar diterima."]
    db.session.refresh(case)
    assert case.status == "closed"


def test_notes_from_the_wrong_owner_or_role_are_403(db, client, auth, login_as, portfolio):
    rm, other_rm, _sup, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "arrears", rm)
    login_as(other_rm)  # another RM's account: cannot even see the case
    assert post_note(client, case.id, "x").status_code == 403
    auth.logout()
    # The case's owner after the account moved to another RM: sees it, may not act on it.
    accounts[0].rm = other_rm
    db.session.flush()
    login_as(rm)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert "Tambah catatan" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert post_note(client, case.id, "x").status_code == 403
    auth.logout()
    login_as(UserFactory(role="partner"))
    assert post_note(client, case.id, "x").status_code == 403
    assert events(case) == [] and audits("case.note") == 0
    assert post_note(client, 999999, "x").status_code in (403, 404)


def test_the_note_service_checks_permission_and_length(db, portfolio):
    from crm.cases import notes

    rm, other_rm, _sup, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "arrears", rm)
    with pytest.raises(PermissionError):
        notes.add_note(case, "x", other_rm)
    with pytest.raises(ServiceError) as refused:
        notes.add_note(case, " " * 5, rm)
    assert refused.value.field == "text"
    with pytest.raises(ServiceError):
        notes.add_note(case, "z" * 2001, rm)
    assert notes.add_note(case, " ok ", rm).note == "ok"


# -- opening a case by hand ------------------------------------------------------------------


def test_late_registration_case_for_an_unregistered_company_from_the_account_page(
    db, client, login_as, portfolio
):
    rm = portfolio[0]
    prospect = AccountFactory(name="PT Belum Daftar", npp=None, status="prospect", rm=rm)
    login_as(rm)
    page = client.get(f"/accounts/{prospect.id}").get_data(as_text=True)
    assert f"/cases/new?account={prospect.id}" in page and "Belum ada kasus untuk akun ini." in page
    form = client.get(f"/cases/new?account={prospect.id}").get_data(as_text=True)
    assert "PT Belum Daftar" in form and "belum punya NPP" in form
    resp = post_form(
        client,
        "/cases/new",
        {
            "account_id": prospect.id,
            "reason": "late_registration",
            "note": "  Mempekerjakan 120 orang, belum terdaftar.  ",
        },
    )
    [case] = cases_of(prospect)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cases/{case.id}")
    assert (case.reason, case.stage, case.status, case.owner_id) == (
        "late_registration",
        "persuasi",
        "open",
        rm.id,
    )
    [opened] = events(case, "opened")
    assert opened.note == "Mempekerjakan 120 orang, belum terdaftar." and opened.actor_id == rm.id
    assert audits("case.open") == 1
    page = client.get(f"/accounts/{prospect.id}").get_data(as_text=True)
    assert f"/cases/{case.id}" in page and "Terlambat mendaftarkan" in page


def test_the_chooser_takes_an_npp_with_dots_or_an_account_id(db, client, login_as, portfolio):
    rm, _other, _sup, accounts, _foreign = portfolio
    login_as(rm)
    form = client.get("/cases/new").get_data(as_text=True)
    assert 'name="account"' in form and "<select" in form  # a text field, a reason select
    assert 'name="account"' in form and "Cari akun berdasarkan nama" in form
    post_form(client, "/cases/new", {"account": "51.000.000", "reason": "pds_tk"})
    post_form(client, "/cases/new", {"account": f"#{accounts[1].id}", "reason": "arrears"})
    post_form(client, "/cases/new", {"account": str(accounts[2].id), "reason": "pds_upah"})
    assert [c.reason for c in cases_of(accounts[0])] == ["pds_tk"]
    assert [c.reason for c in cases_of(accounts[1])] == ["arrears"]
    assert [c.reason for c in cases_of(accounts[2])] == ["pds_upah"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"account": "", "reason": "arrears"}, "Isi NPP (8 digit) atau nomor ID akun."),
        ({"account": "PT Contoh", "reason": "arrears"}, "Untuk mencari dengan nama"),
        (
            {"account": "59999999", "reason": "arrears"},
            "Tidak ada akun dengan NPP 59999999. Untuk ID akun, tulis #59999999.",
        ),
        ({"account": "987654", "reason": "arrears"}, "Tidak ada akun dengan ID 987654."),
        ({"account": "9" * 40, "reason": "arrears"}, "Isi NPP (8 digit) atau nomor ID akun"),
        ({"account": "51000000", "reason": ""}, "Pilih alasan kasus."),
        ({"account": "51000000", "reason": "bogus"}, "Pilih alasan kasus."),
        ({"account": "51000000", "reason": "arrears", "note": "n" * 2001}, "paling panjang 2000"),
        (
            {"account": "51000000", "reason": "arrears", "due_on": "besok"},
            "Isi tanggal yang valid.",
        ),
        ({"account": "51000000", "reason": "arrears", "due_on": "2001-01-01"}, "sebelum hari ini"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_opens_nothing(
    db, client, login_as, portfolio, data, message
):
    rm = portfolio[0]
    login_as(rm)
    resp = post_form(client, "/cases/new", data)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert EscalationCase.query.count() == 0 and audits("case.open") == 0


def test_a_due_date_more_than_a_year_ahead_is_refused(db, client, login_as, portfolio):
    login_as(portfolio[0])
    far = (today_local() + timedelta(days=400)).isoformat()
    resp = post_form(
        client, "/cases/new", {"account": "51000000", "reason": "arrears", "due_on": far}
    )
    assert resp.status_code == 400 and "paling lambat satu tahun" in resp.get_data(as_text=True)
    assert EscalationCase.query.count() == 0


def test_persuasi_deadline_set_by_hand_is_kept(db, client, login_as, portfolio):
    rm, _other, _sup, accounts, _foreign = portfolio
    login_as(rm)
    assert 'name="due_on"' in client.get("/cases/new").get_data(as_text=True)
    due = today_local() + timedelta(days=14)
    post_form(
        client,
        "/cases/new",
        {"account": "51000000", "reason": "arrears", "due_on": due.isoformat()},
    )
    [case] = cases_of(accounts[0])
    assert case.stage_due_on == due and case.stage_started_on == today_local()


def test_an_rm_cannot_open_a_case_for_another_rms_account(db, client, login_as, portfolio):
    rm, _other, _sup, _accounts, foreign = portfolio
    login_as(rm)
    assert client.get(f"/cases/new?account={foreign.id}").status_code == 403
    resp = post_form(client, "/cases/new", {"account": foreign.npp, "reason": "arrears"})
    assert resp.status_code == 403
    assert "bukan portofolio Anda" in resp.get_data(as_text=True)
    resp = post_form(client, "/cases/new", {"account_id": foreign.id, "reason": "arrears"})
    assert resp.status_code == 403
    assert cases_of(foreign) == [] and audits("case.open") == 0


def test_supervisors_and_admins_open_cases_for_any_account(db, client, auth, login_as, portfolio):
    _rm, _other, supervisor, _accounts, foreign = portfolio
    login_as(supervisor)
    post_form(client, "/cases/new", {"account": foreign.npp, "reason": "arrears"})
    auth.logout()
    login_as(UserFactory(role="admin"))
    post_form(client, "/cases/new", {"account_id": foreign.id, "reason": "pds_tk"})
    assert sorted(c.reason for c in cases_of(foreign)) == ["arrears", "pds_tk"]
    assert all(c.owner_id == foreign.rm_id for c in cases_of(foreign))


@pytest.mark.parametrize("role", ["partner"])
def test_partners_never_reach_the_case_form(db, client, login_as, portfolio, role):
    login_as(UserFactory(role=role))
    assert client.get("/cases/new").status_code == 403
    assert (
        post_form(client, "/cases/new", {"account": "51000000", "reason": "arrears"}).status_code
        == 403
    )


def test_bad_or_unknown_account_parameter_is_404(db, client, login_as, portfolio):
    login_as(portfolio[0])
    assert client.get("/cases/new?account=abc").status_code == 404
    assert client.get("/cases/new?account=99999999").status_code == 404
    assert client.get("/cases/new?account=" + "9" * 30).status_code == 404


def test_a_second_open_case_for_the_same_reason_is_refused_with_a_link(
    db, client, login_as, portfolio
):
    rm, _other, _sup, accounts, _foreign = portfolio
    first = services.open_case(accounts[0], "arrears", rm)
    login_as(rm)
    resp = post_form(client, "/cases/new", {"account_id": accounts[0].id, "reason": "arrears"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "sudah punya kasus terbuka dengan alasan yang sama" in html
    assert f'href="/cases/{first.id}"' in html
    assert len(cases_of(accounts[0])) == 1 and audits("case.open") == 1
    # Another reason is another case; a closed one does not block a new one.
    post_form(client, "/cases/new", {"account_id": accounts[0].id, "reason": "pds_tk"})
    services.close_case(first, "paid", rm)
    post_form(client, "/cases/new", {"account_id": accounts[0].id, "reason": "arrears"})
    assert len(cases_of(accounts[0])) == 3


# -- the case page's drill-in and the account page's cases -----------------------------------


def _unpaid_month(account, months_back: int, due: int = 1_000_000) -> CompliancePeriod:
    period = add_months(month_start(today_local()), -months_back)
    row = CompliancePeriod(
        account_id=account.id, period=period, contribution_due=due, amount_paid=0, unpaid=due
    )
    from crm.extensions import db

    db.session.add(row)
    db.session.flush()
    return row


def test_case_page_shows_the_accounts_arrears_and_timeline(db, client, login_as, portfolio):
    rm, _other, _sup, accounts, _foreign = portfolio
    account = accounts[0]
    for back in (3, 4):
        _unpaid_month(account, back)
    for i in range(12):
        db.session.add(
            Interaction(
                account_id=account.id,
                author_id=rm.id,
                type="formal_meeting",
                status="held",
                starts_at=datetime(2026, 1, 1, 3, tzinfo=UTC) + timedelta(days=i),
                agenda=f"Agenda rapat {i:02d}",
            )
        )
    db.session.flush()
    case = services.open_case(account, "arrears", rm)
    login_as(rm)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Tunggakan iuran per" in html and "Rp 1.000.000" in html
    assert 'id="tunggakan"' in html and f"/accounts/{account.id}/compliance" in html
    assert "Rp 2.0" in html  # two unpaid months plus their fines
    assert "Agenda rapat 11" in html and "Agenda rapat 02" in html
    assert "Agenda rapat 01" not in html  # bounded: the first page only
    assert f"/accounts/{account.id}?tl_after=" in html  # more on the account page
    assert "Linimasa lengkap di halaman akun" in html


def test_case_page_without_compliance_data_says_so(db, client, login_as, portfolio):
    rm, _other, _sup, accounts, _foreign = portfolio
    case = services.open_case(accounts[0], "late_registration", rm)
    login_as(rm)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Belum ada data iuran untuk akun ini" in html
    assert "Belum ada interaksi dengan akun ini." in html


def test_account_page_lists_cases_open_first_and_the_button_only_for_who_may_act(
    db, client, auth, login_as, portfolio
):
    rm, other_rm, supervisor, accounts, _foreign = portfolio
    account = accounts[0]
    closed = services.open_case(account, "pds_tk", rm)
    services.close_case(closed, "registered", rm)
    open_case = services.open_case(account, "arrears", rm)
    login_as(rm)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert html.index(f"/cases/{open_case.id}") < html.index(f"/cases/{closed.id}")
    assert "Buka kasus" in html and "Terdaftar penuh" in html
    auth.logout()
    login_as(other_rm)  # reads the account, cannot see or open its cases
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"/cases/{open_case.id}" not in html and f"/cases/new?account={account.id}" not in html
    auth.logout()
    login_as(supervisor)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"/cases/{open_case.id}" in html and f"/cases/new?account={account.id}" in html


def test_account_page_case_list_is_bounded(db, client, login_as, portfolio):
    from crm.cases.manage import ACCOUNT_CASES_LIMIT, account_cases

    rm, _other, _sup, accounts, _foreign = portfolio
    account = accounts[0]
    for _ in range(ACCOUNT_CASES_LIMIT + 2):
        services.close_case(services.open_case(account, "arrears", rm), "paid", rm)
    latest = services.open_case(account, "pds_upah", rm)
    panel = account_cases(account, rm)
    assert len(panel.cases) == ACCOUNT_CASES_LIMIT and panel.more
    assert panel.cases[0].id == latest.id
    login_as(rm)
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Menampilkan 10 kasus" in html
