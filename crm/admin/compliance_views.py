"""/admin/arrears-rules and /admin/case-deadlines: the effective-dated rules behind arrears
(deadline and fine per contribution month) and case stage deadlines. Admins only; a change
is a new rule from a date on (old months and running stages keep theirs), a rule that has
not started can be deleted after a confirmation, and everything is audited."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm import rules as rules_core
from crm.admin.compliance_forms import ArrearsRuleForm
from crm.auth.access import require_roles
from crm.cases import deadlines
from crm.cases.forms import StageRuleForm
from crm.cases.labels import case_label
from crm.cases.models import CaseStageRule
from crm.compliance import rules
from crm.compliance.arrears import add_months, month_start
from crm.compliance.models import ArrearsRule
from crm.compliance.services import today_local
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.i18n import long_date
from crm.services import ServiceError, refuse, show_error

bp = Blueprint("compliance_admin", __name__, url_prefix="/admin")
bp.before_request(require_roles("admin"))


# -- arrears rules ---------------------------------------------------------------------------


@bp.route("/arrears-rules", methods=["GET", "POST"])
def arrears_rules():
    today = today_local()
    form = ArrearsRuleForm()
    if request.method == "GET":
        _prefill(form, today)
    elif form.validate_on_submit():
        try:
            rule = rules.add_rule(
                form.effective_from.data,
                form.due_day.data,
                form.months_after.data,
                form.fine_bp.data,
                form.legal_basis.data,
                current_user,
                today,
            )
            month = format_date(rule.effective_from, "MMMM yyyy")
            flash(
                _(
                    "Aturan tunggakan disimpan: berlaku untuk iuran %(month)s dan sesudahnya.",
                    month=month,
                ),
                "success",
            )
            return redirect(url_for(".arrears_rules"))
        except ServiceError as exc:
            show_error(exc, form)
        except IntegrityError:  # the same start added at the same moment by someone else
            refuse(
                _("Sudah ada aturan yang berlaku mulai tanggal ini."), form, field="effective_from"
            )
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "admin/arrears_rules.html", form=form, rows=rules.rule_rows(today), percent=rules.percent
    )
    return page, status


def _prefill(form: ArrearsRuleForm, today) -> None:
    """Next month, with the figures of the rule in force (a change is usually one figure)."""
    current = next((r.rule for r in rules.rule_rows(today) if r.state == "current"), None)
    form.effective_from.data = add_months(month_start(today), 1)
    if current is not None:
        form.due_day.data = current.due_day
        form.months_after.data = current.due_months_after
        form.fine_bp.data = current.fine_bp_per_month
        form.legal_basis.data = current.legal_basis


@bp.route("/arrears-rules/<int:rule_id>/delete", methods=["GET", "POST"])
def delete_arrears_rule(rule_id: int):
    rule = db.get_or_404(ArrearsRule, rule_id)
    title = _("Hapus aturan tunggakan mulai %(day)s?", day=long_date(rule.effective_from))
    return _delete(rule, title, rules.deletion_refused, rules.delete_rule, ".arrears_rules")


def _delete(rule, title: str, refused_for, delete, back_endpoint: str):
    """The shared rule deletion page (crm.rules.delete_rule_page) for one of these rules."""
    today = today_local()
    return rules_core.delete_rule_page(
        title,
        refused_for(rule, today),
        lambda: delete(rule, current_user, today),
        url_for(back_endpoint),
        ConfirmForm(),
    )


# -- case stage deadlines --------------------------------------------------------------------


@bp.route("/case-deadlines", methods=["GET", "POST"])
def case_deadlines():
    today = today_local()
    form = StageRuleForm()
    if request.method == "GET":
        form.effective_from.data = today
    elif form.validate_on_submit():
        try:
            deadlines.add_stage_rule(
                form.stage.data,
                form.effective_from.data,
                form.days.data,
                form.calendar_days.data,
                current_user,
                today,
            )
            flash(
                _("Aturan tenggat disimpan. Tenggat kasus yang sudah berjalan tidak berubah."),
                "success",
            )
            return redirect(url_for(".case_deadlines"))
        except ServiceError as exc:
            show_error(exc, form)
        except IntegrityError:  # the same stage and date added at the same moment
            refuse(
                _("Sudah ada aturan yang berlaku mulai tanggal ini."), form, field="effective_from"
            )
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "admin/case_deadlines.html", form=form, table=deadlines.stage_table(today), today=today
    )
    return page, status


@bp.route("/case-deadlines/<int:rule_id>/delete", methods=["GET", "POST"])
def delete_case_deadline(rule_id: int):
    rule = db.get_or_404(CaseStageRule, rule_id)
    title = _(
        "Hapus aturan tenggat %(stage)s mulai %(day)s?",
        stage=case_label("stage", rule.stage),
        day=long_date(rule.effective_from),
    )
    return _delete(
        rule, title, deadlines.deletion_refused, deadlines.delete_stage_rule, ".case_deadlines"
    )


from crm.admin import denda_views  # noqa: E402,F401 - /admin/denda-rules routes
