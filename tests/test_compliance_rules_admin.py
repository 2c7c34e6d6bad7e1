"""/admin/arrears-rules and /admin/case-deadlines: admins only; a new effective-dated rule
with every field checked (bad input changes nothing), deleting a rule that has not started
after a confirmation (never one in force, never the last), the audit trail, and the effect:
new arrears and new case due dates follow the new rule, running cases keep theirs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from crm.audit import AuditLog
from crm.cases import deadlines, services
from crm.cases.models import CaseStageRule
from crm.compliance import rules
from crm.compliance.arrears import add_months, month_start
from crm.compliance.calendar import LETTER, PAYMENT, working_calendar
from crm.compliance.models import ArrearsRule, CompliancePeriod
from crm.compliance.services import account_compliance, today_local
from crm.services import ServiceError
from tests.conftest import post_form
from tests.factories import AccountFactory, UserFactory
from tests.support.cases import add_month

ARREARS = "/admin/arrears-rules"
DEADLINES = "/admin/case-deadlines"


def audits(db, action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
    )


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def next_month() -> date:
    return add_months(month_start(today_local()), 1)


def arrears_form(**changes) -> dict:
    form = {
        "effective_from": next_month().isoformat(),
        "due_day": "20",
        "months_after": "0",
        "fine_bp": "500",
        "legal_basis": "PP uji 1/2027",
    }
    form.update(changes)
    return form


def future_arrears_rule(db, start: date | None = None) -> ArrearsRule:
    rule = ArrearsRule(
        effective_from=start or next_month(), due_day=10, due_months_after=1, fine_bp_per_month=150
    )
    db.session.add(rule)
    db.session.flush()
    return rule


@pytest.fixture
def admin(db, login_as):
    return login_as(UserFactory(role="admin"))


# -- who ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rm", "supervisor", "partner"])
def test_only_admins_reach_the_rule_pages(db, client, login_as, role):
    rule = future_arrears_rule(db)
    stage_rule = CaseStageRule.query.first()
    login_as(UserFactory(role=role))
    for url in (
        ARREARS,
        DEADLINES,
        f"{ARREARS}/{rule.id}/delete",
        f"{DEADLINES}/{stage_rule.id}/delete",
    ):
        assert client.get(url).status_code == 403, url
        assert post_form(client, url, {}).status_code == 403, url
    assert post_form(client, ARREARS, arrears_form(effective_from="2099-01-01")).status_code == 403
    assert count(db, ArrearsRule) == 2 and audits(db, "arrears_rule.delete") == 0


def test_signed_out_users_are_sent_to_sign_in(client):
    assert client.get(ARREARS).status_code == 302
    assert client.get(DEADLINES).status_code == 302


def test_admin_navigation_and_index_link_both_pages(db, client, admin):
    html = client.get("/admin/").get_data(as_text=True)
    assert ARREARS in html and DEADLINES in html


# -- arrears rules --------------------------------------------------------------------------


def test_the_list_shows_the_seeded_rule_as_percent_per_month(db, client, admin):
    html = client.get(ARREARS).get_data(as_text=True)
    assert "2% " in html and "200 bp" in html and "tanggal 15, 1 bulan kemudian" in html
    assert "berlaku sekarang" in html
    assert "Hapus…" not in html  # the only rule is in force


def test_adding_a_rule_is_audited_and_changes_new_months_arrears(db, client, admin):
    account = AccountFactory(npp="61000000")
    start = next_month()
    db.session.add(
        CompliancePeriod(
            account_id=account.id,
            period=start,
            contribution_due=1_000_000,
            amount_paid=0,
            unpaid=1_000_000,
        )
    )
    db.session.flush()
    as_of = add_months(start, 3)
    before = account_compliance(account.id, as_of).summary.months[0]
    resp = post_form(client, ARREARS, arrears_form())
    assert resp.status_code == 302
    rule = db.session.scalar(select(ArrearsRule).where(ArrearsRule.effective_from == start))
    assert (rule.due_day, rule.due_months_after, rule.fine_bp_per_month, rule.legal_basis) == (
        20,
        0,
        500,
        "PP uji 1/2027",
    )
    assert audits(db, "arrears_rule.create") == 1
    rules.forget_rules()
    after = account_compliance(account.id, as_of).summary.months[0]
    cal = working_calendar(PAYMENT)
    assert before.deadline == cal.next_working_day(add_months(start, 1).replace(day=15))
    assert after.deadline == cal.next_working_day(start.replace(day=20))
    # 5 % a month instead of 2 %, for more months late (due in the same month)
    assert after.fine == 1_000_000 * 5 // 100 * after.months_late
    assert after.fine > before.fine
    html = client.get(ARREARS).get_data(as_text=True)
    assert "5% " in html and "tanggal 20 bulan yang sama" in html and "terjadwal" in html


def test_an_older_month_keeps_its_rule(db, admin, client):
    account = AccountFactory(npp="61000001")
    old = add_months(month_start(today_local()), -2)
    db.session.add(
        CompliancePeriod(
            account_id=account.id,
            period=old,
            contribution_due=500_000,
            amount_paid=0,
            unpaid=500_000,
        )
    )
    db.session.flush()
    before = account_compliance(account.id, today_local()).summary.total
    post_form(client, ARREARS, arrears_form())
    rules.forget_rules()
    assert account_compliance(account.id, today_local()).summary.total == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_day": "0"}, "Tanggal jatuh tempo antara 1 dan 28."),
        ({"due_day": "29"}, "Tanggal jatuh tempo antara 1 dan 28."),
        ({"due_day": ""}, "Wajib diisi."),
        ({"due_day": "lima"}, "Isi bilangan bulat."),
        ({"months_after": "4"}, "Jatuh tempo 0 sampai 3 bulan"),
        ({"months_after": "-1"}, "Jatuh tempo 0 sampai 3 bulan"),
        ({"fine_bp": "1001"}, "Denda 0 sampai 1000 basis poin"),
        ({"fine_bp": "-5"}, "Denda 0 sampai 1000 basis poin"),
        ({"fine_bp": "2,5"}, "Isi bilangan bulat."),
        ({"effective_from": ""}, "Isi tanggal yang valid."),
        ({"effective_from": "31-12-2099"}, "Isi tanggal yang valid."),
        ({"effective_from": "2099-01-15"}, "Aturan berlaku mulai tanggal 1 suatu bulan."),
        ({"effective_from": "2020-01-01"}, "Aturan tidak boleh berlaku surut"),
        ({"legal_basis": "x" * 201}, "Paling panjang 200 karakter."),
    ],
)
def test_bad_arrears_rule_input_is_refused_next_to_the_field(db, client, admin, changes, message):
    resp = post_form(client, ARREARS, arrears_form(**changes))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html and 'class="field has-error"' in html
    assert count(db, ArrearsRule) == 1 and audits(db, "arrears_rule.create") == 0


def test_one_arrears_rule_per_start_month(db, client, admin):
    future_arrears_rule(db)
    resp = post_form(client, ARREARS, arrears_form())
    assert resp.status_code == 400
    assert "Sudah ada aturan yang berlaku mulai" in resp.get_data(as_text=True)
    assert count(db, ArrearsRule) == 2


def test_a_future_rule_is_deleted_after_confirmation_and_audited(db, client, admin):
    rule = future_arrears_rule(db)
    rule_id = rule.id
    assert f"{ARREARS}/{rule_id}/delete" in client.get(ARREARS).get_data(as_text=True)
    page = client.get(f"{ARREARS}/{rule_id}/delete").get_data(as_text=True)
    assert "Hapus aturan tunggakan mulai" in page and "Ya, hapus" in page
    assert count(db, ArrearsRule) == 2  # the confirmation page changes nothing
    resp = post_form(client, f"{ARREARS}/{rule_id}/delete")
    assert resp.status_code == 302
    assert db.session.get(ArrearsRule, rule_id) is None
    assert audits(db, "arrears_rule.delete") == 1


def test_a_rule_in_force_cannot_be_deleted(db, client, admin):
    seeded = ArrearsRule.query.one()
    resp = post_form(client, f"{ARREARS}/{seeded.id}/delete", follow_redirects=True)
    assert "Aturan yang sudah berlaku tidak dapat dihapus." in resp.get_data(as_text=True)
    assert client.get(f"{ARREARS}/{seeded.id}/delete").status_code == 302
    assert count(db, ArrearsRule) == 1 and audits(db, "arrears_rule.delete") == 0
    assert client.get(f"{ARREARS}/999999/delete").status_code == 404


def test_the_last_arrears_rule_is_never_deleted(db, client, admin):
    db.session.execute(delete(ArrearsRule))
    only = future_arrears_rule(db)
    with pytest.raises(ServiceError):
        rules.delete_rule(only, None, today_local())
    resp = post_form(client, f"{ARREARS}/{only.id}/delete", follow_redirects=True)
    assert "Aturan terakhir tidak dapat dihapus." in resp.get_data(as_text=True)
    assert count(db, ArrearsRule) == 1 and audits(db, "arrears_rule.delete") == 0


def test_percent_shows_basis_points_with_a_decimal_comma():
    assert [rules.percent(bp) for bp in (200, 150, 5, 0, 1000)] == ["2", "1,5", "0,05", "0", "10"]


# -- stage deadlines ------------------------------------------------------------------------


def stage_form(**changes) -> dict:
    form = {"stage": "persuasi", "effective_from": today_local().isoformat(), "days": "5"}
    form.update(changes)
    return form


def test_the_deadline_table_shows_every_stage_and_says_running_cases_keep_theirs(db, client, admin):
    html = client.get(DEADLINES).get_data(as_text=True)
    for label in ("Persuasi", "Pemberitahuan", "Teguran I", "Teguran II", "Denda", "SKK Kejaksaan"):
        assert label in html
    assert "ditetapkan manual" in html and "10 hari kerja" in html and "30 hari kalender" in html
    assert "Kasus yang sudah berjalan tetap memakai tenggat yang sudah dihitung" in html


def test_a_new_stage_rule_from_today_gives_new_cases_a_new_due_date(db, client, auth, login_as):
    rm = UserFactory(role="rm")
    first, second = AccountFactory(rm=rm), AccountFactory(rm=rm)
    running = services.open_case(first, "arrears", rm)
    assert running.stage_due_on is None  # Persuasi: set by hand until now
    login_as(UserFactory(role="admin"))
    resp = post_form(client, DEADLINES, stage_form())
    assert resp.status_code == 302
    rule = CaseStageRule.query.filter_by(stage="persuasi", effective_from=today_local()).one()
    assert (rule.days, rule.calendar_days) == (5, False)
    assert audits(db, "case_stage_rule.create") == 1
    auth.logout()
    login_as(rm)
    form = client.get("/cases/new").get_data(as_text=True)
    assert 'name="due_on"' not in form and "Tenggat Persuasi dihitung otomatis" in form
    post_form(client, "/cases/new", {"account_id": second.id, "reason": "arrears"})
    new_case = services.open_case_of(second.id, "arrears")
    assert new_case.stage_due_on == working_calendar(LETTER).add_working_days(today_local(), 5)
    db.session.refresh(running)
    assert running.stage_due_on is None  # the running case keeps what it had


def test_a_calendar_day_rule_counts_calendar_days(db, client, admin):
    rm = UserFactory(role="rm")
    post_form(client, DEADLINES, stage_form(days="7", calendar_days="y"))
    case = services.open_case(AccountFactory(rm=rm), "arrears", rm)
    assert case.stage_due_on == today_local() + timedelta(days=7)


def test_an_empty_days_field_means_set_by_hand(db, client, admin):
    tomorrow = today_local() + timedelta(days=1)
    post_form(client, DEADLINES, stage_form(stage="teguran_1", effective_from=tomorrow, days=""))
    rule = CaseStageRule.query.filter_by(stage="teguran_1", effective_from=tomorrow).one()
    assert rule.days is None
    html = client.get(DEADLINES).get_data(as_text=True)
    assert "terjadwal" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days": "0"}, "Jumlah hari 1 sampai 365"),
        ({"days": "366"}, "Jumlah hari 1 sampai 365"),
        ({"days": "lima"}, "Isi bilangan bulat."),
        ({"stage": ""}, "Pilih tahap."),
        ({"stage": "selesai"}, "Pilih tahap."),
        ({"effective_from": ""}, "Isi tanggal yang valid."),
        ({"effective_from": "kemarin"}, "Isi tanggal yang valid."),
        ({"effective_from": "2020-01-01"}, "Aturan baru berlaku paling cepat hari ini"),
        ({"days": "", "calendar_days": "y"}, "Hari kalender hanya berlaku bila jumlah hari diisi."),
        ({"stage": "persuasi", "effective_from": "2013-01-01"}, "paling cepat hari ini"),
    ],
)
def test_bad_stage_rule_input_is_refused_next_to_the_field(db, client, admin, changes, message):
    before = count(db, CaseStageRule)
    resp = post_form(client, DEADLINES, stage_form(**changes))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html and "has-error" in html
    assert count(db, CaseStageRule) == before and audits(db, "case_stage_rule.create") == 0


def test_one_stage_rule_per_stage_and_date(db, client, admin):
    assert post_form(client, DEADLINES, stage_form()).status_code == 302
    resp = post_form(client, DEADLINES, stage_form(days="9"))
    assert resp.status_code == 400
    assert "Tahap ini sudah punya aturan yang berlaku mulai" in resp.get_data(as_text=True)
    # The same date for another stage is fine.
    assert post_form(client, DEADLINES, stage_form(stage="denda", days="20")).status_code == 302


def test_a_future_stage_rule_is_deleted_after_confirmation_one_in_force_is_not(db, client, admin):
    tomorrow = today_local() + timedelta(days=1)
    post_form(client, DEADLINES, stage_form(effective_from=tomorrow.isoformat()))
    future = CaseStageRule.query.filter_by(stage="persuasi", effective_from=tomorrow).one()
    future_id = future.id
    page = client.get(f"{DEADLINES}/{future_id}/delete").get_data(as_text=True)
    assert "Hapus aturan tenggat Persuasi mulai" in page
    assert post_form(client, f"{DEADLINES}/{future_id}/delete").status_code == 302
    assert db.session.get(CaseStageRule, future_id) is None
    assert audits(db, "case_stage_rule.delete") == 1
    seeded = CaseStageRule.query.filter_by(stage="persuasi").one()
    resp = post_form(client, f"{DEADLINES}/{seeded.id}/delete", follow_redirects=True)
    assert "Aturan yang sudah berlaku tidak dapat dihapus." in resp.get_data(as_text=True)
    assert CaseStageRule.query.filter_by(stage="persuasi").count() == 1


def test_the_last_rule_of_a_stage_is_never_deleted(db):
    db.session.execute(delete(CaseStageRule).where(CaseStageRule.stage == "skk"))
    only = CaseStageRule(stage="skk", effective_from=today_local() + timedelta(days=3), days=None)
    db.session.add(only)
    db.session.flush()
    assert deadlines.deletion_refused(only, today_local()) == (
        "Aturan terakhir suatu tahap tidak dapat dihapus."
    )


def test_every_bad_field_is_marked_at_once(db, client, admin):
    bad = arrears_form(effective_from="2099-01-15", due_day="40", months_after="9", fine_bp="x")
    html = post_form(client, ARREARS, bad).get_data(as_text=True)
    for message in (
        "Aturan berlaku mulai tanggal 1 suatu bulan.",
        "Tanggal jatuh tempo antara 1 dan 28.",
        "Jatuh tempo 0 sampai 3 bulan",
        "Isi bilangan bulat.",
    ):
        assert message in html
    assert html.count("Isi bilangan bulat.") == 1  # one message per bad number
    bad = stage_form(effective_from="2020-01-01", days="0")
    html = post_form(client, DEADLINES, bad).get_data(as_text=True)
    assert "paling cepat hari ini" in html and "Jumlah hari 1 sampai 365" in html
    assert count(db, ArrearsRule) == 1 and audits(db, "case_stage_rule.create") == 0


def test_the_denda_rule_is_effective_dated_admin_only_and_audited(db, client, auth, login_as):
    from crm.cases.denda import denda_rule
    from crm.cases.models import DendaRule

    login_as(UserFactory(role="supervisor"))
    assert client.get("/admin/denda-rules").status_code == 403
    auth.logout()
    login_as(UserFactory(role="admin"))
    resp = client.get("/admin/denda-rules")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page[page.find("<main") :][:1500]
    assert "0,1 %" in page and "PP 86/2013" in page and "30 hari" in page
    today = today_local()
    back = {"effective_from": (today - timedelta(days=1)).isoformat(), "rate_bp": "20"}
    back |= {"window_days": "20", "legal_basis": "uji"}
    resp = post_form(client, "/admin/denda-rules", back)
    assert resp.status_code == 400 and "paling cepat hari ini" in resp.get_data(as_text=True)
    bad = back | {"effective_from": today.isoformat(), "rate_bp": "0", "window_days": "91"}
    assert post_form(client, "/admin/denda-rules", bad).status_code == 400
    good = back | {"effective_from": (today + timedelta(days=7)).isoformat()}
    assert post_form(client, "/admin/denda-rules", good).status_code == 302
    assert denda_rule(today).rate_bp_per_month == 10  # the new one is not in force yet
    assert denda_rule(today + timedelta(days=7)).rate_bp_per_month == 20
    assert audits(db, "denda_rule.create") == 1
    future = DendaRule.query.filter_by(rate_bp_per_month=20).one()
    assert post_form(client, f"/admin/denda-rules/{future.id}/delete").status_code == 302
    assert audits(db, "denda_rule.delete") == 1 and DendaRule.query.count() == 1


def test_the_compliance_page_states_the_rule_in_force_not_a_fixed_text(db, client, login_as):
    """Review item 6: no '2%' or 'tanggal 15' written into the page: the rule in force."""
    today = today_local()
    db.session.add(
        ArrearsRule(
            effective_from=month_start(today), due_day=20, due_months_after=1, fine_bp_per_month=150
        )
    )
    db.session.flush()
    rules.forget_rules()
    account = AccountFactory()
    add_month(account, add_months(month_start(today), -3), 1_000_000)  # one owing month
    login_as(UserFactory(role="supervisor"))
    html = client.get(f"/accounts/{account.id}/compliance").get_data(as_text=True)
    assert "saat ini: tanggal 20" in html and "denda 1,5% per bulan" in html
