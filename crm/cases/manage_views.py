"""/cases/new (open a case by hand, for any reason, including a company that registered
late or not at all, which the suggestion job never finds), /cases/<id>/notes (a note on
a case, also on a closed one), /cases/<id>/due (the current stage's deadline set by hand)
and /cases/<id>/supervisor (the responsible supervisor). Routes on the cases blueprint of
crm.cases.views."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError

from crm.accounts.models import Account
from crm.accounts.services import can_edit
from crm.auth.models import User
from crm.cases import access, manage, notes, services
from crm.cases.clock import due_date, has_default_days
from crm.cases.forms import DueForm, NewCaseForm, NoteForm, SupervisorForm
from crm.cases.manage import find_account
from crm.cases.models import STAGES
from crm.cases.views import _case_or_403, _render_detail, bp
from crm.compliance.services import today_local
from crm.extensions import db
from crm.services import ServiceError, refuse, show_error

DUE_MAX_DAYS = services.DUE_MAX_DAYS


@bp.post("/<int:case_id>/notes")
def add_note(case_id: int):
    case = _case_or_403(case_id)
    if not access.can_act(current_user, case):
        abort(403)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _render_detail(case, 400, note_form=form)
    try:
        notes.add_note(case, form.text.data, current_user)
    except ServiceError as exc:
        show_error(exc, form, field="text")
        return _render_detail(case, 400, note_form=form)
    flash(_("Catatan ditambahkan."), "success")
    return redirect(url_for(".detail", case_id=case.id, _anchor="riwayat"))


@bp.post("/<int:case_id>/due")
def set_due(case_id: int):
    """Set or change the current stage's deadline: the RM at Persuasi, a supervisor any."""
    case = _case_or_403(case_id)
    if not manage.may_set_due(current_user, case):
        abort(403)
    form = DueForm(prefix="due")
    if not form.validate_on_submit():
        return _render_detail(case, 400, due_form=form)
    try:
        manage.set_stage_due(case, form.due_on.data, current_user, form.reason.data)
    except ServiceError as exc:
        show_error(exc, form, fallback="due_on")
        return _render_detail(_case_or_403(case_id), 400, due_form=form)
    flash(_("Tenggat tahap disimpan."), "success")
    return redirect(url_for(".detail", case_id=case.id))


@bp.post("/<int:case_id>/supervisor")
def set_supervisor(case_id: int):
    """Change the supervisor responsible for the case (supervisors and admins)."""
    case = _case_or_403(case_id)
    if not access.is_supervisor(current_user) or not access.can_act(current_user, case):
        abort(403)
    form = SupervisorForm(prefix="supervisor")
    form.supervisor_id.choices = [(u.id, u.name) for u in manage.supervisor_choices()]
    if not form.validate_on_submit():
        return _render_detail(case, 400, supervisor_form=form)
    try:
        manage.set_case_supervisor(
            case, db.session.get(User, form.supervisor_id.data), current_user
        )
    except ServiceError as exc:
        show_error(exc, form, field="supervisor_id")
        return _render_detail(_case_or_403(case_id), 400, supervisor_form=form)
    flash(_("Supervisor penanggung jawab diganti."), "success")
    return redirect(url_for(".detail", case_id=case.id))


def _pinned_account(form: NewCaseForm) -> Account | None:
    """The account named by ?account=<id> (GET) or the form's hidden account_id (POST)."""
    raw = request.args.get("account", "") if request.method == "GET" else form.account_id.data
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > manage.MAX_ID_DIGITS:
        abort(404)
    return db.session.get(Account, int(raw)) or abort(404)


def _check_due(form: NewCaseForm, manual_due: bool, today: date) -> bool:
    """The Persuasi deadline, when it is set by hand: not in the past, within a year."""
    day = form.due_on.data
    if not manual_due or day is None:
        return True
    if day < today:
        form.due_on.errors = [*form.due_on.errors, _("Tenggat tidak boleh sebelum hari ini.")]
    elif day > today + timedelta(days=DUE_MAX_DAYS):
        form.due_on.errors = [
            *form.due_on.errors,
            _("Tenggat paling lambat satu tahun dari hari ini."),
        ]
    return not form.due_on.errors


def _resolve_account(form: NewCaseForm, pinned: Account | None) -> Account | None:
    if pinned is not None:
        return pinned
    try:
        return find_account(form.account.data)
    except ServiceError as exc:
        form.account.errors = [*form.account.errors, str(exc)]
        return None


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewCaseForm()
    pinned = _pinned_account(form)
    if pinned is not None and not can_edit(current_user, pinned):
        abort(403)
    today = today_local()
    manual_due = not has_default_days(STAGES[0], today)
    if request.method == "GET":
        if pinned is not None:
            form.account_id.data = str(pinned.id)
        return _render_new(form, pinned, manual_due, today)
    valid = form.validate_on_submit()
    valid = _check_due(form, manual_due, today) and valid
    account = _resolve_account(form, pinned)
    if account is not None and not can_edit(current_user, account):
        form.account.errors = [
            _(
                "Akun %(name)s bukan portofolio Anda; kasusnya dibuka oleh RM-nya.",
                name=account.name,
            )
        ]
        return _render_new(form, None, manual_due, today, 403)
    if not valid or account is None:
        return _render_new(form, pinned, manual_due, today, 400)
    return _open(form, account, pinned, manual_due, today)


def _open(form: NewCaseForm, account: Account, pinned, manual_due: bool, today: date):
    due_on = form.due_on.data if manual_due else None
    try:
        case = services.open_case(account, form.reason.data, current_user, form.note.data, due_on)
    except PermissionError:
        abort(403)
    except (ServiceError, IntegrityError) as exc:
        duplicate = not (isinstance(exc, ServiceError) and exc.field == "reason")
        message = _duplicate_message(account, form.reason.data) if duplicate else str(exc)
        refuse(message, form, field="reason")
        return _render_new(form, pinned, manual_due, today, 400)
    flash(_("Kasus dibuka untuk %(name)s.", name=account.name), "success")
    return redirect(url_for(".detail", case_id=case.id))


def _duplicate_message(account: Account, reason: str) -> Markup:
    message = escape(_("Akun ini sudah punya kasus terbuka dengan alasan yang sama."))
    existing = services.open_case_of(account.id, reason)
    if existing is None or not access.can_view(current_user, existing):
        return message
    link = Markup('<a href="{}">{}</a>').format(
        url_for(".detail", case_id=existing.id), _("Buka kasus #%(id)d", id=existing.id)
    )
    return Markup("{} {}").format(message, link)


def _render_new(form, pinned, manual_due: bool, today: date, status: int = 200):
    return (
        render_template(
            "cases/new.html",
            form=form,
            pinned=pinned,
            manual_due=manual_due,
            persuasi_due=None if manual_due else due_date(STAGES[0], today),
            today=today,
        ),
        status,
    )
