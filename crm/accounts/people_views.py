"""/people/<id> and position actions: add and edit people, move them, mark them as left."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts import people, services
from crm.accounts.forms import LeftForm, MovePositionForm, NewPersonForm, PersonForm, PositionForm
from crm.accounts.identifiers import normalize_npp
from crm.accounts.models import Account, KeyPerson, Position
from crm.accounts.views import account_or_404
from crm.auth.access import require_roles
from crm.extensions import db
from crm.services import ServiceError, show_error

bp = Blueprint("people", __name__)
bp.before_request(require_roles("admin", "supervisor", "rm"))

POSITION_KEYS = ("title", "level", "decision_maker", "reports_to_id", "start_date", "end_date")
PERSON_KEYS = ("name", "email", "phone", "preferred_channel", "notes", "influence", "stance")


def _boss_choices(form, account_id: int, exclude_id: int | None = None) -> None:
    options = [
        (p.id, f"{p.person.name} · {p.title}")
        for p in people.current_positions(account_id)
        if p.id != exclude_id
    ]
    form.reports_to_id.choices = [(0, _("— tidak ada —")), *options]


def _apply_error(form, exc: ServiceError) -> None:
    show_error(exc, form)


def _values(form, keys) -> dict:
    return {k: getattr(form, k).data for k in keys if hasattr(form, k)}


@bp.route("/accounts/<int:account_id>/people/new", methods=["GET", "POST"])
def create(account_id: int):
    account = account_or_404(account_id)
    if not services.can_edit(current_user, account):
        abort(403)
    form = NewPersonForm()
    _boss_choices(form, account.id)
    if request.method == "GET":
        form.start_date.data = date.today()
    if form.validate_on_submit():
        try:
            position = people.add_person(
                account, _values(form, PERSON_KEYS), _values(form, POSITION_KEYS), current_user
            )
            flash(_("%(name)s ditambahkan.", name=position.person.name), "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
        except ServiceError as exc:
            _apply_error(form, exc)
    return render_template("people/new.html", form=form, account=account)


def person_or_404(person_id: int) -> KeyPerson:
    return db.get_or_404(KeyPerson, person_id)


@bp.get("/people/<int:person_id>")
def detail(person_id: int):
    person = person_or_404(person_id)
    positions = list(
        db.session.scalars(
            select(Position)
            .options(
                joinedload(Position.account),
                joinedload(Position.reports_to).joinedload(Position.person),
                joinedload(Position.successor),
            )
            .where(Position.person_id == person.id)
            .order_by(Position.end_date.is_not(None), Position.start_date.desc())
        )
    )
    editable = any(services.can_edit(current_user, p.account) for p in positions)
    return render_template(
        "people/detail.html", person=person, positions=positions, editable=editable
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id: int):
    person = person_or_404(person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        try:
            people.update_person(person, _values(form, PERSON_KEYS), current_user)
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("people.detail", person_id=person.id))
        except ServiceError as exc:
            _apply_error(form, exc)
            if not exc.field:
                abort(403)
    return render_template("people/edit.html", form=form, person=person)


def _target_account(form: MovePositionForm) -> Account | None:
    if form.account_npp.data:
        try:
            npp = normalize_npp(form.account_npp.data)
        except ServiceError as exc:
            form.account_npp.errors = [str(exc)]
            return None
        account = db.session.scalar(select(Account).where(Account.npp == npp))
    elif form.account_id.data:
        account = db.session.get(Account, form.account_id.data)
    else:
        form.account_npp.errors = [_("Isi NPP atau ID akun tujuan.")]
        return None
    if account is None:
        form.account_npp.errors = [_("Akun tujuan tidak ditemukan.")]
    return account


@bp.route("/people/<int:person_id>/positions/new", methods=["GET", "POST"])
def add_position(person_id: int):
    """The person joins (another) account: same person, a new position."""
    person = person_or_404(person_id)
    form = MovePositionForm()
    form.reports_to_id.choices = [(0, _("— tidak ada —"))]
    if request.method == "GET":
        form.start_date.data = date.today()
    if form.validate_on_submit():
        account = _target_account(form)
        if account is not None:
            if not services.can_edit(current_user, account):
                abort(403)
            try:
                people.add_position(person, account, _values(form, POSITION_KEYS), current_user)
                flash(
                    _(
                        "%(name)s kini tercatat di %(account)s.",
                        name=person.name,
                        account=account.name,
                    ),
                    "success",
                )
                return redirect(url_for("people.detail", person_id=person.id))
            except ServiceError as exc:
                _apply_error(form, exc)
    return render_template("people/add_position.html", form=form, person=person)


def position_or_404(position_id: int) -> Position:
    return db.get_or_404(Position, position_id)


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
def edit_position(position_id: int):
    position = position_or_404(position_id)
    if not services.can_edit(current_user, position.account):
        abort(403)
    form = PositionForm(obj=position)
    _boss_choices(form, position.account_id, exclude_id=position.id)
    if request.method == "GET":
        form.reports_to_id.data = position.reports_to_id or 0
    if form.validate_on_submit():
        try:
            people.update_position(position, _values(form, POSITION_KEYS), current_user)
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("people.detail", person_id=position.person_id))
        except ServiceError as exc:
            _apply_error(form, exc)
    return render_template("people/position_form.html", form=form, position=position)


@bp.route("/positions/<int:position_id>/left", methods=["GET", "POST"])
def mark_left(position_id: int):
    """Key person left: end the position, flag the gap, task the RM."""
    position = position_or_404(position_id)
    if not services.can_edit(current_user, position.account):
        abort(403)
    form = LeftForm()
    others = [p for p in people.current_positions(position.account_id) if p.id != position.id]
    form.successor_id.choices = [(0, _("— belum ada —"))] + [
        (p.person_id, f"{p.person.name} · {p.title}") for p in others
    ]
    if request.method == "GET":
        form.end_date.data = date.today()
    if form.validate_on_submit():
        successor = (
            db.session.get(KeyPerson, form.successor_id.data) if form.successor_id.data else None
        )
        try:
            task = people.mark_left(
                position,
                end_date=form.end_date.data,
                note=form.note.data or "",
                successor=successor,
                actor=current_user,
            )
            flash(
                _(
                    "%(name)s ditandai keluar. Tugas dibuat untuk %(rm)s.",
                    name=position.person.name,
                    rm=task.assignee.name if task.assignee else "-",
                ),
                "success",
            )
            return redirect(url_for("accounts.detail", account_id=position.account_id))
        except ServiceError as exc:
            _apply_error(form, exc)
    return render_template("people/left.html", form=form, position=position)
