"""/admin/holidays: the national-holiday and cuti bersama calendar that working-day
deadlines skip. Admins only; every change is audited."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import extract, func, select

from crm.auth.access import require_roles
from crm.compliance import holiday_use, holidays_data, services
from crm.compliance.forms import HolidayForm
from crm.compliance.models import HOLIDAY_KINDS, Holiday
from crm.compliance.services import today_local
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.services import ServiceError, show_error

bp = Blueprint("holidays", __name__, url_prefix="/admin/holidays")
bp.before_request(require_roles("admin"))


def _year(raw: str | None) -> int:
    try:
        year = int(raw or "")
    except ValueError:
        return today_local().year
    return year if 2000 <= year <= 2100 else today_local().year


@bp.get("/")
def index():
    """One year's days (a few dozen rows: no paging needed), and the years that have any."""
    year = _year(request.args.get("year"))
    start, end = date(year, 1, 1), date(year, 12, 31)
    days = db.session.scalars(
        select(Holiday).where(Holiday.day.between(start, end)).order_by(Holiday.day)
    ).all()
    year_col = extract("year", Holiday.day)
    counted = db.session.execute(select(year_col, func.count()).group_by(year_col)).all()
    years = {int(y): n for y, n in counted}
    return render_template(
        "compliance/holidays.html",
        days=days,
        year=year,
        years=years,
        seed_form=ConfirmForm(),
        builtin_years=holidays_data.YEARS,
        use_form=holiday_use.use_form(),
        purposes=holiday_use.PURPOSE_LABELS,
        kinds=HOLIDAY_KINDS,
        field_name=holiday_use.field_name,
    )


@bp.post("/use")
def use():
    """Which kinds of holiday each purpose skips (payment due dates, letter deadlines)."""
    form = holiday_use.HolidayUseForm()
    if form.validate_on_submit():
        changed = holiday_use.set_holiday_uses(holiday_use.posted_uses(form), current_user)
        flash(
            _("Aturan hari kerja disimpan.") if changed else _("Tidak ada yang berubah."),
            "success" if changed else "info",
        )
    return redirect(url_for(".index", year=request.args.get("year") or today_local().year))


@bp.route("/new", methods=["GET", "POST"])
def create():
    return _form(None)


@bp.route("/<int:holiday_id>/edit", methods=["GET", "POST"])
def edit(holiday_id: int):
    return _form(db.get_or_404(Holiday, holiday_id))


def _form(holiday: Holiday | None):
    form = HolidayForm(obj=holiday)
    if form.validate_on_submit():
        try:
            saved = services.save_holiday(
                holiday, form.day.data, form.name.data, form.kind.data, current_user
            )
            flash(_("Hari libur disimpan."), "success")
            return redirect(url_for(".index", year=saved.day.year))
        except ServiceError as exc:
            show_error(exc, form)
    return render_template("compliance/holiday_form.html", form=form, holiday=holiday)


@bp.route("/<int:holiday_id>/delete", methods=["GET", "POST"])
def delete(holiday_id: int):
    holiday = db.get_or_404(Holiday, holiday_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        year = holiday.day.year
        services.delete_holiday(holiday, current_user)
        flash(_("Hari libur dihapus."), "success")
        return redirect(url_for(".index", year=year))
    return render_template("compliance/holiday_delete.html", holiday=holiday, form=form)


@bp.post("/seed")
def seed():
    """Load the built-in list; dates already in the calendar are left as they are."""
    form = ConfirmForm()
    if form.validate_on_submit():
        added = holidays_data.seed_holidays(current_user)
        flash(
            _("%(n)d hari libur bawaan ditambahkan. Periksa dengan SKB 3 Menteri.", n=added)
            if added
            else _("Semua hari libur bawaan sudah ada."),
            "success" if added else "info",
        )
    return redirect(url_for(".index", year=request.args.get("year") or holidays_data.YEARS[0]))
