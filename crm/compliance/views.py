"""/compliance/import (supervisors, admins) and /accounts/<id>/compliance (every CRM role)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from crm.accounts.models import Account
from crm.auth.access import require_roles, roles_required
from crm.compliance import arrears, rules
from crm.compliance.arrears import STATES
from crm.compliance.imports import COMPLIANCE, IMPORT_ROLES
from crm.compliance.services import account_compliance, arrears_rules, today_local
from crm.extensions import db
from crm.imports import views as imports

bp = Blueprint("compliance", __name__)
bp.before_request(require_roles("admin", "supervisor", "rm"))


@bp.app_template_filter("month_year")
def month_year(value: date | None) -> str:
    """`Okt 2026`: a contribution month."""
    return format_date(value, "MMM yyyy") if value else "-"


@bp.app_template_filter("weekday")
def weekday(value: date | None) -> str:
    """`Senin`: the day of the week."""
    return format_date(value, "EEEE") if value else "-"


@bp.route("/compliance/import", methods=["GET", "POST"])
@roles_required(*IMPORT_ROLES)
def import_form():
    return imports.upload_page(COMPLIANCE.page_group)


@bp.post("/compliance/import/confirm")
@roles_required(*IMPORT_ROLES)
def confirm():
    return imports.confirm(COMPLIANCE.page_group)


@bp.get("/compliance/import/template.<fmt>")
@roles_required(*IMPORT_ROLES)
def template(fmt: str):
    """The header row and one example row; the XLSX also explains every column."""
    return imports.template_download(COMPLIANCE.page_group, fmt)


def _as_of(raw: str | None) -> tuple[date, bool]:
    """?as_of=YYYY-MM-DD, else today; False when the given value was not a date."""
    today = today_local()
    if not raw:
        return today, True
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, False
    return (day, True) if 2000 <= day.year <= 2100 else (today, False)


@bp.get("/accounts/<int:account_id>/compliance")
def account(account_id: int):
    """The account's contribution months: a 24-month grid and the arrears as of a date."""
    account = db.get_or_404(Account, account_id)
    as_of, valid = _as_of(request.args.get("as_of"))
    if not valid:
        flash(_("Tanggal tidak valid; ditampilkan per hari ini."), "error")
    data = account_compliance(account.id, as_of)
    today = today_local()
    rule = arrears.rule_for(arrears.month_start(today), arrears_rules())  # for this month
    return render_template(
        "compliance/account.html",
        account=account,
        data=data,
        states=STATES,
        today=today,
        rule=rule,
        fine_percent=rules.percent(rule.fine_bp_per_month),
    )
