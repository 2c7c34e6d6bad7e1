"""/meetings/quick (a contact logged in a few fields) and /meetings/feed, on the meetings bp."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.accounts.models import Account
from crm.extensions import db
from crm.inputs import int_arg, parse_int
from crm.meetings import feed, services
from crm.meetings.forms import QuickForm
from crm.meetings.views import bp, person_options, show_save_error
from crm.services import ServiceError

# -- quick log -----------------------------------------------------------------------------


def _quick_accounts(selected: Account | None) -> list[tuple[int, str]]:
    """The RM's portfolio (or just the account given), for the quick-log select."""
    options = []
    if current_user.role == "rm":
        rows = db.session.execute(
            select(Account.id, Account.name)
            .where(Account.rm_id == current_user.id, Account.status != "inactive")
            .order_by(Account.name, Account.id)
            .limit(1000)
        ).all()
        options = [(r.id, r.name) for r in rows]
    if selected is not None and selected.id not in {i for i, _n in options}:
        options.insert(0, (selected.id, selected.name))
    return options


@bp.route("/quick", methods=["GET", "POST"])
def quick():
    raw = request.form.get("account_id", "")
    account_id = parse_int(raw) or int_arg("account")
    account = db.session.get(Account, account_id) if account_id else None
    form = QuickForm()
    form.account_id.choices = [(0, _("— pilih akun —")), *_quick_accounts(account)]
    people = person_options(account.id) if account else []
    form.person_id.choices = [(0, _("— pilih key person —")), *people]
    if request.method == "GET" and account:
        form.account_id.data = account.id
    if form.validate_on_submit() and account is not None:
        if not services.can_log(current_user, account):
            abort(403)
        if not form.person_id.data or form.person_id.data not in {i for i, _n in people}:
            form.person_id.errors = [_("Pilih key person dari akun ini.")]
        else:
            try:
                interaction = services.quick_log(
                    account,
                    form.person_id.data,
                    form.minutes.data,
                    current_user,
                    kind=form.type.data,
                )
                flash(_("Interaksi dengan %(name)s dicatat.", name=account.name), "success")
                return redirect(url_for("accounts.detail", account_id=interaction.account_id))
            except ServiceError as exc:
                show_save_error(form, exc)
    return render_template("meetings/quick.html", form=form, account=account, people=people)


# -- the calendar feed --------------------------------------------------------------------


@bp.route("/feed", methods=["GET", "POST"])
def feed_settings():
    token = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            feed.revoke_feed_token(current_user)
            flash(_("URL kalender dicabut. Langganan lama berhenti diperbarui."), "success")
            return redirect(url_for("meetings.feed_settings"))
        token = feed.create_feed_token(current_user)
    url = url_for("calendar.feed_ics", token=token, _external=True) if token else None
    return render_template("meetings/feed.html", url=url, active=current_user.ics_token is not None)
