"""/admin/sponsorship-rates: the effective-dated package prices (the pattern of
/admin/arrears-rules). Admins only; a change is a new price from a future month on
(existing sponsorships keep the price they were created with), a price that has not
started can be deleted after a confirmation, and everything is audited."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from crm import rules
from crm.auth.access import require_roles
from crm.compliance.arrears import add_months, month_start
from crm.compliance.services import today_local
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.i18n import long_date
from crm.services import ServiceError, refuse, show_error
from crm.sponsorships import rates as rate_rules
from crm.sponsorships.forms import RateForm
from crm.sponsorships.labels import sponsorship_label
from crm.sponsorships.models import SponsorshipRate

bp = Blueprint("sponsorship_admin", __name__, url_prefix="/admin/sponsorship-rates")
bp.before_request(require_roles("admin"))


@bp.route("/", methods=["GET", "POST"])
def rates():
    today = today_local()
    form = RateForm()
    if request.method == "GET":
        form.effective_from.data = add_months(month_start(today), 1)
    elif form.validate_on_submit():
        try:
            rate = rate_rules.add_rate(
                form.package.data, form.price.data, form.effective_from.data, current_user, today
            )
            flash(
                _("Harga disimpan: berlaku mulai %(day)s.", day=long_date(rate.effective_from)),
                "success",
            )
            return redirect(url_for(".rates"))
        except ServiceError as exc:
            show_error(exc, form)
        except IntegrityError:  # the same start added at the same moment by someone else
            refuse(_("Sudah ada harga paket ini mulai tanggal itu."), form, field="effective_from")
    page = render_template(
        "admin/sponsorship_rates.html",
        form=form,
        rows=rate_rules.rate_rows(today),
        label=sponsorship_label,
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/<int:rate_id>/delete", methods=["GET", "POST"])
def delete(rate_id: int):
    rate = db.get_or_404(SponsorshipRate, rate_id)
    today = today_local()
    title = _(
        "Hapus harga %(package)s mulai %(day)s?",
        package=sponsorship_label("package", rate.package),
        day=long_date(rate.effective_from),
    )
    return rules.delete_rule_page(
        title,
        rate_rules.deletion_refused(rate, today),
        lambda: rate_rules.delete_rate(rate, current_user, today),
        url_for(".rates"),
        ConfirmForm(),
        text=_("Harga ini belum berlaku, jadi belum ada sponsorship yang memakainya."),
        done=_("Harga dihapus."),
    )
