"""The letters workflow through the HTTP client: drafting (account, case, meeting) with its
prefill, editing with validation, submit, return, approve (one and many) with numbering
and the render job, cancel, dispatch and receipt with the deadline and the case clock; who
may do each step; the register and the queue; the render context; the admin settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.cases import letters as case_letters
from crm.cases import services as case_services
from crm.cases.models import CaseLetterRequest
from crm.compliance.calendar import LETTER, working_calendar
from crm.compliance.services import today_local
from crm.db import utcnow
from crm.jobs.models import BackgroundJob
from crm.letters import services, workflow
from crm.letters.context import letter_context
from crm.letters.models import Letter, LetterheadSetting, LetterTypeSetting
from crm.meetings.models import Interaction
from crm.services import ServiceError
from tests.conftest import post_form
from tests.factories import (
    AccountFactory,
    KeyPersonFactory,
    PositionFactory,
    UserFactory,
    case_for_letter,
)
from tests.support.db import count_statements
from tests.support.letters import arrears_months


@pytest.fixture
def team(db):
    rm = UserFactory(role="rm", name="Rina RM")
    rm2 = UserFactory(role="rm", name="Raka RM")
    supervisor = UserFactory(role="supervisor", name="Sari Supervisor")
    admin = UserFactory(role="admin")
    partner = UserFactory(role="partner")
    account = AccountFactory(rm=rm, name="PT Baja Nusantara", address="Jl. Baja 1", city="Bekasi")
    other = AccountFactory(rm=rm2, name="PT Lain Sekali")
    return {
        "rm": rm,
        "rm2": rm2,
        "supervisor": supervisor,
        "admin": admin,
        "partner": partner,
        "account": account,
        "other": other,
    }


def draft(account, actor, letter_type="pemberitahuan") -> Letter:
    case = case_for_letter(account, letter_type)  # an escalation letter needs its case
    return services.draft_letter(account, letter_type, actor, case=case)


def submitted(account, actor, letter_type="pemberitahuan") -> Letter:
    letter = draft(account, actor, letter_type)
    workflow.submit_letter(letter, actor)
    return letter


def issue(letter: Letter, day: date) -> None:
    """What helper J's render job does when the PDF is frozen."""
    letter.status, letter.render_status, letter.issued_at = "issued", "done", utcnow()
    letter.pdf_key, letter.pdf_sha256 = "test-key", "0" * 64
    case_letters.mark_letter_issued(letter, day)


def edit_data(letter: Letter, **changes) -> dict:
    data = {f: getattr(letter, f) for f in services.EDIT_FIELDS}
    return data | changes


# -- prefill ---------------------------------------------------------------------------------


def test_addressee_is_the_current_highest_decision_maker(db, team):
    account = team["account"]
    PositionFactory(account=account, level="bod1", title="GM SDM")
    PositionFactory(account=account, level="bod", decision_maker=False, title="Komisaris")
    PositionFactory(
        account=account,
        level="bod",
        title="Mantan Dirut",
        end_date=date(2025, 1, 1),
        start_date=date(2020, 1, 1),
    )
    boss = KeyPersonFactory(name="Ibu Direktur")
    PositionFactory(account=account, person=boss, level="bod", title="Direktur Utama")
    values = services.prefill(account, "pemberitahuan")
    assert (values["addressee_name"], values["addressee_title"]) == (
        "Ibu Direktur",
        "Direktur Utama",
    )
    assert values["addressee_company"] == "PT Baja Nusantara"
    assert values["address"] == "Jl. Baja 1\nBekasi"
    assert values["deadline_days"] == 10
    # The template cites the legal basis and the deadline; the RM's body repeats neither.
    assert "PT Baja Nusantara" in values["body"] and "Undang-Undang" not in values["body"]


def test_addressee_falls_back_to_the_company_head(db, team):
    values = services.prefill(team["other"], "undangan")
    assert values["addressee_name"] == "Pimpinan PT Lain Sekali"
    assert values["deadline_days"] is None and values["facts"] == {}


def test_arrears_and_pds_facts_are_json_safe(db, team):
    account = team["account"]
    arrears_months(account)
    facts = services.prefill(account, "teguran_1")["facts"]
    arrears = facts["arrears"]
    assert arrears["as_of"] == today_local().isoformat()
    assert [r["period"] for r in arrears["rows"]] == ["2026-07-01", "2026-08-01"]
    row = arrears["rows"][0]
    assert row["due_on"] == "2026-08-17"  # 15 Aug 2026 is a Saturday
    assert row["unpaid"] == 10_000_000 and row["fine"] > 0
    assert row["total"] == row["unpaid"] + row["fine"]
    assert arrears["total"] == sum(r["total"] for r in arrears["rows"])
    assert all(type(v) in (str, int) for r in arrears["rows"] for v in r.values())
    assert facts["pds"][0].startswith("PDS TK") and "120 pekerja" in facts["pds"][-1]


# -- drafting through the pages ---------------------------------------------------------------


def test_an_rm_drafts_from_an_account_of_their_portfolio(db, client, login_as, team):
    account = team["account"]
    login_as(team["rm"])
    html = client.get(f"/letters/new?account={account.id}").get_data(as_text=True)
    assert "Surat Ajakan Pendaftaran" in html  # no type yet: the choice (not the Teguran)
    url = f"/letters/new?account={account.id}&type=ajakan_kepesertaan"
    html = client.get(url).get_data(as_text=True)
    assert "Ajakan Pendaftaran Kepesertaan" in html and "Pimpinan PT Baja Nusantara" in html
    data = services.prefill(account, "ajakan_kepesertaan")
    form = {f: data[f] for f in services.EDIT_FIELDS} | {
        "account_id": account.id,
        "letter_type": "ajakan_kepesertaan",
        "perihal": "Pemberitahuan khusus",
    }
    resp = post_form(client, "/letters/new", form)
    letter = Letter.query.one()
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/letters/{letter.id}")
    assert (letter.status, letter.perihal, letter.created_by_id) == (
        "draft",
        "Pemberitahuan khusus",
        team["rm"].id,
    )
    assert len(letter.verify_code) >= 32 and letter.number is None
    assert [e.kind for e in letter.events] == ["drafted"]
    assert AuditLog.query.filter_by(action="letter.drafted", entity_id=str(letter.id)).count() == 1


@pytest.mark.parametrize("who, status", [("rm2", 403), ("partner", 403), ("supervisor", 200)])
def test_drafting_for_an_account_needs_its_portfolio(db, client, login_as, team, who, status):
    login_as(team[who])
    url = f"/letters/new?account={team['account'].id}&type=ajakan_kepesertaan"
    assert client.get(url).status_code == status


def test_a_bad_draft_shows_the_messages_and_saves_nothing(db, client, login_as, team):
    account = team["account"]
    login_as(team["rm"])
    form = {"account_id": account.id, "letter_type": "undangan", "perihal": " ", "body": ""}
    form |= {"addressee_name": "x", "addressee_company": "PT", "lampiran": "-" * 121}
    resp = post_form(client, "/letters/new", form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Isi perihal surat." in html and "Isi surat tidak boleh kosong." in html
    assert "Paling panjang 120 karakter." in html
    assert Letter.query.count() == 0


def test_an_undangan_from_a_meeting_carries_its_time_place_and_agenda(db, client, login_as, team):
    account = team["account"]
    meeting = Interaction(
        account=account,
        author_id=team["rm"].id,
        type="formal_meeting",
        status="planned",
        starts_at=datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
        place="Ruang Rapat Lt. 5",
        agenda="Sosialisasi PP 86/2013",
    )
    db.session.add(meeting)
    db.session.flush()
    login_as(team["rm"])
    html = client.get(f"/letters/new?interaction={meeting.id}").get_data(as_text=True)
    assert "Undangan Pertemuan" in html and "Ruang Rapat Lt. 5" in html
    data = services.prefill(account, "undangan", meeting)
    form = {f: data[f] for f in services.EDIT_FIELDS} | {"interaction_id": meeting.id}
    assert post_form(client, "/letters/new", form).status_code == 302
    letter = Letter.query.one()
    assert (letter.letter_type, letter.interaction_id) == ("undangan", meeting.id)
    context = letter_context(letter, verify_url_base="https://relasi.test")
    assert context["meeting"]["place"] == "Ruang Rapat Lt. 5"
    assert context["meeting"]["when"].hour == 9  # 02:30 UTC is 09:30 in Jakarta
    assert context["meeting"]["agenda"] == "Sosialisasi PP 86/2013"


# -- the whole workflow -----------------------------------------------------------------------


def test_workflow_draft_return_resubmit_approve_issue_dispatch_receive(
    db, client, auth, login_as, team
):
    rm, rm2, supervisor = team["rm"], team["rm2"], team["supervisor"]
    letter = draft(team["account"], rm)
    lid = letter.id
    url = f"/letters/{lid}"

    # Edit: the wrong owner cannot; bad input changes nothing; good input is saved.
    login_as(rm2)
    assert client.get(url).status_code == 403
    assert post_form(client, f"{url}/edit", edit_data(letter, perihal="X")).status_code == 403
    assert post_form(client, f"{url}/submit").status_code == 403
    auth.logout()
    login_as(rm)
    resp = post_form(client, f"{url}/edit", edit_data(letter, perihal="", addressee_name=""))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Isi perihal surat." in html and "Isi nama penerima surat." in html
    db.session.refresh(letter)
    assert letter.perihal.startswith("Pemberitahuan")
    resp = post_form(client, f"{url}/edit", edit_data(letter, perihal="Perihal baru"))
    assert resp.status_code == 302
    assert post_form(client, f"{url}/approve").status_code == 403  # an RM does not approve
    assert post_form(client, f"{url}/submit").status_code == 302
    db.session.refresh(letter)
    assert (letter.perihal, letter.status) == ("Perihal baru", "submitted")
    resp = post_form(
        client, f"{url}/edit", edit_data(letter, perihal="Lagi"), follow_redirects=True
    )
    assert "hanya dapat diubah selama masih draf" in resp.get_data(as_text=True)
    auth.logout()

    # Return: a comment is required.
    login_as(supervisor)
    resp = post_form(client, f"{url}/return", {"comment": "  "})
    assert resp.status_code == 400
    assert "Tulis alasan pengembalian" in resp.get_data(as_text=True)
    db.session.refresh(letter)
    assert letter.status == "submitted"
    assert post_form(client, f"{url}/return", {"comment": "Lengkapi alamat"}).status_code == 302
    db.session.refresh(letter)
    assert (letter.status, letter.review_comment) == ("returned", "Lengkapi alamat")
    auth.logout()

    login_as(rm)
    assert "Lengkapi alamat" in client.get(url).get_data(as_text=True)
    html = client.get(f"{url}/edit").get_data(as_text=True)
    assert "Lengkapi alamat" in html and "Perihal baru" in html
    post_form(client, f"{url}/edit", edit_data(letter, address="Jl. Baja 1 No. 2\nBekasi"))
    assert post_form(client, f"{url}/submit").status_code == 302
    auth.logout()

    # Approve: numbered, dated today, render queued in a job after the commit.
    login_as(supervisor)
    html = client.get(url).get_data(as_text=True)
    assert "Setujui dan beri nomor" in html
    assert post_form(client, f"{url}/approve").status_code == 302
    db.session.refresh(letter)
    today = today_local()
    assert letter.status == "approved" and letter.letter_date == today
    assert letter.number == f"B/1/{today.month:02d}{today.year}"
    assert letter.render_status == "queued" and letter.approved_by_id == supervisor.id
    job = BackgroundJob.query.filter_by(kind="letters.render").one()
    assert job.params == {"letter_ids": [lid]} and letter.render_job_id == job.id
    assert post_form(client, f"{url}/approve").status_code == 302  # twice: refused, same number
    db.session.refresh(letter)
    assert letter.number_seq == 1
    auth.logout()

    # Issued by the render job; then dispatch and receipt.
    issue(letter, today)
    login_as(rm2)
    form = {"channel": "hand", "day": today.isoformat()}
    assert post_form(client, f"{url}/dispatch", form).status_code == 403
    auth.logout()
    login_as(rm)
    html = client.get(url).get_data(as_text=True)
    assert f"/letters/{lid}/pdf" in html and "Catat pengiriman" in html
    future = (today + timedelta(days=1)).isoformat()
    resp = post_form(client, f"{url}/dispatch", {"channel": "courier", "day": future})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Isi nomor resi kurir." in html
    resp = post_form(client, f"{url}/dispatch", {"channel": "hand", "day": future})
    assert resp.status_code == 400
    assert "Tanggal kirim tidak boleh di masa depan." in resp.get_data(as_text=True)
    db.session.refresh(letter)
    assert letter.status == "issued" and letter.dispatched_on is None
    form = {"channel": "courier", "day": today.isoformat(), "tracking_number": "JNE123"}
    assert post_form(client, f"{url}/dispatch", form).status_code == 302
    db.session.refresh(letter)
    assert (letter.status, letter.dispatch_channel, letter.tracking_number) == (
        "dispatched",
        "courier",
        "JNE123",
    )
    assert letter.dispatched_by_id == rm.id
    before = (today - timedelta(days=1)).isoformat()
    resp = post_form(client, f"{url}/receive", {"day": before, "recipient_name": "Satpam"})
    assert resp.status_code == 400
    assert "Tanggal terima tidak boleh sebelum tanggal kirim." in resp.get_data(as_text=True)
    resp = post_form(client, f"{url}/receive", {"day": today.isoformat(), "recipient_name": ""})
    assert resp.status_code == 400 and "Isi nama penerima surat." in resp.get_data(as_text=True)
    form = {"day": today.isoformat(), "recipient_name": "Bu Resepsionis"}
    assert post_form(client, f"{url}/receive", form).status_code == 302
    db.session.refresh(letter)
    assert (letter.status, letter.received_on, letter.recipient_name) == (
        "received",
        today,
        "Bu Resepsionis",
    )
    assert letter.deadline_on == working_calendar(LETTER).add_working_days(today, 10)
    kinds = [e.kind for e in letter.events]
    assert kinds == [
        "drafted",
        "edited",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "approved",
        "dispatched",
        "received",
    ]
    html = client.get(url).get_data(as_text=True)
    for text in ("Dikembalikan untuk perbaikan", "Sari Supervisor", "Rina RM", "Bu Resepsionis"):
        assert text in html
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(lid))))
    expected = {"letter.drafted", "letter.edited", "letter.submitted", "letter.returned"}
    expected |= {"letter.approved", "letter.dispatched", "letter.received"}
    assert expected <= actions


def test_cancel_before_issue_only_with_confirmation(db, client, auth, login_as, team):
    rm, supervisor = team["rm"], team["supervisor"]
    letter = draft(team["account"], rm)
    url = f"/letters/{letter.id}"
    login_as(team["rm2"])
    assert post_form(client, f"{url}/cancel", {"confirm": "y"}).status_code == 403
    auth.logout()
    login_as(rm)
    resp = post_form(client, f"{url}/cancel", {"note": "salah akun"})
    assert resp.status_code == 400
    assert "Centang untuk mengonfirmasi pembatalan." in resp.get_data(as_text=True)
    assert post_form(client, f"{url}/cancel", {"confirm": "y"}).status_code == 302
    db.session.refresh(letter)
    assert letter.status == "cancelled" and letter.cancelled_at is not None
    assert client.get(f"{url}/edit").status_code == 302  # no longer editable
    assert post_form(client, f"{url}/submit").status_code == 302
    db.session.refresh(letter)
    assert letter.status == "cancelled"
    # An approved letter: only a supervisor cancels; an issued one cannot be cancelled.
    approved = submitted(team["account"], rm)
    workflow.approve_letter(approved, supervisor)
    assert post_form(client, f"/letters/{approved.id}/cancel", {"confirm": "y"}).status_code == 403
    issued = submitted(team["account"], rm)
    workflow.approve_letter(issued, supervisor)
    issue(issued, today_local())
    auth.logout()
    login_as(supervisor)
    post_form(client, f"/letters/{issued.id}/cancel", {"confirm": "y"})
    db.session.refresh(issued)
    assert issued.status == "issued"
    assert post_form(client, f"/letters/{approved.id}/cancel", {"confirm": "y"}).status_code == 302
    db.session.refresh(approved)
    assert approved.status == "cancelled" and approved.number is not None


def test_a_failed_render_can_be_retried_by_whoever_may_approve(db, client, auth, login_as, team):
    letter = submitted(team["account"], team["rm"])
    workflow.approve_letter(letter, team["supervisor"])
    letter.render_status, letter.render_error = "failed", "WeasyPrint: font hilang"
    db.session.flush()
    login_as(team["rm"])
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "Gagal" in html and "font hilang" in html and "Render ulang" not in html
    assert post_form(client, f"/letters/{letter.id}/render").status_code == 403
    auth.logout()
    login_as(team["supervisor"])
    html = client.get(f"/letters/{letter.id}").get_data(as_text=True)
    assert "font hilang" in html and "Render ulang" in html
    assert post_form(client, f"/letters/{letter.id}/render").status_code == 302
    db.session.refresh(letter)
    assert letter.render_status == "queued" and letter.render_error == ""
    assert BackgroundJob.query.filter_by(kind="letters.render").count() == 1


# -- cases ------------------------------------------------------------------------------------


def test_a_case_at_pemberitahuan_gets_a_draft_letter_and_its_receipt_restarts_the_clock(
    db, client, login_as, team
):
    rm, supervisor, account = team["rm"], team["supervisor"], team["account"]
    arrears_months(account)
    case = case_services.open_case(account, "arrears", rm)
    case_services.advance_case(case, "pemberitahuan", rm)
    request = CaseLetterRequest.query.filter_by(case_id=case.id).one()
    letter = db.session.get(Letter, request.letter_id)
    assert (letter.letter_type, letter.status, letter.case_id) == (
        "pemberitahuan",
        "draft",
        case.id,
    )
    rows = letter.facts["arrears"]["rows"]
    assert [r["period"] for r in rows] == ["2026-07-01", "2026-08-01"]
    assert letter.facts["arrears"]["total"] == case.arrears_total
    login_as(rm)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}" in html and 'name="day"' not in html  # link, no manual form

    workflow.submit_letter(letter, rm)
    workflow.approve_letter(letter, supervisor)
    day = today_local()
    issue(letter, day)
    assert request.status == "issued" and request.issued_on == day
    issue_due = case.stage_due_on
    workflow.dispatch_letter(letter, "hand", day, "", rm)
    assert (
        post_form(
            client,
            f"/letters/{letter.id}/receive",
            {"day": day.isoformat(), "recipient_name": "Pak Budi"},
        ).status_code
        == 302
    )
    db.session.refresh(case)
    db.session.refresh(request)
    assert (request.status, request.received_on) == ("received", day)
    assert case.stage_started_on == day and case.stage_due_on == issue_due
    assert [e.kind for e in case.events][-2:] == ["letter_issued", "letter_received"]
    # Called again (a re-run job), the seam leaves recorded dates alone.
    case_letters.mark_letter_issued(letter, day)
    case_letters.mark_letter_received(letter, day)
    assert [e.kind for e in case.events][-2:] == ["letter_issued", "letter_received"]


def test_receipt_of_a_case_letter_not_yet_marked_issued_records_both(db, team):
    rm, supervisor, account = team["rm"], team["supervisor"], team["account"]
    case = case_services.open_case(account, "arrears", rm)
    case_services.advance_case(case, "pemberitahuan", rm)
    letter = case.current_letter and db.session.get(Letter, case.current_letter.letter_id)
    workflow.submit_letter(letter, rm)
    workflow.approve_letter(letter, supervisor)
    letter.status = "issued"  # a job that did not notify the case
    day = today_local()
    workflow.dispatch_letter(letter, "email", day, "", rm)
    workflow.receive_letter(letter, day, "Sekretaris", rm)
    assert case.current_letter.status == "received"
    assert case.stage_due_on == working_calendar(LETTER).add_working_days(day, 10)


def test_the_case_seam_ignores_letters_without_a_case(db, team):
    letter = draft(team["account"], team["rm"])
    case_letters.mark_letter_issued(letter, today_local())  # no error, nothing to do
    case_letters.mark_letter_received(letter, today_local())


# -- the approval queue -------------------------------------------------------------------------


def test_bulk_approve_numbers_each_in_order_and_starts_one_render(db, client, auth, login_as, team):
    rm, account = team["rm"], team["account"]
    letters = [submitted(account, rm) for _ in range(3)]
    other_type = submitted(account, rm, "teguran_1")
    still_draft = draft(account, rm)
    login_as(rm)
    assert client.get("/letters/approvals").status_code == 403
    auth.logout()
    login_as(team["supervisor"])
    html = client.get("/letters/approvals?type=pemberitahuan").get_data(as_text=True)
    assert all(f'value="{x.id}"' in html for x in letters)
    assert f'value="{other_type.id}"' not in html
    ids = [str(x.id) for x in reversed(letters)] + [str(still_draft.id)]
    resp = post_form(client, "/letters/approvals", {"ids": ids}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "3 surat disetujui" in html and "1 surat dilewati" in html
    for x in [*letters, still_draft]:
        db.session.refresh(x)
    today = today_local()
    assert [x.number_seq for x in letters] == [1, 2, 3]
    assert letters[0].number == f"B/1/{today.month:02d}{today.year}"
    assert still_draft.status == "draft" and still_draft.number is None
    job = BackgroundJob.query.filter_by(kind="letters.render").one()
    assert job.params["letter_ids"] == [x.id for x in letters]


def test_bulk_approve_is_bounded_and_needs_a_choice(db, client, login_as, team):
    letter = submitted(team["account"], team["rm"])
    login_as(team["supervisor"])
    too_many = [str(i) for i in range(1, services.MAX_BULK + 2)]
    html = post_form(client, "/letters/approvals", {"ids": too_many}, follow_redirects=True)
    assert "Paling banyak 500 surat" in html.get_data(as_text=True)
    html = post_form(client, "/letters/approvals", {}, follow_redirects=True)
    assert "Pilih minimal satu surat." in html.get_data(as_text=True)
    db.session.refresh(letter)
    assert letter.status == "submitted"


# -- register, scope, statements ---------------------------------------------------------------


def test_register_scope_filters_and_empty_state(db, client, auth, login_as, team):
    rm, rm2, supervisor = team["rm"], team["rm2"], team["supervisor"]
    login_as(rm)
    assert "Belum ada surat" in client.get("/letters/").get_data(as_text=True)
    mine = draft(team["account"], rm, "undangan")
    theirs = draft(team["other"], rm2)
    # A supervisor's draft on rm's account is in rm's portfolio.
    on_my_account = submitted(team["account"], supervisor, "teguran_1")
    html = client.get("/letters/").get_data(as_text=True)
    assert f'/letters/{mine.id}"' in html and f'/letters/{on_my_account.id}"' in html
    assert f'/letters/{theirs.id}"' not in html
    html = client.get("/letters/?status=submitted").get_data(as_text=True)
    assert f'/letters/{on_my_account.id}"' in html and f'/letters/{mine.id}"' not in html
    html = client.get("/letters/?type=undangan&q=baja").get_data(as_text=True)
    assert f'/letters/{mine.id}"' in html and f'/letters/{on_my_account.id}"' not in html
    assert "Tidak ada surat yang cocok" in client.get("/letters/?q=zzz").get_data(as_text=True)
    auth.logout()
    login_as(supervisor)
    html = client.get(f"/letters/?rm={rm2.id}").get_data(as_text=True)
    assert f'/letters/{theirs.id}"' in html and f'/letters/{mine.id}"' not in html
    auth.logout()
    login_as(team["partner"])
    assert client.get("/letters/").status_code == 403
    assert client.get(f"/letters/{mine.id}").status_code == 403


def test_register_and_queue_statements_do_not_grow_with_the_letters(db, client, login_as, team):
    rm, account = team["rm"], team["account"]
    login_as(team["supervisor"])
    for _ in range(3):
        submitted(account, rm)
    few = count_statements(lambda: client.get("/letters/"))
    few_queue = count_statements(lambda: client.get("/letters/approvals"))
    for i in range(12):
        author = UserFactory(role="rm")
        submitted(AccountFactory(rm=author), author if i % 2 else team["supervisor"])
    many = count_statements(lambda: client.get("/letters/"))
    many_queue = count_statements(lambda: client.get("/letters/approvals"))
    assert many == few and many_queue == few_queue
    assert many <= 8 and many_queue <= 8


def test_navigation_by_role(db, client, auth, login_as, team):
    login_as(team["rm"])
    html = client.get("/letters/").get_data(as_text=True)
    assert ">Surat<" in html and "Persetujuan surat</a>" not in html.split("<main")[0]
    auth.logout()
    login_as(team["supervisor"])
    html = client.get("/letters/").get_data(as_text=True)
    assert "Persetujuan surat" in html.split("<main")[0]


# -- the render context --------------------------------------------------------------------------

PLAIN = (str, int, bool, float, date, datetime, type(None))


def assert_plain(value) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            assert_plain(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain(v)
    else:
        assert isinstance(value, PLAIN), type(value)


def test_the_context_has_exactly_the_render_schema(db, team):
    account = team["account"]
    arrears_months(account)
    letter = submitted(account, team["rm"])
    ctx = letter_context(letter, verify_url_base="https://relasi.test/")
    assert set(ctx) == {
        "type", "number", "date", "place", "lampiran", "perihal", "addressee", "body",
        "arrears", "pds", "deadline", "deadline_days", "meeting", "previous", "agreement",
        "sponsorship", "letterhead", "verify_url", "verify_code", "copy", "arrears_rule",
        "denda_rate_text", "denda_days",  # the Denda rule in force (crm.cases.denda)
    }  # fmt: skip
    assert set(ctx["addressee"]) == {"name", "title", "company", "address"}
    assert set(ctx["arrears"]) == {"as_of", "rows", "unpaid", "fine", "total"}
    assert set(ctx["arrears"]["rows"][0]) == {
        "period", "due_on", "contribution_due", "paid", "unpaid", "months_late", "fine", "total",
    }  # fmt: skip
    assert set(ctx["letterhead"]) == {
        "office_name", "office_address", "logo", "signatory_name", "signatory_title", "tembusan",
    }  # fmt: skip
    assert ctx["number"] is None and ctx["date"] == today_local() and ctx["copy"] is False
    assert ctx["arrears"]["rows"][0]["period"] == date(2026, 7, 1)
    assert isinstance(ctx["arrears"]["as_of"], date)
    assert ctx["meeting"] is ctx["agreement"] is ctx["sponsorship"] is None
    assert ctx["deadline_days"] == 10 and ctx["deadline"] is None
    assert ctx["verify_url"] == f"https://relasi.test/verify/{letter.verify_code}"
    assert ctx["letterhead"]["logo"] == "img/letter-logo.svg"
    assert ctx["letterhead"]["tembusan"] == ["Direktur Kepesertaan", "Kepala Bidang Kepatuhan"]
    assert_plain(ctx)
    workflow.approve_letter(letter, team["supervisor"])
    ctx = letter_context(letter, copy=True, verify_url_base="")
    assert ctx["number"] == letter.number and ctx["copy"] is True
    assert ctx["verify_url"] == f"/verify/{letter.verify_code}"


# -- admin settings -----------------------------------------------------------------------------


def test_letterhead_admin_only_validated_and_audited(db, client, auth, login_as, team):
    login_as(team["supervisor"])
    assert client.get("/admin/letterhead").status_code == 403
    auth.logout()
    login_as(team["admin"])
    html = client.get("/admin/letterhead").get_data(as_text=True)
    assert "Nama Penandatangan" in html and "Unggah logo" in html
    form = {"office_name": "", "office_address": "Jl. A", "signatory_name": "B"}
    form |= {"signatory_title": "C", "tembusan": ""}
    resp = post_form(client, "/admin/letterhead", form)
    assert resp.status_code == 400 and "Isi nama kantor." in resp.get_data(as_text=True)
    head = db.session.get(LetterheadSetting, 1)
    assert head.office_name.startswith("Kantor Wilayah")
    form |= {"office_name": "Kanwil Uji", "tembusan": "Direksi\n\n  Arsip  \n"}
    assert post_form(client, "/admin/letterhead", form).status_code == 302
    db.session.refresh(head)
    assert (head.office_name, head.tembusan) == ("Kanwil Uji", "Direksi\nArsip")
    row = AuditLog.query.filter_by(action="letterhead.update").one()
    assert row.after["office_name"] == "Kanwil Uji"


def test_letter_codes_admin_only_validated_and_audited(db, client, auth, login_as, team):
    login_as(team["rm"])
    assert client.get("/admin/letter-codes").status_code == 403
    auth.logout()
    login_as(team["admin"])
    assert "Surat Teguran II" in client.get("/admin/letter-codes").get_data(as_text=True)
    bad = {"letter_type": "undangan", "undangan-code": "UND/X", "undangan-deadline_days": "0"}
    resp = post_form(client, "/admin/letter-codes", bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Kode 1 sampai 20 karakter" in html and "Tenggat 1 sampai 60 hari kerja" in html
    setting = db.session.get(LetterTypeSetting, "undangan")
    assert (setting.code, setting.deadline_days) == ("UND", None)
    good = {"letter_type": "undangan", "undangan-code": "und-2", "undangan-deadline_days": "5"}
    assert post_form(client, "/admin/letter-codes", good).status_code == 302
    db.session.refresh(setting)
    assert (setting.code, setting.deadline_days, setting.self_approval) == ("UND-2", 5, False)
    row = AuditLog.query.filter_by(action="letter_code.update").one()
    assert (row.entity_id, row.before, row.after) == (
        "undangan",
        {"code": "UND", "deadline_days": None},
        {"code": "UND-2", "deadline_days": 5},
    )
    relaxed = good | {"undangan-self_approval": "y"}  # four eyes relaxed for invitations
    assert post_form(client, "/admin/letter-codes", relaxed).status_code == 302
    row = AuditLog.query.filter_by(action="letter_code.update").order_by(AuditLog.id.desc()).first()
    assert row.after["self_approval"] is True and row.before["self_approval"] is False
    db.session.refresh(setting)
    setting.self_approval = False
    letter = submitted(team["account"], team["rm"], "undangan")
    assert letter.deadline_days == 5
    workflow.approve_letter(letter, team["supervisor"])
    assert letter.number.startswith("UND-2/1/")
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1


def test_register_and_queue_pages_follow_their_cursors(db, client, login_as, team, monkeypatch):
    from crm.letters import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    letters = [submitted(team["account"], team["rm"]) for _ in range(5)]
    login_as(team["supervisor"])

    def walk(url: str) -> list[int]:
        import re

        seen, next_url = [], url
        while next_url:
            html = client.get(next_url).get_data(as_text=True)
            rows = re.findall(r'<td><a href="/letters/(\d+)">', html)
            seen += [int(i) for i in dict.fromkeys(rows)]  # a row links its id and perihal
            match = re.search(r'href="([^"]*after=[^"]+)"', html)
            next_url = match.group(1).replace("&amp;", "&") if match else None
        return seen

    ids = [x.id for x in letters]
    assert walk("/letters/") == list(reversed(ids))  # newest first
    assert walk("/letters/approvals") == ids  # oldest submission first
    assert client.get("/letters/?after=bm90LWpzb24").status_code == 200  # a bad cursor: page 1
    assert client.get("/letters/approvals?after=WyJ4IiwxXQ").status_code == 200


def letter_in(state: str, team) -> Letter:
    """A letter of team's account brought to `state` through the services."""
    rm, supervisor = team["rm"], team["supervisor"]
    letter = draft(team["account"], rm)
    if state == "draft":
        return letter
    workflow.submit_letter(letter, rm)
    if state == "submitted":
        return letter
    workflow.approve_letter(letter, supervisor)
    issue(letter, today_local())
    if state == "issued":
        return letter
    workflow.dispatch_letter(letter, "hand", today_local(), "", rm)
    return letter


STEPS = {
    "submit": ("draft", {}),
    "cancel": ("draft", {"confirm": "y"}),
    "approve": ("submitted", {}),
    "return": ("submitted", {"comment": "Perbaiki"}),
    "dispatch": ("issued", {"channel": "hand", "day": "today"}),
    "receive": ("dispatched", {"day": "today", "recipient_name": "Pak Satpam"}),
}


@pytest.mark.parametrize(
    "step, who, allowed",
    [
        ("submit", "rm2", False),
        ("submit", "supervisor", True),
        ("cancel", "rm2", False),
        ("approve", "rm", False),
        ("approve", "rm2", False),
        ("approve", "admin", True),
        ("return", "rm", False),
        ("return", "supervisor", True),
        ("dispatch", "rm2", False),
        ("dispatch", "rm", True),
        ("receive", "rm2", False),
        ("receive", "supervisor", True),
        ("receive", "partner", False),
    ],
)
def test_each_step_by_role_and_owner(db, client, login_as, team, step, who, allowed):
    state, form = STEPS[step]
    letter = letter_in(state, team)
    form = {k: today_local().isoformat() if v == "today" else v for k, v in form.items()}
    login_as(team[who])
    resp = post_form(client, f"/letters/{letter.id}/{step}", form)
    db.session.refresh(letter)
    if allowed:
        assert resp.status_code == 302 and letter.status != state
    else:
        assert resp.status_code == 403 and letter.status == state


def test_the_account_page_lists_its_letters_only_for_who_may_see_them(
    db, client, auth, login_as, team
):
    account = team["account"]
    letter = submitted(account, team["rm"], "teguran_1")
    login_as(team["rm"])
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}" in html and "Surat Teguran I" in html
    assert f"/letters/new?account={account.id}" in html  # "Buat surat"
    auth.logout()
    login_as(team["rm2"])  # reads every account, but not another portfolio's letters
    html = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}" not in html and "Belum ada surat untuk akun ini." in html
    assert f"/letters/new?account={account.id}" not in html


def test_four_eyes_the_author_never_approves_her_own_letter(db, client, login_as, team):
    """Self-approval refused for one letter and skipped in a bulk approval; an admin may
    relax it per letter type."""
    supervisor = team["supervisor"]
    account = AccountFactory(rm=team["rm"])
    letter = services.draft_letter(account, "undangan", supervisor)
    workflow.submit_letter(letter, supervisor)
    with pytest.raises(ServiceError) as refused:
        workflow.approve_letter(letter, supervisor)
    assert "empat mata" in str(refused.value) and letter.number is None
    assert workflow.approve_letters([letter.id], supervisor) == []  # skipped, no number
    other = UserFactory(role="supervisor", name="Supervisor Kedua")
    workflow.approve_letter(letter, other)
    assert letter.status == "approved" and letter.approved_by_id == other.id
    own = services.draft_letter(account, "undangan", supervisor)
    workflow.submit_letter(own, supervisor)
    db.session.get(LetterTypeSetting, "undangan").self_approval = True
    workflow.approve_letter(own, supervisor)  # relaxed for this type
    assert own.status == "approved"


def test_a_case_stage_letter_is_written_by_the_accounts_rm(db, team):
    account = AccountFactory(rm=team["rm"])
    case = case_services.open_case(account, "arrears", team["rm"])
    case_services.advance_case(case, "pemberitahuan", team["supervisor"])
    letter = db.session.get(Letter, case.current_letter.letter_id)
    assert letter.created_by_id == team["rm"].id  # so the supervisor may approve it
