"""/agreements/: the MoU/PKS register, one agreement, new/edit, status changes, renewal.

Every internal user sees every agreement; supervisors and admins edit all of them, an RM
those they are responsible for (crm.partners.access.can_edit). Documents, the cover
letter and monitoring routes live in agreement_doc_views and monitoring_views.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.auth.models import User
from crm.compliance.services import today_local
from crm.extensions import db
from crm.inputs import date_arg
from crm.offices import BranchOffice
from crm.partners import access, documents, monitoring, renewal, services
from crm.partners.agreement_queries import (
    EXPIRING_WINDOWS,
    STATUS_FILTERS,
    RegisterFilters,
    account_agreements,
    filter_choices,
    register_page,
)
from crm.partners.forms import AgreementForm, DocumentForm, StatusForm
from crm.partners.labels import STATUS_ACTIONS, STATUS_BADGES, agreement_label
from crm.partners.models import Agreement, AgreementBranch
from crm.services import ServiceError, show_error

bp = Blueprint("agreements", __name__, url_prefix="/agreements")
bp.before_request(require_roles("rm", "supervisor", "admin"))


@bp.url_value_preprocessor
def bound_body(endpoint, values) -> None:
    """Runs before CSRF reads the form: a body past AGREEMENT_MAX_REQUEST_BYTES is refused
    (413) before it is parsed; below that, an oversized file gets its message at the field."""
    request.max_content_length = current_app.config["AGREEMENT_MAX_REQUEST_BYTES"]


@bp.app_template_global("agreement_label")
def _agreement_label(group: str, value: str | None) -> str:
    return agreement_label(group, value)


@bp.app_template_global("agreement_badge")
def agreement_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "")


@bp.app_template_global("agreement_status")
def agreement_status(agreement: Agreement) -> str:
    return services.effective_status(agreement, today_local())


@bp.app_template_global("account_agreements")
def account_agreements_panel(account: Account) -> dict | None:
    """The account page's panel (templates/agreements/_account_panel.html); None for a
    company, which cannot sign an MoU."""
    if account.kind not in services.INSTITUTION_KINDS:
        return None
    panel = account_agreements(account)
    panel["can_create"] = access.can_create_for(current_user, account)
    return panel


def agreement_or_404(agreement_id: int) -> Agreement:
    agreement = db.session.get(
        Agreement,
        agreement_id,
        options=[
            joinedload(Agreement.account),
            joinedload(Agreement.rm),
            selectinload(Agreement.branches).joinedload(AgreementBranch.branch_office),
        ],
    )
    if agreement is None:
        abort(404)
    return agreement


def editable_or_403(agreement_id: int) -> Agreement:
    agreement = agreement_or_404(agreement_id)
    if not access.can_edit(current_user, agreement):
        abort(403)
    return agreement


@bp.get("/")
def index():
    filters = RegisterFilters.from_args(request.args)
    today = today_local()
    page = register_page(filters, today, request.args.get("after"), current_app.config["PAGE_SIZE"])
    return render_template(
        "agreements/index.html",
        page=page,
        filters=filters,
        today=today,
        statuses=STATUS_FILTERS,
        windows=EXPIRING_WINDOWS,
        choices=filter_choices(),
    )


# -- new, edit, renew -------------------------------------------------------------------------


def _account_choices(form: AgreementForm) -> None:
    stmt = select(Account.id, Account.name).where(Account.kind.in_(services.INSTITUTION_KINDS))
    if not access.is_supervisor(current_user):
        stmt = stmt.where(Account.rm_id == current_user.id)
    rows = db.session.execute(stmt.order_by(Account.name)).all()
    form.account_id.choices = [(0, _("Pilih institusi…")), *((r.id, r.name) for r in rows)]


def _rm_and_branch_choices(form: AgreementForm, agreement: Agreement | None = None) -> None:
    """Active RMs and branch offices; on the edit page also the branches the agreement
    already covers though deactivated since (services.check_branches keeps them)."""
    rms = db.session.execute(
        select(User.id, User.name).where(User.role == "rm", User.active).order_by(User.name)
    ).all()
    form.rm_id.choices = [(0, _("RM akun institusi")), *((r.id, r.name) for r in rms)]
    covered = sorted(b.branch_office_id for b in agreement.branches) if agreement else []
    usable = (
        or_(BranchOffice.active, BranchOffice.id.in_(covered)) if covered else BranchOffice.active
    )
    branches = db.session.execute(
        select(BranchOffice.id, BranchOffice.name, BranchOffice.active)
        .where(usable)
        .order_by(BranchOffice.region, BranchOffice.name)
    ).all()
    form.branch_ids.choices = [
        (b.id, b.name if b.active else _("%(name)s (nonaktif)", name=b.name)) for b in branches
    ]


def _data(form: AgreementForm) -> services.AgreementData:
    return services.AgreementData(
        title=form.title.data or "",
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
        account_id=form.account_id.data or None,
        scope=form.scope.data or "",
        our_number=form.our_number.data or "",
        partner_number=form.partner_number.data or "",
        signed_on=form.signed_on.data,
        rm_id=form.rm_id.data or None,
        internal_notes=form.internal_notes.data or "",
        branch_ids=list(form.branch_ids.data or []),
        outlive_ok=bool(form.outlive_ok.data),
    )


def _parent_from_args() -> Agreement | None:
    raw = (request.args.get("parent") or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        abort(404)
    return agreement_or_404(int(raw))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A new MoU, or with ?parent=<MoU id> a PKS under it."""
    parent = _parent_from_args()
    if parent is not None:
        if not access.can_edit(current_user, parent):
            abort(403)
        try:
            services.check_parent(parent)
        except ServiceError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".detail", agreement_id=parent.id))
    form = AgreementForm()
    _account_choices(form)
    _rm_and_branch_choices(form)
    if request.method == "GET":
        _prefill_new(form, parent)
        return _render_form(form, parent=parent)
    if not form.validate_on_submit():
        return _render_form(form, parent=parent, status=400)
    try:
        agreement = services.create_agreement(_data(form), current_user, parent)
    except PermissionError as exc:
        show_error(exc, form, field="account_id")
        return _render_form(form, parent=parent, status=403)
    except ServiceError as exc:
        show_error(exc, form, fallback="title")
        return _render_form(form, parent=parent, status=400)
    flash(_("Kerja sama disimpan sebagai draf."), "success")
    return redirect(url_for(".detail", agreement_id=agreement.id))


def _prefill_new(form: AgreementForm, parent: Agreement | None) -> None:
    if parent is not None:
        form.account_id.data = parent.account_id
        form.valid_from.data = max(parent.valid_from, today_local())
        form.valid_to.data = parent.valid_to
        form.branch_ids.data = [b.branch_office_id for b in parent.branches]
        form.rm_id.data = parent.rm_id or 0
        return
    raw = request.args.get("account", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        form.account_id.data = int(raw)


def _render_form(form, *, parent=None, agreement=None, renewal=False, status: int = 200):
    return (
        render_template(
            "agreements/form.html",
            form=form,
            parent=parent or (agreement.parent if agreement is not None else None),
            agreement=agreement,
            renewal=renewal,
            supervisor=access.is_supervisor(current_user),
        ),
        status,
    )


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
def edit(agreement_id: int):
    agreement = editable_or_403(agreement_id)
    if agreement.status in services.FINAL:
        flash(_("Kerja sama yang sudah diakhiri atau diperpanjang tidak diubah."), "error")
        return redirect(url_for(".detail", agreement_id=agreement.id))
    form = AgreementForm(obj=agreement if request.method == "GET" else None)
    if agreement.kind == "mou":  # the confirmation is about its PKS (services.check_children)
        form.outlive_ok.label.text = _("Saya mengerti ada PKS yang berakhir sesudah MoU ini.")
    _account_choices(form)
    _rm_and_branch_choices(form, agreement)
    if request.method == "GET":
        form.branch_ids.data = [b.branch_office_id for b in agreement.branches]
        form.rm_id.data = agreement.rm_id or 0
        return _render_form(form, agreement=agreement)
    if not form.validate_on_submit():
        return _render_form(form, agreement=agreement, status=400)
    try:
        services.update_agreement(agreement, _data(form), current_user)
    except ServiceError as exc:
        show_error(exc, form, fallback="title")
        return _render_form(form, agreement=agreement_or_404(agreement_id), status=400)
    flash(_("Perubahan kerja sama disimpan."), "success")
    return redirect(url_for(".detail", agreement_id=agreement.id))


@bp.route("/<int:agreement_id>/renew", methods=["GET", "POST"])
def renew(agreement_id: int):
    agreement = editable_or_403(agreement_id)
    if agreement.status not in services.RUNNING:
        flash(
            _("Hanya kerja sama yang sudah ditandatangani atau berjalan dapat diperpanjang."),
            "error",
        )
        return redirect(url_for(".detail", agreement_id=agreement.id))
    form = AgreementForm(
        data=renewal.renewal_defaults(agreement) if request.method == "GET" else None
    )
    _account_choices(form)
    _rm_and_branch_choices(form)
    if request.method == "POST" and form.validate_on_submit():
        try:
            new_agreement = renewal.renew_agreement(agreement, _data(form), current_user)
        except ServiceError as exc:
            show_error(exc, form, fallback="title")
            return _render_form(
                form, agreement=agreement_or_404(agreement_id), renewal=True, status=400
            )
        flash(
            _("Perpanjangan dibuat sebagai draf; kerja sama lama ditandai diperpanjang."), "success"
        )
        return redirect(url_for(".detail", agreement_id=new_agreement.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(form, agreement=agreement, renewal=True, status=status)


# -- one agreement, status -------------------------------------------------------------------------


@bp.get("/<int:agreement_id>")
def detail(agreement_id: int):
    return render_detail(agreement_or_404(agreement_id))


def status_choices(agreement: Agreement) -> list[tuple[str, str]]:
    return [(s, str(STATUS_ACTIONS[s])) for s in services.TRANSITIONS.get(agreement.status, ())]


def _matrix_params(today: date) -> tuple[str, date]:
    kind = "quarter" if request.args.get("period") == "quarter" else "month"
    # Any real date: build_matrix clamps it to the first reportable period, so paging back
    # past it (even to year 1) lands on the oldest page, not on today's.
    last = min(date_arg("before", earliest=date.min) or today, today)
    return kind, last


def detail_context(agreement: Agreement, **forms) -> dict:
    """Everything the agreement page shows, in a bounded number of queries."""
    today = today_local()
    kind, last = _matrix_params(today)
    doc_form = forms.pop("doc_form", None) or DocumentForm(prefix="doc", formdata=None)
    can_edit = access.can_edit(current_user, agreement)
    return {
        "agreement": agreement,
        "status": services.effective_status(agreement, today),
        "today": today,
        "can_edit": can_edit,
        "can_report": monitoring.can_report(current_user, agreement),
        # The matrix links only the cells of branches this user may report for.
        "reportable_ids": {b.id for b in monitoring.reportable_branches(current_user, agreement)},
        "children": agreement.children if agreement.kind == "mou" else [],
        "renewed_by": renewal.renewed_by(agreement),
        "outlives_parent": agreement.parent is not None
        and agreement.valid_to > agreement.parent.valid_to,
        "groups": documents.document_groups(agreement.id),
        "doc_form": doc_form,
        "max_mb": documents.max_upload_bytes() // 2**20,
        "matrix": monitoring.build_matrix(agreement, kind, last, today),
        "period_code": monitoring.period_code,
        "period_label": monitoring.period_label,
        "branches": monitoring.covered_branches(agreement),
        **forms,
    }


def render_detail(agreement: Agreement, status: int = 200, **forms):
    status_form = forms.pop("status_form", None) or StatusForm(prefix="status", formdata=None)
    status_form.to_status.choices = [("", _("Pilih…")), *status_choices(agreement)]
    return (
        render_template(
            "agreements/detail.html",
            **detail_context(agreement, status_form=status_form, **forms),
        ),
        status,
    )


@bp.post("/<int:agreement_id>/status")
def change_status(agreement_id: int):
    agreement = editable_or_403(agreement_id)
    form = StatusForm(prefix="status")
    form.to_status.choices = [("", ""), *status_choices(agreement)]
    if not form.validate_on_submit():
        return render_detail(agreement, 400, status_form=form)
    ending = services.open_children(agreement) if form.to_status.data == "terminated" else []
    try:
        services.change_status(
            agreement,
            form.to_status.data,
            current_user,
            reason=form.reason.data or "",
            signed_on=form.signed_on.data,
        )
    except ServiceError as exc:
        show_error(exc, form, fallback="to_status")
        return render_detail(agreement_or_404(agreement_id), 400, status_form=form)
    flash(
        _("Status kerja sama: %(status)s.", status=agreement_label("status", agreement.status)),
        "success",
    )
    if ending and agreement.kind == "mou":
        flash(_("%(n)d PKS di bawah MoU ini ikut diakhiri.", n=len(ending)), "info")
    return redirect(url_for(".detail", agreement_id=agreement.id))


from crm.partners import agreement_doc_views, monitoring_views  # noqa: E402,F401 - routes
