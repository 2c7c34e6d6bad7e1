"""The case rules a review asked for: how a case may close, letter dates on the case and
their correction, when a case may leave its stage (and the supervisor's override), board
totals that count an account's arrears once, cases following their account's RM, the
responsible supervisor, deadlines set by hand, the account chooser, the Denda fine,
Indonesian validation messages and unique element ids on the case page."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.audit import AuditLog
from crm.cases import board, denda, ladder, letters, manage, services
from crm.cases.models import CaseEvent, EscalationCase
from crm.compliance.services import account_compliance, today_local
from crm.services import ServiceError
from tests.conftest import post_form
from tests.factories import AccountFactory, BranchFactory, CaseFactory, UserFactory
from tests.support.accounts import FORM as ACCOUNT_FORM
from tests.support.cases import (
    add_month,
    advance,
    backdate,
    close,
    names_on,
    post_prefixed,
    ready,
    sent_outside_system,
    xlsx_rows,
)
from tests.support.partners import sample_pdf

JUTA = 1_000_000


@pytest.fixture
def people(db):
    branch = BranchFactory(name="Kantor Barat")
    rm = UserFactory(role="rm", name="Rina RM", branch_office=branch)
    rm2 = UserFactory(role="rm", name="Sandi RM", branch_office=branch)
    supervisor = UserFactory(role="supervisor", name="Bambang SPV", branch_office=branch)
    return {"rm": rm, "rm2": rm2, "supervisor": supervisor, "branch": branch}


def account_for(people, name="PT Aturan Satu", **kw):
    return AccountFactory(name=name, rm=people["rm"], branch_office=people["branch"], **kw)


def in_arrears(account):
    add_month(account, date(2026, 6, 1), 3 * JUTA)
    from crm.extensions import db

    db.session.flush()
    return account


def audit_actions(action: str) -> list[AuditLog]:
    return AuditLog.query.filter_by(action=action).order_by(AuditLog.id).all()


# -- 1 closing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["arrears", "pds_tk", "late_registration"])
def test_paid_only_when_the_recomputed_arrears_are_zero_for_any_reason(db, people, reason):
    account = in_arrears(account_for(people))
    case = services.open_case(account, reason, people["rm"])
    case.arrears_total = 0  # a stale stored figure does not decide: the months do
    with pytest.raises(ServiceError) as refused:
        services.close_case(case, "paid", people["rm"])
    assert refused.value.field == "reason" and "tunggakan sudah 0" in str(refused.value)
    assert case.status == "open"
    clean = services.open_case(account_for(people, "PT Aturan Bersih"), reason, people["rm"])
    assert account_compliance(clean.account_id, today_local()).summary.total == 0
    services.close_case(clean, "paid", people["rm"])
    assert clean.closed_reason == "paid"


def test_registered_only_for_registration_reasons(db, people):
    account = account_for(people)
    arrears_case = services.open_case(account, "arrears", people["rm"])
    with pytest.raises(ServiceError) as refused:
        services.close_case(arrears_case, "registered", people["supervisor"])
    assert "Terdaftar penuh hanya untuk kasus PDS" in str(refused.value)
    for reason in services.REGISTRATION_REASONS:
        case = services.open_case(account, reason, people["rm"])
        services.close_case(case, "registered", people["rm"])
        assert case.closed_reason == "registered"


def test_written_off_is_for_supervisors_with_a_justification(db, client, login_as, people):
    case = services.open_case(in_arrears(account_for(people)), "arrears", people["rm"])
    with pytest.raises(PermissionError):
        services.close_case(case, "written_off", people["rm"], "Perusahaan sudah bubar lama")
    login_as(people["supervisor"])
    resp = close(client, case, {"reason": "written_off", "note": "bubar", "confirm": "y"})
    assert resp.status_code == 400 and "minimal 10 karakter" in resp.get_data(as_text=True)
    close(client, case, {"reason": "written_off", "note": "Perusahaan bubar 2025", "confirm": "y"})
    db.session.refresh(case)
    assert (case.status, case.closed_reason) == ("closed", "written_off")


def close_options(html: str) -> list[str]:
    form = re.search(r'<select[^>]*name="close-reason".*?</select>', html, re.S).group(0)
    return [v for v in re.findall(r'value="([^"]*)"', form) if v]


def test_close_choices_depend_on_the_reason_and_the_role(db, client, auth, login_as, people):
    account = account_for(people)
    arrears_case = services.open_case(account, "arrears", people["rm"])
    pds_case = services.open_case(account, "pds_upah", people["rm"])
    login_as(people["rm"])
    assert close_options(client.get(f"/cases/{arrears_case.id}").get_data(as_text=True)) == ["paid"]
    html = client.get(f"/cases/{pds_case.id}").get_data(as_text=True)
    assert close_options(html) == ["paid", "registered"] and "Dihapuskan" not in html
    resp = close(client, arrears_case, {"reason": "registered", "confirm": "y"})
    assert resp.status_code == 400 and "Terdaftar penuh hanya untuk" in resp.get_data(as_text=True)
    auth.logout()
    login_as(people["supervisor"])
    html = client.get(f"/cases/{arrears_case.id}").get_data(as_text=True)
    assert close_options(html) == ["paid", "written_off"]


def test_paid_refused_on_the_case_page_with_the_amount(db, client, login_as, people):
    case = services.open_case(in_arrears(account_for(people)), "pds_tk", people["rm"])
    login_as(people["rm"])
    resp = close(client, case, {"reason": "paid", "confirm": "y"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "hanya dapat ditutup Lunas bila tunggakan sudah 0" in html
    assert "Rp 3." in html


# -- 2 letter dates on the case -------------------------------------------------------------------


def letter_stage_case(people, days_ago: int = 30):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    services.advance_case(case, "pemberitahuan", people["rm"])
    backdate(case, days_ago)
    return case


def test_issue_date_not_before_the_request_nor_the_stage_nor_in_the_future(
    db, client, login_as, people
):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    services.advance_case(case, "pemberitahuan", people["rm"])
    request = case.current_letter
    sent_outside_system(request)
    today = today_local()
    with pytest.raises(ServiceError) as refused:
        letters.mark_letter_issued(request, today - timedelta(days=1), people["rm"])
    assert "sebelum surat diminta" in str(refused.value)
    # The request is old but the case entered the stage only yesterday.
    request.created_at -= timedelta(days=30)
    advanced = CaseEvent.query.filter_by(case_id=case.id, kind="advanced").one()
    advanced.created_at -= timedelta(days=1)
    db.session.flush()
    with pytest.raises(ServiceError):
        letters.mark_letter_issued(request, today - timedelta(days=5), people["rm"])
    login_as(people["rm"])
    url = f"/cases/{case.id}/letters/{request.id}/issued"
    html = post_form(
        client, url, {"day": (today + timedelta(days=1)).isoformat()}, follow_redirects=True
    ).get_data(as_text=True)
    assert "tidak boleh di masa depan" in html
    post_form(client, url, {"day": (today - timedelta(days=1)).isoformat()})
    db.session.refresh(request)
    assert (request.status, request.issued_on) == ("issued", today - timedelta(days=1))


def test_receipt_messages_are_accurate(db, client, login_as, people):
    case = letter_stage_case(people)
    request = case.current_letter
    sent_outside_system(request)
    login_as(people["rm"])
    base = f"/cases/{case.id}/letters/{request.id}"
    today = today_local()
    html = post_form(
        client, f"{base}/received", {"day": today.isoformat()}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Tanggal terbit surat ini belum dicatat" in html
    post_form(client, f"{base}/issued", {"day": (today - timedelta(days=5)).isoformat()})
    post_form(client, f"{base}/received", {"day": (today - timedelta(days=3)).isoformat()})
    html = post_form(
        client, f"{base}/received", {"day": today.isoformat()}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Tanggal terima surat ini sudah dicatat" in html
    assert "supervisor dapat mengoreksinya" in html and "belum dicatat" not in html


def test_a_supervisor_corrects_a_recorded_date_an_rm_is_told_to_ask(
    db, client, auth, login_as, people
):
    case = letter_stage_case(people, days_ago=60)
    request = case.current_letter
    sent_outside_system(request)
    issued, received = date(2026, 11, 2), date(2026, 11, 4)  # Mon, Wed
    letters.mark_letter_issued(request, issued, people["rm"])
    letters.mark_letter_received(request, received, people["rm"])
    with pytest.raises(ServiceError) as refused:
        letters.mark_letter_issued(request, date(2026, 11, 3), people["rm"])
    assert "supervisor dapat mengoreksinya" in str(refused.value)

    login_as(people["supervisor"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Koreksi tanggal surat" in html
    base = f"/cases/{case.id}/letters/{request.id}"
    post_form(client, f"{base}/received", {"day": "2026-11-05"})
    db.session.refresh(case)
    db.session.refresh(request)
    assert request.received_on == date(2026, 11, 5)
    # Thu 5 Nov + 10 working days = Thu 19 Nov: the clock follows the corrected receipt.
    assert case.stage_due_on == date(2026, 11, 19)
    post_form(client, f"{base}/issued", {"day": "2026-11-03"})
    db.session.refresh(request)
    assert request.issued_on == date(2026, 11, 3)
    html = post_form(
        client, f"{base}/issued", {"day": "2026-11-06"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "tidak boleh setelah tanggal terima" in html  # after the receipt: refused
    notes = [e.note for e in CaseEvent.query.filter_by(case_id=case.id).order_by(CaseEvent.id)]
    assert sum("dikoreksi" in n for n in notes) == 2
    assert len(audit_actions("case.letter_corrected")) == 2
    assert audit_actions("case.letter_corrected")[0].actor_id == people["supervisor"].id


# -- 3 leaving a stage ----------------------------------------------------------------------------


def test_no_advance_while_the_letter_waits_or_before_the_deadline(db, people):
    rm, supervisor = people["rm"], people["supervisor"]
    case = services.open_case(
        account_for(people), "arrears", rm, due_on=today_local() + timedelta(days=7)
    )
    with pytest.raises(ServiceError) as refused:  # the company's undertaking date first
        services.advance_case(case, "pemberitahuan", rm)
    assert "belum tiba" in str(refused.value) and "Supervisor dapat" in str(refused.value)
    ready(case)
    services.advance_case(case, "pemberitahuan", rm)
    case.stage_due_on = None
    with pytest.raises(ServiceError) as refused:
        services.advance_case(case, "teguran_1", rm)
    assert "menunggu surat" in str(refused.value)
    backdate(case, 30)
    sent_outside_system(case.current_letter)
    letters.mark_letter_issued(case.current_letter, today_local() - timedelta(days=2), rm)
    with pytest.raises(ServiceError) as refused:  # issued, but its receipt not recorded
        services.advance_case(case, "teguran_1", supervisor, "Sudah dikirim")
    assert "Tanda terima" in str(refused.value)
    letters.mark_letter_received(case.current_letter, today_local() - timedelta(days=1), rm)
    with pytest.raises(ServiceError) as refused:  # received, but 10 working days not over
        services.advance_case(case, "teguran_1", supervisor, "Perusahaan menolak")
    assert "belum berakhir" in str(refused.value) and refused.value.field is None
    ready(case)
    services.advance_case(case, "teguran_1", rm)
    assert case.stage == "teguran_1"
    assert ladder.advance_blockers(case, today_local())  # its own letter waits now
    with pytest.raises(ServiceError) as refused:  # no role skips what the law requires
        services.advance_case(case, "teguran_2", supervisor, "Override")
    assert "tidak dapat dilewati" in str(refused.value)


def test_on_the_last_day_of_the_period_the_case_still_waits(db, people):
    case = letter_stage_case(people)
    ready(case)
    case.stage_due_on = today_local()  # the company may still comply today
    with pytest.raises(ServiceError):
        services.advance_case(case, "teguran_1", people["supervisor"], "Hari terakhir")
    case.stage_due_on = today_local() - timedelta(days=1)
    services.advance_case(case, "teguran_1", people["rm"])
    assert case.stage == "teguran_1"


def test_a_supervisor_passes_only_the_persuasi_undertaking_with_a_note_in_event_and_audit(
    db, client, login_as, people
):
    due = today_local() + timedelta(days=14)
    case = services.open_case(account_for(people), "arrears", people["rm"], due_on=due)
    login_as(people["supervisor"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "belum tiba" in html and "override" in html
    advance(client, case, "pemberitahuan", "Perusahaan menolak membayar")
    db.session.refresh(case)
    assert case.stage == "pemberitahuan"
    event = CaseEvent.query.filter_by(case_id=case.id, to_stage="pemberitahuan").one()
    assert event.note.startswith("Override supervisor: Tenggat Persuasi")
    assert "menolak membayar" in event.note
    entry = audit_actions("case.advance")[-1]
    assert entry.after["override"] and "(override)" in entry.summary
    # The letter stage that follows has no override: no form, and a post is refused.
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "tidak ada peran yang dapat melewatinya" in html and 'id="advance-note"' not in html
    resp = advance(client, case, "teguran_1", "Surat diantar langsung", follow_redirects=True)
    assert "tidak dapat dilewati" in resp.get_data(as_text=True)
    db.session.refresh(case)
    assert case.stage == "pemberitahuan"


def test_an_rm_sees_why_the_case_waits_and_no_advance_button(db, client, login_as, people):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    services.advance_case(case, "pemberitahuan", people["rm"])
    login_as(people["rm"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "belum terbit (menunggu surat)" in html
    assert "Naikkan ke Teguran I" not in html


# -- 4 board totals -------------------------------------------------------------------------------


def test_board_totals_count_an_accounts_arrears_once(db, client, login_as, people):
    account = account_for(people, "PT Kasus Ganda")
    CaseFactory(account=account, reason="arrears", arrears_unpaid=50 * JUTA)
    CaseFactory(account=account, reason="late_registration", arrears_unpaid=50 * JUTA)
    CaseFactory(
        account=account_for(people, "PT Kasus Tunggal"), reason="pds_tk", arrears_unpaid=JUTA
    )
    result = board.build_board(board.CaseFilters(), people["supervisor"], today_local())
    assert result.count == 3 and result.arrears == 50 * JUTA
    assert result.columns[0].arrears == 50 * JUTA
    login_as(people["supervisor"])
    html = client.get("/cases/").get_data(as_text=True)
    assert "Rp 100.000.000" not in html and "Rp 50.000.000" in html
    assert "tunggakan akun" in html  # the other reasons' figure is labelled
    # The amount band still reads each case's stored figure.
    banded = client.get("/cases/?band=10jt-100jt").get_data(as_text=True)
    assert names_on(banded) == {"PT Kasus Ganda"} and banded.count("PT Kasus Ganda") >= 2


# -- 5 cases follow their account's RM ------------------------------------------------------------


def see(client, case) -> dict:
    board_html = client.get("/cases/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    export = {r[0] for r in xlsx_rows(client.get("/cases/export.xlsx").data)[1:]}
    name = case.account.name
    return {"board": name in board_html, "home": name in home, "export": case.id in export}


@pytest.mark.parametrize("path", ["account_edit", "reassign_portfolio"])
def test_open_cases_follow_the_new_rm(db, client, auth, login_as, people, path):
    rm, rm2, supervisor = people["rm"], people["rm2"], people["supervisor"]
    account = account_for(people, "PT Kasus Pindah")
    case = services.open_case(account, "arrears", rm)
    done = services.open_case(account, "pds_tk", rm)
    services.close_case(done, "registered", rm)
    login_as(supervisor)
    if path == "account_edit":
        url = f"/accounts/{account.id}/edit"
        data = {**ACCOUNT_FORM, "name": account.name, "rm_id": str(rm2.id)}
        data["branch_office_id"] = str(people["branch"].id)
    else:
        url, data = "/accounts/reassign", {"from_rm": rm.id, "to_rm": rm2.id, "branch_office_id": 0}
    assert post_form(client, url, data).status_code == 302
    auth.logout()
    db.session.flush()
    db.session.refresh(case)
    db.session.refresh(done)
    assert case.owner_id == rm2.id and done.owner_id == rm.id  # closed cases keep theirs
    entry = audit_actions("case.owner")[-1]
    assert (entry.entity_id, entry.before, entry.after) == (
        str(case.id),
        {"owner_id": rm.id},
        {"owner_id": rm2.id},
    )
    login_as(rm)
    assert see(client, case) == {"board": False, "home": False, "export": False}
    auth.logout()
    login_as(rm2)
    assert see(client, case) == {"board": True, "home": True, "export": True}
    ready(case)
    advance(client, case, "pemberitahuan", "RM baru melanjutkan")
    db.session.refresh(case)
    assert case.stage == "pemberitahuan"


# -- 6 responsible supervisor, cases without an RM -------------------------------------------------


def test_supervisor_falls_back_to_any_active_one_lowest_id(db, people):
    lonely = BranchFactory(name="Kantor Sepi")
    rm = UserFactory(role="rm", branch_office=lonely)
    account = AccountFactory(rm=rm, branch_office=lonely)
    first = db.session.scalar(
        select(UserFactory._meta.model.id)
        .where(UserFactory._meta.model.role == "supervisor", UserFactory._meta.model.active)
        .order_by(UserFactory._meta.model.id)
    )
    case = services.open_case(account, "arrears", rm)
    assert case.supervisor_id == first
    no_branch = services.open_case(AccountFactory(rm=rm), "arrears", rm)
    assert no_branch.supervisor_id == first


def test_a_supervisor_changes_the_responsible_supervisor(db, client, auth, login_as, people):
    other = UserFactory(role="supervisor", name="Citra SPV")
    case = services.open_case(account_for(people), "arrears", people["rm"])
    assert case.supervisor_id == people["supervisor"].id
    login_as(people["rm"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Ganti supervisor" not in html
    url = f"/cases/{case.id}/supervisor"
    assert post_prefixed(client, url, "supervisor", {"supervisor_id": other.id}).status_code == 403
    auth.logout()
    login_as(people["supervisor"])
    assert "Ganti supervisor" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    resp = post_prefixed(client, url, "supervisor", {"supervisor_id": "abc"})
    assert resp.status_code == 400 and "Pilih salah satu pilihan" in resp.get_data(as_text=True)
    assert post_prefixed(client, url, "supervisor", {"supervisor_id": other.id}).status_code == 302
    db.session.refresh(case)
    assert case.supervisor_id == other.id
    note = CaseEvent.query.filter_by(case_id=case.id, kind="note").one().note
    assert "Bambang SPV" in note and "Citra SPV" in note
    assert audit_actions("case.supervisor")[0].after == {"supervisor_id": other.id}


def test_a_case_of_an_account_without_rm_has_no_owner_and_a_board_filter(
    db, client, login_as, people
):
    orphan = AccountFactory(name="PT Kasus Yatim", rm=None)
    case = services.open_case(orphan, "arrears", people["supervisor"])
    assert case.owner_id is None
    CaseFactory(account=account_for(people, "PT Kasus Punya"))
    login_as(people["supervisor"])
    html = client.get("/cases/").get_data(as_text=True)
    assert 'value="none"' in html and "tanpa RM" in html
    assert names_on(client.get("/cases/?owner=none").get_data(as_text=True)) == {"PT Kasus Yatim"}
    listed = client.get("/cases/?owner=none&view=list").get_data(as_text=True)
    assert names_on(listed) == {"PT Kasus Yatim"}
    rows = xlsx_rows(client.get("/cases/export.xlsx?owner=none").data)
    assert [r[1] for r in rows[1:]] == ["PT Kasus Yatim"]


# -- 7 deadlines set by hand ----------------------------------------------------------------------


def at_teguran_2(people):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    for stage in ("pemberitahuan", "teguran_1", "teguran_2", "denda"):
        ready(case)
        services.advance_case(case, stage, people["supervisor"])
    ready(case)
    return case


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (None, "Isi tenggat tahap Rekomendasi TMP2T"),
        (-1, "sebelum hari ini"),
        (400, "paling lambat satu tahun"),
        ("besok", "Isi tanggal yang valid."),
    ],
)
def test_a_stage_without_default_days_needs_a_valid_deadline(
    db, client, login_as, people, due, message
):
    case = at_teguran_2(people)  # at Denda: TMP2T next
    login_as(people["supervisor"])
    value = "" if due is None else due
    if isinstance(due, int):
        value = (today_local() + timedelta(days=due)).isoformat()
    resp = advance(client, case, "tmp2t", due_on=value)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and "Not a valid" not in html
    db.session.refresh(case)
    assert case.stage == "denda"


def test_a_hand_set_deadline_is_kept_and_the_flash_says_so(db, client, login_as, people):
    case = at_teguran_2(people)
    login_as(people["supervisor"])
    due = today_local() + timedelta(days=60)
    html = advance(client, case, "tmp2t", due_on=due.isoformat(), follow_redirects=True).get_data(
        as_text=True
    )
    assert "tenggat dihitung setelah surat terbit" not in html
    assert "ditetapkan manual" in html
    db.session.refresh(case)
    assert (case.stage, case.stage_due_on) == ("tmp2t", due)


def test_set_the_current_stages_deadline(db, client, auth, login_as, people):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    login_as(people["rm"])
    url = f"/cases/{case.id}/due"
    assert 'id="due-due_on"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    resp = post_prefixed(client, url, "due", {"due_on": "2001-01-01"})
    assert resp.status_code == 400 and "sebelum hari ini" in resp.get_data(as_text=True)
    due = today_local() + timedelta(days=10)
    assert post_prefixed(client, url, "due", {"due_on": due.isoformat()}).status_code == 302
    db.session.refresh(case)
    assert case.stage_due_on == due
    assert "Tenggat tahap Persuasi ditetapkan" in case.events[-1].note
    assert audit_actions("case.due")[0].after["stage_due_on"] == due.isoformat()
    ready(case)
    services.advance_case(case, "pemberitahuan", people["rm"])
    assert post_prefixed(client, url, "due", {"due_on": due.isoformat()}).status_code == 403
    auth.logout()
    login_as(people["supervisor"])
    resp = post_prefixed(client, url, "due", {"due_on": due.isoformat()})  # no reason given
    assert resp.status_code == 400 and "Tulis alasan" in resp.get_data(as_text=True)
    reason = {"due_on": due.isoformat(), "reason": "Perusahaan minta waktu, disetujui Kacab"}
    assert post_prefixed(client, url, "due", reason).status_code == 302
    db.session.refresh(case)
    assert case.stage_due_on == due and "disetujui Kacab" in case.events[-1].note


def test_a_deadline_is_never_cut_below_what_the_letter_gave_nor_the_denda_window(db, people):
    from crm.letters.models import Letter

    case = letter_stage_case(people)
    letter = db.session.get(Letter, case.current_letter.letter_id)
    letter.deadline_on = today_local() + timedelta(days=14)  # what the letter promised
    with pytest.raises(ServiceError) as refused:
        manage.set_stage_due(case, today_local() + timedelta(days=2), people["supervisor"], "x")
    assert "tertulis di surat" in str(refused.value)
    manage.set_stage_due(case, today_local() + timedelta(days=20), people["supervisor"], "x")
    case.stage = "denda"
    with pytest.raises(ServiceError) as refused:
        manage.set_stage_due(case, today_local() + timedelta(days=40), people["supervisor"], "x")
    assert "aturan Denda" in str(refused.value)


def test_one_click_open_asks_for_the_persuasi_deadline(db, client, login_as, people):
    account = account_for(people)
    login_as(people["rm"])
    resp = post_form(client, "/cases/open", {"account_id": account.id, "reason": "arrears"})
    assert resp.headers["Location"].endswith("#tenggat")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Tetapkan tenggat Persuasi" in html and 'id="tenggat"' in html


# -- 8, 9 ids typed or posted ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9" * 23, "٥٤", "-1", "1.5"])
def test_open_from_suggestion_refuses_bad_ids_without_a_500(db, client, login_as, people, value):
    login_as(people["rm"])
    resp = post_form(client, "/cases/open", {"account_id": value, "reason": "arrears"})
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("typed", "found"),
    [("#{id}", True), ("{id}", True), ("{npp}", True), ("12.345.678", True), ("1234 5678", True)],
)
def test_the_chooser_reads_ids_and_npps(db, typed, found):
    account = AccountFactory(npp="12345678")
    text = typed.format(id=account.id, npp=account.npp)
    assert manage.find_account(text).id == account.id


def test_an_eight_digit_number_is_an_npp_never_an_id(db):
    account = AccountFactory(npp="87654321")
    eight = f"{account.id:08d}"
    with pytest.raises(ServiceError) as refused:
        manage.find_account(eight)
    assert f"Tidak ada akun dengan NPP {eight}" in str(refused.value)
    assert manage.find_account(f"#{eight}").id == account.id


@pytest.mark.parametrize("typed", ["54.0", "-54", "+54", " 5 4", "5,4", "٥٤", "1e3", "#-5", "#"])
def test_odd_numbers_are_refused_as_invalid(db, typed):
    AccountFactory()
    with pytest.raises(ServiceError) as refused:
        manage.find_account(typed)
    assert refused.value.field == "account" and "hanya angka" in str(refused.value)


# -- 10 the Denda fine ----------------------------------------------------------------------------


def test_denda_shows_the_fine_of_point_one_percent_with_its_basis(db, client, login_as, people):
    case = CaseFactory(
        account=account_for(people), stage="denda", arrears_unpaid=1_234_567, arrears_fine=10
    )
    assert denda.denda_facts(case, today_local())["denda_fine"] == 1_235
    login_as(people["supervisor"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Rp 1.235" in html and "0,1 % dari iuran belum dibayar Rp 1.234.567" in html
    assert "Denda 0,1 %/bulan" in html
    other = CaseFactory(account=account_for(people, "PT Lain"), arrears_unpaid=1_234_567)
    assert "0,1 % dari iuran" not in client.get(f"/cases/{other.id}").get_data(as_text=True)


# -- 11, 12 form messages and element ids ---------------------------------------------------------


def test_bad_dates_and_choices_read_in_indonesian(db, client, login_as, people):
    case = services.open_case(account_for(people), "pds_tk", people["rm"])
    login_as(people["rm"])
    for resp in (
        post_prefixed(client, f"/cases/{case.id}/due", "due", {"due_on": "31-02-2026"}),
        close(client, case, {"reason": "bogus", "confirm": "y"}),
    ):
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "Not a valid" not in html
    assert "Isi tanggal yang valid." in post_prefixed(
        client, f"/cases/{case.id}/due", "due", {"due_on": "xx"}
    ).get_data(as_text=True)
    assert "Pilih alasan penutupan." in close(
        client, case, {"reason": "bogus", "confirm": "y"}
    ).get_data(as_text=True)


def test_the_case_page_has_unique_element_ids(db, client, login_as, people):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    services.advance_case(case, "pemberitahuan", people["supervisor"], "Mulai")
    ready(case)
    login_as(people["supervisor"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert {i: n for i, n in ids.items() if n > 1} == {}
    assert 'id="advance-note"' in html and 'id="close-note"' in html


# -- 13 small ones --------------------------------------------------------------------------------


def test_small_texts_and_the_board_for_an_unknown_status(db, client, login_as, people):
    login_as(UserFactory(role="admin"))
    new = client.get("/cases/new").get_data(as_text=True)
    assert "Usulan kasus" in new and "Saran kasus" not in new
    intro = client.get("/admin/case-deadlines").get_data(as_text=True)
    assert "dihitung ulang sejak surat diterima" in intro
    assert "Ringkasan per tahap" in client.get("/cases/?status=foo").get_data(as_text=True)
    assert "Ringkasan per tahap" not in client.get("/cases/?status=closed").get_data(as_text=True)


def test_arrears_money_never_wraps_nor_shouts(db, client, login_as, people):
    account = in_arrears(account_for(people))
    case = services.open_case(account, "arrears", people["rm"])
    login_as(people["rm"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    foot = re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0)
    assert '<th class="num">Rp' not in foot and foot.count('class="num money"') == 3
    css = Path("static/css/app.css").read_text()
    assert re.search(r"\.money[^{]*\{[^}]*white-space: nowrap;[^}]*text-transform: none", css)


def test_every_new_write_is_audited_in_one_place(db, people):
    case = services.open_case(account_for(people), "arrears", people["rm"])
    manage.set_stage_due(case, today_local() + timedelta(days=3), people["rm"])
    manage.set_case_supervisor(case, UserFactory(role="supervisor"), people["supervisor"])
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"case.open", "case.due", "case.supervisor"} <= actions
    assert EscalationCase.query.count() == 1


def test_an_escalation_letter_is_drafted_only_from_its_case_and_once_per_stage(
    db, client, login_as, people
):
    """No standalone Teguran II (reproduction 2): the page sends the user to the account's
    cases; the service refuses; a case's stage has one live letter until it is cancelled."""
    from crm.letters import services as letter_services
    from crm.letters import workflow
    from crm.letters.models import Letter

    account = account_for(people)
    login_as(people["rm"])
    resp = client.get(f"/letters/new?account={account.id}&type=teguran_2", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert f"/accounts/{account.id}" in resp.request.path and "dibuat dari kasus" in html
    assert Letter.query.count() == 0
    with pytest.raises(ServiceError) as refused:
        letter_services.draft_letter(account, "teguran_2", people["rm"])
    assert refused.value.field == "letter_type"
    choose = client.get(f"/letters/new?account={account.id}").get_data(as_text=True)
    assert "type=teguran_1" not in choose and "type=undangan" in choose

    case = services.open_case(account, "arrears", people["rm"])
    services.advance_case(case, "pemberitahuan", people["rm"])
    first = db.session.get(Letter, case.current_letter.letter_id)
    with pytest.raises(ServiceError):  # a second live Pemberitahuan for the same case
        letter_services.draft_letter(account, "pemberitahuan", people["rm"], case=case)
    assert "Buat draf baru" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    workflow.cancel_letter(first, people["rm"], "salah alamat")
    db.session.flush()
    assert "Buat draf baru" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    resp = post_form(client, f"/cases/{case.id}/letter/redraft")
    db.session.refresh(case.current_letter)
    second = db.session.get(Letter, case.current_letter.letter_id)
    assert resp.status_code == 302 and second.id != first.id and second.status == "draft"
    assert second.created_by_id == people["rm"].id
    again = post_form(client, f"/cases/{case.id}/letter/redraft", follow_redirects=True)
    assert "masih berlaku" in again.get_data(as_text=True)


def test_a_letter_date_cannot_be_recorded_on_a_draft_letter(db, client, login_as, people):
    """Reproduction 4: POST /cases/<id>/letters/<id>/received on an unnumbered letter."""
    case = letter_stage_case(people)
    request = case.current_letter
    login_as(people["supervisor"])
    for what in ("issued", "received"):
        html = post_form(
            client,
            f"/cases/{case.id}/letters/{request.id}/{what}",
            {"day": today_local().isoformat()},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "belum terbit" in html
    db.session.refresh(request)
    assert request.status == "draft_requested"
    assert (request.issued_on, request.received_on) == (None, None)


def test_the_stage_deadline_and_the_letters_sentence_come_from_one_setting(
    app, db, client, login_as, people
):
    """Reproduction 3: Teguran I set to 7 working days on /admin/case-deadlines: the letter
    promises 7 (tujuh) hari kerja and the case falls due 7 working days after receipt."""
    from crm.cases.models import CaseStageRule
    from crm.compliance.calendar import LETTER, working_calendar
    from crm.letters import workflow
    from crm.letters.context import letter_context
    from crm.letters.models import Letter
    from crm.letters.render import render_letter
    from tests.support.pdf import pdf_text

    today = today_local()
    db.session.add(CaseStageRule(stage="teguran_1", effective_from=today, days=7))
    db.session.flush()
    case = letter_stage_case(people)
    ready(case)
    services.advance_case(case, "teguran_1", people["rm"])
    letter = db.session.get(Letter, case.current_letter.letter_id)
    assert letter.deadline_days == 7
    workflow.submit_letter(letter, people["rm"])
    workflow.approve_letter(letter, people["supervisor"])
    text = " ".join(pdf_text(render_letter(letter_context(letter))).split())
    assert "7 (tujuh) hari kerja" in text and "10 (sepuluh)" not in text
    letter.status, letter.dispatched_on = "dispatched", today  # as if rendered and sent
    workflow.receive_letter(letter, today, "Resepsionis", people["rm"])
    db.session.refresh(case)
    assert case.stage_due_on == working_calendar(LETTER).add_working_days(today, 7)
    assert letter.deadline_on == case.stage_due_on
    login_as(UserFactory(role="admin"))
    page = client.get("/admin/letter-codes").get_data(as_text=True)
    assert "Tenggat tahap kasus" in page


def test_teguran_i_cites_the_pemberitahuan_and_teguran_ii_states_the_denda_rule(app, db, people):
    """Reproduction 11 and rule text: each warning cites the previous letter's number and
    date; Teguran II states the Denda rate and window in force (not a code constant)."""
    from crm.cases.models import DendaRule
    from crm.letters import workflow
    from crm.letters.context import letter_context
    from crm.letters.models import Letter
    from crm.letters.render import render_letter
    from tests.support.pdf import pdf_text

    db.session.add(DendaRule(effective_from=today_local(), rate_bp_per_month=20, window_days=25))
    case = letter_stage_case(people)
    first = db.session.get(Letter, case.current_letter.letter_id)
    workflow.submit_letter(first, people["rm"])
    workflow.approve_letter(first, people["supervisor"])
    ready(case)
    services.advance_case(case, "teguran_1", people["rm"])
    teguran_1 = db.session.get(Letter, case.current_letter.letter_id)
    text = " ".join(pdf_text(render_letter(letter_context(teguran_1))).split())
    assert f"Surat Pemberitahuan kami nomor {first.number} tanggal" in text
    workflow.submit_letter(teguran_1, people["rm"])
    workflow.approve_letter(teguran_1, people["supervisor"])
    ready(case)
    services.advance_case(case, "teguran_2", people["rm"])
    teguran_2 = db.session.get(Letter, case.current_letter.letter_id)
    text = " ".join(pdf_text(render_letter(letter_context(teguran_2))).split())
    assert f"Teguran Tertulis Pertama kami nomor {teguran_1.number} tanggal" in text
    assert "0,2% (nol koma dua persen)" in text and "25 (dua puluh lima) hari" in text


def test_a_supervisor_records_a_letter_sent_outside_the_system_with_its_scan(
    app, db, client, login_as, people
):
    from crm import storage
    from crm.letters.models import Letter

    case = letter_stage_case(people)
    draft_id = case.current_letter.letter_id
    not_pdf = b"MZ this is not a PDF"
    login_as(people["supervisor"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "dikirim di luar sistem" in page
    url = f"/cases/{case.id}/letter/external"
    form = {"number": "B/77/112026", "day": today_local().isoformat(), "reason": "Diantar langsung"}
    bad = post_form(
        client,
        url,
        form | {"scan": (io.BytesIO(not_pdf), "scan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "bukan PDF" in bad.get_data(as_text=True)
    assert case.current_letter.letter_id == draft_id  # nothing changed
    good = post_form(
        client,
        url,
        form | {"scan": (io.BytesIO(sample_pdf()), "scan.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    db.session.refresh(case.current_letter)
    request = case.current_letter
    assert (request.status, request.external_number, request.letter_id) == (
        "issued",
        "B/77/112026",
        None,
    )
    assert storage.exists(request.scan_key)
    assert db.session.get(Letter, draft_id).status == "cancelled"
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "B/77/112026" in page and "Pindaian" in page
    scan = client.get(f"/cases/{case.id}/letters/{request.id}/scan")
    assert scan.status_code == 200 and scan.data.startswith(b"%PDF-")
    assert "no-store" in scan.headers["Cache-Control"]
    assert client.get(f"/cases/{case.id}/letters/{request.id + 99}/scan").status_code == 404
    assert audit_actions("case.letter_external")[0].actor_id == people["supervisor"].id


def test_a_supervisor_reopens_a_closed_case_with_a_reason(db, client, auth, login_as, people):
    case = letter_stage_case(people)
    services.close_case(case, "written_off", people["supervisor"], "Salah input")
    login_as(people["rm"])
    assert post_form(client, f"/cases/{case.id}/reopen", {"reason": "x"}).status_code == 403
    auth.logout()
    login_as(people["supervisor"])
    refused = post_form(client, f"/cases/{case.id}/reopen", {"reason": ""}, follow_redirects=True)
    assert "Tulis alasan" in refused.get_data(as_text=True)
    assert (
        post_form(
            client, f"/cases/{case.id}/reopen", {"reason": "Pembayaran dibatalkan bank"}
        ).status_code
        == 302
    )
    db.session.refresh(case)
    assert case.status == "open" and case.closed_reason is None
    assert "Dibuka kembali: Pembayaran dibatalkan bank" in case.events[-1].note
    assert audit_actions("case.reopen")
