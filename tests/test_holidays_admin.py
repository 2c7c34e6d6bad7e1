"""/admin/holidays: list by year, add, edit, delete with confirmation, load the built-in
list; admins only; audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.audit import AuditLog
from crm.compliance.holidays_data import HOLIDAYS
from crm.compliance.models import Holiday
from tests.conftest import post_form
from tests.factories import UserFactory


def holiday(db, day=date(2026, 12, 25), name="Hari Raya Natal"):
    h = Holiday(day=day, name=name, kind="national")
    db.session.add(h)
    db.session.flush()
    return h


def audits(db, action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
    )


@pytest.mark.parametrize("role", ["rm", "supervisor", "partner"])
def test_only_admins_reach_the_holiday_calendar(client, login_as, role):
    login_as(UserFactory(role=role))
    assert client.get("/admin/holidays/").status_code == 403
    assert post_form(client, "/admin/holidays/seed").status_code == 403


def test_list_by_year_with_empty_state(db, client, login_as):
    holiday(db)
    holiday(db, date(2027, 1, 1), "Tahun Baru 2027 Masehi")
    login_as(UserFactory(role="admin"))
    html = client.get("/admin/holidays/?year=2026").get_data(as_text=True)
    assert "25 Desember 2026" in html and "Hari Raya Natal" in html and "Jumat" in html
    assert "Tahun Baru 2027" not in html
    empty = client.get("/admin/holidays/?year=2030").get_data(as_text=True)
    assert "Belum ada hari libur tercatat untuk 2030." in empty
    assert client.get("/admin/holidays/?year=abc").status_code == 200


def test_add_edit_and_delete_are_audited(db, client, login_as):
    login_as(UserFactory(role="admin"))
    resp = post_form(
        client,
        "/admin/holidays/new",
        {"day": "2026-12-31", "name": "Libur uji", "kind": "collective_leave"},
    )
    assert resp.status_code == 302
    h = db.session.scalar(select(Holiday).where(Holiday.day == date(2026, 12, 31)))
    assert (h.name, h.kind) == ("Libur uji", "collective_leave")
    post_form(
        client,
        f"/admin/holidays/{h.id}/edit",
        {"day": "2026-12-30", "name": "Libur uji diubah", "kind": "national"},
    )
    db.session.refresh(h)
    assert (h.day, h.name, h.kind) == (date(2026, 12, 30), "Libur uji diubah", "national")
    confirm_page = client.get(f"/admin/holidays/{h.id}/delete").get_data(as_text=True)
    assert "Hapus Libur uji diubah" in confirm_page
    holiday_id = h.id
    post_form(client, f"/admin/holidays/{holiday_id}/delete")
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 0
    assert [audits(db, a) for a in ("holiday.create", "holiday.update", "holiday.delete")] == [
        1,
        1,
        1,
    ]


def test_one_holiday_per_date_and_required_fields(db, client, login_as):
    holiday(db)
    login_as(UserFactory(role="admin"))
    clash = post_form(
        client, "/admin/holidays/new", {"day": "2026-12-25", "name": "Lain", "kind": "national"}
    )
    assert "Tanggal ini sudah tercatat sebagai Hari Raya Natal." in clash.get_data(as_text=True)
    blank = post_form(client, "/admin/holidays/new", {"day": "", "name": "", "kind": "national"})
    html = blank.get_data(as_text=True)
    assert "Isi tanggal yang valid." in html and "Wajib diisi." in html
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 1


def test_unknown_holiday_is_404(client, login_as):
    login_as(UserFactory(role="admin"))
    assert client.get("/admin/holidays/999999/edit").status_code == 404


def test_load_the_built_in_list_twice(db, client, login_as):
    login_as(UserFactory(role="admin"))
    page = client.get("/admin/holidays/").get_data(as_text=True)
    assert "Isi hari libur nasional 2026–2027" in page and "SKB 3 Menteri" in page
    first = post_form(client, "/admin/holidays/seed", follow_redirects=True)
    assert f"{len(HOLIDAYS)} hari libur bawaan ditambahkan." in first.get_data(as_text=True)
    again = post_form(client, "/admin/holidays/seed", follow_redirects=True)
    assert "Semua hari libur bawaan sudah ada." in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == len(HOLIDAYS)
    assert audits(db, "holiday.seed") == 1


def test_the_admin_sets_which_holiday_kinds_each_purpose_skips_and_it_is_audited(
    app, db, client, login_as
):
    from crm.compliance.calendar import LETTER, PAYMENT, working_calendar
    from crm.compliance.holiday_use import holiday_uses

    assert holiday_uses() == {
        ("payment", "national"): True,
        ("payment", "collective_leave"): False,
        ("letter", "national"): True,
        ("letter", "collective_leave"): True,
    }
    db.session.add(Holiday(day=date(2026, 2, 16), name="Cuti bersama", kind="collective_leave"))
    db.session.flush()
    login_as(UserFactory(role="admin"))
    page = client.get("/admin/holidays/?year=2026").get_data(as_text=True)
    assert "Hari libur yang dilewati" in page and "Jatuh tempo pembayaran iuran" in page
    form = {
        "payment__national": "y",
        "payment__collective_leave": "y",
        "letter__national": "y",
    }  # payment now skips cuti bersama too; letters no longer do
    resp = post_form(client, "/admin/holidays/use?year=2026", form)
    assert resp.status_code == 302
    with app.test_request_context():
        assert working_calendar(PAYMENT).next_working_day(date(2026, 2, 16)) == date(2026, 2, 17)
        assert working_calendar(LETTER).is_working_day(date(2026, 2, 16))
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "holiday_use.update")).one()
    assert row.after == {"payment__collective_leave": True, "letter__collective_leave": False}
    assert post_form(client, "/admin/holidays/use", form).status_code == 302  # unchanged
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "holiday_use.update")
        )
        == 1
    )


def test_only_admins_change_the_holiday_rules(db, client, login_as):
    login_as(UserFactory(role="supervisor"))
    assert post_form(client, "/admin/holidays/use", {"payment__national": "y"}).status_code == 403
