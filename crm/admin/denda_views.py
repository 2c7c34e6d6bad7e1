"""/admin/denda-rules: the Denda sanction's rate and window as effective-dated rules (the
same page pattern as the arrears rules and the stage deadlines). Admins only; audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from crm import rules as rules_core
from crm.admin.compliance_views import bp
from crm.cases import denda
from crm.cases.models import DendaRule
from crm.compliance.services import today_local
from crm.extensions import db
from crm.forms_common import ConfirmForm, DayField, WholeNumberField
from crm.i18n import long_date
from crm.services import ServiceError, refuse, show_error


class DendaRuleForm(FlaskForm):
    effective_from = DayField(_l("Berlaku mulai"), validators=[Optional()])
    rate_bp = WholeNumberField(
        _l("Tarif (basis poin per bulan; 10 = 0,1 %)"), validators=[Optional()]
    )
    window_days = WholeNumberField(_l("Masa Denda (hari kalender)"), validators=[Optional()])
    legal_basis = StringField(_l("Dasar hukum"), validators=[Length(max=200)])
    submit = SubmitField(_l("Simpan aturan"))


@bp.route("/denda-rules", methods=["GET", "POST"])
def denda_rules():
    today = today_local()
    form = DendaRuleForm()
    if request.method == "GET":
        current = denda.denda_rule(today)
        form.effective_from.data = today
        form.rate_bp.data, form.window_days.data = current.rate_bp_per_month, current.window_days
        form.legal_basis.data = current.legal_basis
    elif form.validate_on_submit():
        try:
            denda.add_denda_rule(
                form.effective_from.data,
                form.rate_bp.data,
                form.window_days.data,
                form.legal_basis.data,
                current_user,
                today,
            )
            flash(
                _("Aturan Denda disimpan: kasus yang masuk Denda sejak tanggal itu memakainya."),
                "success",
            )
            return redirect(url_for(".denda_rules"))
        except ServiceError as exc:
            show_error(exc, form)
        except IntegrityError:  # the same start added at the same moment by someone else
            refuse(
                _("Sudah ada aturan yang berlaku mulai tanggal ini."),
                form,
                fallback="effective_from",
            )
    page = render_template(
        "admin/denda_rules.html", form=form, rows=denda.rule_rows(today), rate=denda.rate_text
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/denda-rules/<int:rule_id>/delete", methods=["GET", "POST"])
def delete_denda_rule(rule_id: int):
    rule = db.get_or_404(DendaRule, rule_id)
    today = today_local()
    return rules_core.delete_rule_page(
        _("Hapus aturan Denda mulai %(day)s?", day=long_date(rule.effective_from)),
        rules_core.deletion_refused(rule, today),
        lambda: denda.delete_denda_rule(rule, current_user, today),
        url_for(".denda_rules"),
        ConfirmForm(),
    )
