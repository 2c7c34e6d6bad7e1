"""/admin/: users, branch offices and the audit log. Admins only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from crm.accounts.models import Account
from crm.admin import services
from crm.admin.forms import AuditFilterForm, BranchForm, ResetPasswordForm, UserForm
from crm.audit import AuditLog
from crm.auth.access import require_roles
from crm.auth.models import ROLES, User
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.inputs import contains_text
from crm.jobs.services import create_job
from crm.meetings import cadence
from crm.meetings.forms import CadencePolicyForm, mode_choices
from crm.offices import BranchOffice
from crm.pagination import decode_cursor, keyset_page
from crm.services import ServiceError, show_error

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_roles("admin"))

AUDIT_FILTERS = ("actor", "action", "entity_type", "entity_id", "date_from", "date_to")


def _cursor(raw: str | None, *types: type) -> str | None:
    """raw if its values have the key columns' types, else None (page 1): a tampered cursor
    such as [null], ["abc"] for an id or an int past 64 bits would make the query fail."""
    values = decode_cursor(raw, len(types))
    if values is None:
        return None
    for value, kind in zip(values, types, strict=True):
        if type(value) is not kind or (kind is int and not 0 <= value < 2**63):
            return None
    return raw


def _fill_user_choices(form: UserForm) -> None:
    branches = db.session.execute(
        select(BranchOffice.id, BranchOffice.code, BranchOffice.name).order_by(BranchOffice.code)
    ).all()
    form.branch_office_id.choices = [(0, _("— tidak ada —"))] + [
        (b.id, f"{b.code} · {b.name}") for b in branches
    ]
    institutions = db.session.execute(
        select(Account.id, Account.name)
        .where(Account.segment == "institutional")
        .order_by(Account.name)
    ).all()
    form.account_id.choices = [(0, _("— tidak ada —"))] + [(a.id, a.name) for a in institutions]


@bp.get("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "branches": db.session.scalar(select(func.count()).select_from(BranchOffice)),
        "audit": db.session.scalar(select(func.count()).select_from(AuditLog)),
    }
    recent = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(10)).all()
    return render_template("admin/index.html", counts=counts, recent=recent)


@bp.get("/users/")
def users():
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    state = request.args.get("state") or ""
    stmt = select(User)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                contains_text(func.lower(User.email), needle),
                contains_text(func.lower(User.name), needle),
            )
        )
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if state in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(state == "active"))
    after = _cursor(request.args.get("after"), str, int)
    page = keyset_page(stmt, [User.email, User.id], after, 50)
    return render_template("admin/users.html", page=page, q=q, role=role, state=state, roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    _fill_user_choices(form)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("Isi kata sandi sementara.")]
        else:
            try:
                user = services.create_user(
                    email=form.email.data,
                    name=form.name.data,
                    role=form.role.data,
                    password=form.password.data,
                    branch_office_id=form.branch_office_id.data or None,
                    account_id=form.account_id.data or None,
                    actor=current_user,
                )
                flash(
                    _(
                        "Pengguna %(email)s dibuat. "
                        "Berikan kata sandi sementaranya secara langsung.",
                        email=user.email,
                    ),
                    "success",
                )
                return redirect(url_for("admin.users"))
            except ServiceError as exc:
                show_error(exc, form)
    return render_template("admin/user_form.html", form=form, user=None)


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    del form.password
    _fill_user_choices(form)
    if request.method == "GET":
        form.branch_office_id.data = user.branch_office_id or 0
        form.account_id.data = user.account_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                branch_office_id=form.branch_office_id.data or None,
                account_id=form.account_id.data or None,
                actor=current_user,
            )
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("admin.users"))
        except ServiceError as exc:
            show_error(exc, form)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        reset_form=ResetPasswordForm(),
        confirm_form=ConfirmForm(),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def user_deactivate(user_id: int):
    return _toggle_active(_user_or_404(user_id), active=False)


@bp.route("/users/<int:user_id>/activate", methods=["GET", "POST"])
def user_activate(user_id: int):
    return _toggle_active(_user_or_404(user_id), active=True)


def _toggle_active(user: User, active: bool):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.set_user_active(user, active, current_user)
            flash(
                _("%(email)s diaktifkan.", email=user.email)
                if active
                else _("%(email)s dinonaktifkan; semua sesinya berakhir.", email=user.email),
                "success",
            )
        except ServiceError as exc:
            show_error(exc)
        return redirect(url_for("admin.users"))
    return render_template("admin/user_confirm.html", user=user, form=form, active=active)


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data, current_user)
        flash(
            _(
                "Kata sandi %(email)s diatur ulang; pengguna wajib menggantinya saat masuk.",
                email=user.email,
            ),
            "success",
        )
        return redirect(url_for("admin.user_edit", user_id=user.id))
    edit_form = UserForm(obj=user)
    del edit_form.password
    _fill_user_choices(edit_form)
    return render_template(
        "admin/user_form.html",
        form=edit_form,
        user=user,
        reset_form=form,
        confirm_form=ConfirmForm(),
    ), 400


@bp.get("/branches/")
def branches():
    q = (request.args.get("q") or "").strip()
    stmt = select(BranchOffice)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                contains_text(func.lower(BranchOffice.name), needle),
                contains_text(func.lower(BranchOffice.code), needle),
                contains_text(func.lower(BranchOffice.region), needle),
            )
        )
    after = _cursor(request.args.get("after"), str, int)
    page = keyset_page(stmt, [BranchOffice.code, BranchOffice.id], after, 50)
    return render_template("admin/branches.html", page=page, q=q)


@bp.route("/branches/new", methods=["GET", "POST"])
def branch_new():
    return _branch_form(None)


@bp.route("/branches/<int:branch_id>/edit", methods=["GET", "POST"])
def branch_edit(branch_id: int):
    branch = db.session.get(BranchOffice, branch_id)
    if branch is None:
        abort(404)
    return _branch_form(branch)


def _branch_form(branch: BranchOffice | None):
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        try:
            services.save_branch(
                branch,
                code=form.code.data,
                name=form.name.data,
                region=form.region.data,
                address=form.address.data,
                active=form.active.data,
                actor=current_user,
            )
            flash(_("Kantor cabang disimpan."), "success")
            return redirect(url_for("admin.branches"))
        except ServiceError as exc:
            show_error(exc, form)
    return render_template("admin/branch_form.html", form=form, branch=branch)


def _audit_filters(form: AuditFilterForm) -> dict:
    return {name: form[name].data for name in AUDIT_FILTERS}


@bp.get("/audit/")
def audit():
    form = AuditFilterForm(request.args)
    filters = _audit_filters(form) if form.validate() else {}
    page = keyset_page(
        services.audit_query(**filters),
        [AuditLog.id],
        _cursor(request.args.get("after"), int),
        50,
        descending=True,
    )
    # Only the filters go back into url_for: `_method`, `_scheme`... are url_for's own options.
    args = {k: v for k, v in request.args.items() if k in AUDIT_FILTERS}
    return render_template("admin/audit.html", form=form, page=page, args=args)


@bp.post("/audit/export")
def audit_export():
    form = AuditFilterForm(request.form)
    if not form.validate():
        flash(_("Filter tidak valid."), "error")
        return redirect(url_for("admin.audit"))
    filters = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in _audit_filters(form).items()
        if v
    }
    job = create_job("audit.export", owner=current_user, params={"filters": filters})
    flash(_("Ekspor log audit berjalan di latar belakang."), "info")
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/cadence", methods=["GET", "POST"])
def cadence_policy():
    """The meeting-cadence rule per segment (monthly with BOD-1, or every N days)."""
    current = cadence.policies()
    form = CadencePolicyForm()
    for segment in ("corporate", "institutional"):
        form[f"{segment}_mode"].choices = mode_choices()
        if request.method == "GET":
            form[f"{segment}_mode"].data = current[segment].mode
            form[f"{segment}_days"].data = current[segment].days
    if form.validate_on_submit():
        try:
            for segment in ("corporate", "institutional"):
                cadence.save_policy(
                    segment,
                    form[f"{segment}_mode"].data,
                    form[f"{segment}_days"].data,
                    current_user,
                )
            flash(_("Kebijakan kadens disimpan."), "success")
            return redirect(url_for("admin.cadence_policy"))
        except ServiceError as exc:
            show_error(exc, form)
    return render_template("admin/cadence.html", form=form)
