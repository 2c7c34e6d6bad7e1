"""/accounts/: the list (portfolio), create, edit, the 360° page and portfolio moves."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts import forms, overview, people, services
from crm.accounts.forms import AccountForm, ReassignForm
from crm.accounts.identifiers import format_npwp, normalize_npp
from crm.accounts.models import SECTORS, Account
from crm.auth.access import require_roles
from crm.auth.models import User
from crm.extensions import db
from crm.inputs import int_arg
from crm.offices import BranchOffice
from crm.pagination import keyset_page
from crm.services import ServiceError, discard_changes, show_error

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
bp.before_request(require_roles("admin", "supervisor", "rm"))
PER_PAGE = 50
# Counting every match of a broad filter costs a scan of up to the whole table; beyond this
# many the list says "10.000+" (keyset pages do not need the total).
COUNT_CAP = 10_000


@bp.app_template_filter("npwp")
def npwp_filter(value: str | None) -> str:
    return format_npwp(value)


def list_filters() -> tuple[services.AccountFilters, str]:
    """Filters from the query string; an RM sees their own portfolio unless they ask for all."""
    rm_arg = request.args.get("rm", "")
    rm_id = int_arg("rm")
    if rm_arg == "" and current_user.role == "rm":
        rm_id, rm_arg = current_user.id, str(current_user.id)
    return services.AccountFilters(
        q=request.args.get("q", "")[:200],
        rm_id=rm_id,
        branch_office_id=int_arg("branch"),
        kind=request.args.get("kind", ""),
        segment=request.args.get("segment", ""),
        ownership=request.args.get("ownership", ""),
        status=request.args.get("status", ""),
        gap=request.args.get("gap") == "1",
        cadence=request.args.get("cadence", ""),
    ), rm_arg


def rm_options() -> list[tuple[int, str]]:
    # Plain tuples: WTForms ignores Row objects as choices.
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.role == "rm", User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [(r.id, r.name) for r in rows]


def branch_options() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(BranchOffice.id, BranchOffice.code, BranchOffice.name).order_by(BranchOffice.code)
    ).all()
    return [(b.id, f"{b.code} · {b.name}") for b in rows]


@bp.get("/")
def index():
    filters, rm_arg = list_filters()
    sort = request.args.get("sort", "name")
    stmt = services.account_query(filters).options(
        joinedload(Account.rm), joinedload(Account.branch_office)
    )
    cursor = request.args.get("after")
    if sort == "new":
        page = keyset_page(stmt, [Account.id], cursor, PER_PAGE, descending=True)
    else:
        sort = "-name" if sort == "-name" else "name"
        page = keyset_page(
            stmt, [Account.name, Account.id], cursor, PER_PAGE, descending=sort == "-name"
        )
    if not page.has_prev and page.next_cursor is None:
        total = len(page.items)  # everything fits on page 1: no count query needed
    else:
        total = services.count_accounts(filters, COUNT_CAP)
    args = {k: v for k, v in request.args.items() if k != "after"}
    if current_user.role == "rm" and "rm" not in args:
        args["rm"] = rm_arg
    return render_template(
        "accounts/index.html",
        page=page,
        total=total,
        count_cap=COUNT_CAP,
        filters=filters,
        sort=sort,
        args=args,
        rm_arg=rm_arg,
        rms=rm_options(),
        branches=branch_options(),
    )


def _fill_choices(form: AccountForm) -> None:
    form.sector.choices = [("", _("— tidak diisi —"))] + [(s, s.capitalize()) for s in SECTORS]
    form.branch_office_id.choices = [(0, _("— tidak ada —")), *branch_options()]
    form.rm_id.choices = [(0, _("— belum ditugaskan —")), *rm_options()]


def _form_data(form: AccountForm) -> dict:
    data = {k: getattr(form, k).data for k in services.ACCOUNT_FIELDS if hasattr(form, k)}
    data["parent_id"] = None
    return data


def _resolve_parent(form: AccountForm, data: dict) -> bool:
    """Find the group parent by its NPP; False (with a field error) when it does not exist."""
    raw = (form.parent_npp.data or "").strip()
    if not raw:
        return True
    try:
        npp = normalize_npp(raw)
    except ValueError as exc:
        form.parent_npp.errors = [str(exc)]
        return False
    parent = db.session.scalar(select(Account).where(Account.npp == npp))
    if parent is None:
        form.parent_npp.errors = [_("Tidak ada akun dengan NPP ini.")]
        return False
    data["parent_id"] = parent.id
    return True


def _save(form: AccountForm, account: Account | None):
    """Validate and save; returns the account, or None with errors put on the form."""
    data = _form_data(form)
    if not _resolve_parent(form, data):
        return None, []
    try:
        saved = services.save_account(
            account, data, current_user, confirm_similar=bool(form.confirm_similar.data)
        )
        return saved, []
    except services.SimilarNames as similar:
        discard_changes()
        return None, similar.matches
    except ServiceError as exc:
        show_error(exc, form)
        return None, []


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = AccountForm()
    _fill_choices(form)
    if request.method == "GET":
        form.rm_id.data = current_user.id if current_user.role == "rm" else 0
    similar = []
    if form.validate_on_submit():
        account, similar = _save(form, None)
        if account is not None:
            flash(_("Akun %(name)s dibuat.", name=account.name), "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    return render_template("accounts/form.html", form=form, account=None, similar=similar)


def account_or_404(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    return account


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
def edit(account_id: int):
    account = account_or_404(account_id)
    if not services.can_edit(current_user, account):
        abort(403)
    form = AccountForm(obj=account)
    _fill_choices(form)
    if request.method == "GET":
        form.branch_office_id.data = account.branch_office_id or 0
        form.rm_id.data = account.rm_id or 0
        form.sector.data = account.sector or ""
        form.ownership.data = account.ownership or ""
        form.npwp.data = format_npwp(account.npwp)
        form.parent_npp.data = account.parent.npp if account.parent else ""
    if not services.can_reassign(current_user):
        form.rm_id.render_kw = {"disabled": True}
        if request.method == "POST":
            form.rm_id.data = account.rm_id or 0  # disabled fields are not posted
    similar = []
    if form.validate_on_submit():
        saved, similar = _save(form, account)
        if saved is not None:
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    return render_template("accounts/form.html", form=form, account=account, similar=similar)


@bp.get("/<int:account_id>")
def detail(account_id: int):
    account = overview.account_for_overview(account_id)
    if account is None:
        abort(404)
    context = overview.account_overview(account, current_user, request.args)
    return render_template("accounts/detail.html", **context)


@bp.get("/<int:account_id>/org-chart")
def org_chart(account_id: int):
    account = account_or_404(account_id)
    return render_template(
        "accounts/org_chart.html", account=account, roots=people.org_chart(account.id)
    )


@bp.get("/<int:account_id>/stakeholders")
def stakeholders(account_id: int):
    account = account_or_404(account_id)
    return render_template(
        "accounts/stakeholders.html", account=account, grid=people.stakeholder_grid(account.id)
    )


@bp.post("/<int:account_id>/gap/clear")
def clear_gap(account_id: int):
    account = account_or_404(account_id)
    if not services.can_edit(current_user, account):
        abort(403)
    services.clear_key_person_gap(account, current_user)
    flash(_("Tanda kekosongan key person dihapus."), "success")
    return redirect(url_for("accounts.detail", account_id=account.id))


@bp.route("/reassign", methods=["GET", "POST"])
def reassign():
    if not services.can_reassign(current_user):
        abort(403)
    form = ReassignForm()
    rms = rm_options()
    form.from_rm.choices = rms
    form.to_rm.choices = rms
    form.branch_office_id.choices = [(0, _("— semua kantor —")), *branch_options()]
    if form.validate_on_submit():
        source, target = (
            db.session.get(User, form.from_rm.data),
            db.session.get(User, form.to_rm.data),
        )
        if source is None or target is None:
            flash(_("Pilih RM asal dan tujuan."), "error")
        else:
            try:
                moved = services.reassign_portfolio(
                    source, target, current_user, form.branch_office_id.data or None
                )
                flash(
                    _(
                        "%(n)d akun dipindahkan dari %(a)s ke %(b)s.",
                        n=moved,
                        a=source.name,
                        b=target.name,
                    ),
                    "success",
                )
                return redirect(url_for("accounts.index", rm=target.id))
            except ServiceError as exc:
                show_error(exc)
    counts = services.portfolio_sizes()
    return render_template("accounts/reassign.html", form=form, counts=counts, rms=rms)


@bp.app_template_global("choice_label")
def choice_label(group: str, value: str | None) -> str:
    """The readable label of a stored choice (kind, segment, status, ownership, level, ...)."""
    choices = {
        "kind": forms.kind_choices,
        "segment": forms.segment_choices,
        "status": forms.status_choices,
        "ownership": forms.ownership_choices,
        "level": forms.level_choices,
        "stance": forms.stance_choices,
        "channel": forms.channel_choices,
    }[group]()
    return str(dict(choices).get(value or "", value or "-"))
