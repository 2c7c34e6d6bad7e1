"""/sponsorships/: the register of sponsorships and one sponsorship.

Every staff role sees the register and the pages (NIKs masked); the sponsor account's RM,
supervisors and admins manage them (the other routes answer 403 to anyone else). The
beneficiary pages, the import and the full-NIK view are in crm.sponsorships.beneficiary_views.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from crm.accounts.models import Account
from crm.accounts.services import search_name
from crm.auth.access import require_roles
from crm.auth.services import rm_choices
from crm.compliance.import_rows import parse_amount
from crm.compliance.services import today_local
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.inputs import contains_text
from crm.meetings.models import Task
from crm.offices import BranchOffice
from crm.pagination import keyset_page
from crm.services import ServiceError, refuse, show_error
from crm.sponsorships import queries, renewal, services
from crm.sponsorships.forms import PaymentForm, RenewForm, SponsorshipForm
from crm.sponsorships.labels import STATUS_BADGE, sponsorship_label
from crm.sponsorships.letters import REFRESHABLE, current_piagam, draft_piagam
from crm.sponsorships.models import (
    OPEN_STATUSES,
    Sponsorship,
    SponsorshipBeneficiary,
    SponsorshipPayment,
)
from crm.sponsorships.nik import mask_nik
from crm.sponsorships.rates import current_prices
from crm.sponsorships.status import SHOWN_STATUSES, shown_status

bp = Blueprint("sponsorships", __name__, url_prefix="/sponsorships")
bp.before_request(require_roles("rm", "supervisor", "admin"))
PER_PAGE = 50
BENEFICIARIES_PER_PAGE = 50


@bp.app_context_processor
def inject_helpers():
    return {
        "sponsorship_label": sponsorship_label,
        "sponsorship_badge": STATUS_BADGE,
        "mask_nik": mask_nik,
        "sponsorship_status": shown_status,
    }


@bp.app_template_global()
def sponsorship_panel(account) -> dict:
    """The account page's panel data (bounded: the latest few and the account's totals)."""
    data = queries.account_panel(account.id)
    data["can_manage"] = current_user.is_authenticated and services.can_manage(
        current_user, account
    )
    data["today"] = today_local()
    return data


def _id_cursor(values: list) -> list | None:
    value = values[0]
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
    return [value] if ok else None


def _branches() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(BranchOffice.id, BranchOffice.name).order_by(BranchOffice.name)
    )
    return [(r[0], r[1]) for r in rows]


@bp.get("/")
def index():
    today = today_local()
    filters = queries.RegisterFilters.from_args(request.args)
    stmt = queries.register_query(filters, today)
    page = keyset_page(
        stmt,
        [Sponsorship.id],
        request.args.get("after"),
        PER_PAGE,
        descending=True,
        parse=_id_cursor,
    )
    return render_template(
        "sponsorships/index.html",
        page=page,
        filters=filters,
        args=filters.as_args(),
        statuses=SHOWN_STATUSES,
        branches=_branches(),
        rms=rm_choices(),
        today=today,
    )


def _account_for_new() -> Account | None:
    raw = request.values.get("account", "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        abort(404)
    return db.get_or_404(Account, int(raw))


def _choose_account():
    """No account chosen yet: search the accounts the user may manage."""
    q = request.args.get("q", "").strip()[:100]
    stmt = select(Account).order_by(Account.name, Account.id).limit(20)
    if current_user.role == "rm":
        stmt = stmt.where(Account.rm_id == current_user.id)
    if q:
        stmt = stmt.where(contains_text(Account.search_name, search_name(q)))
    accounts = list(db.session.scalars(stmt))
    return render_template("sponsorships/choose_account.html", accounts=accounts, q=q)


def _terms(form) -> services.Terms:
    return services.Terms(
        scheme=form.scheme.data,
        package=form.package.data,
        months=form.months.data,
        start_month=form.start_month.data,
        notes=form.notes.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    account = _account_for_new()
    if account is None:
        return _choose_account()
    if not services.can_manage(current_user, account):
        abort(403)
    today = today_local()
    form = SponsorshipForm()
    if request.method == "GET":
        form.start_month.data = date(today.year, today.month, 1)
    elif form.validate_on_submit():
        try:
            sponsorship = services.create_sponsorship(account, _terms(form), current_user, today)
            flash(_("Sponsorship dibuat. Tambahkan penerima manfaatnya."), "success")
            return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
        except ServiceError as exc:
            show_error(exc, form)
    page = render_template(
        "sponsorships/form.html",
        form=form,
        account=account,
        sponsorship=None,
        prices=current_prices(today),
    )
    return page, 400 if request.method == "POST" else 200


def _sponsorship(sponsorship_id: int) -> Sponsorship:
    return db.session.scalar(
        select(Sponsorship)
        .options(joinedload(Sponsorship.account))
        .where(Sponsorship.id == sponsorship_id)
    ) or abort(404)


def _managed(sponsorship_id: int) -> Sponsorship:
    sponsorship = _sponsorship(sponsorship_id)
    if not services.can_manage(current_user, sponsorship.account):
        abort(403)
    return sponsorship


def _beneficiary_cursor(values: list) -> list | None:
    name, ident = values
    ok = isinstance(name, str) and isinstance(ident, int) and not isinstance(ident, bool)
    return [name, ident] if ok and 0 < ident < 2**63 else None


@bp.get("/<int:sponsorship_id>")
def detail(sponsorship_id: int):
    sponsorship = _sponsorship(sponsorship_id)
    today = today_local()
    b = SponsorshipBeneficiary
    page = keyset_page(
        select(b).where(b.sponsorship_id == sponsorship.id),
        [b.name, b.id],
        request.args.get("after"),
        BENEFICIARIES_PER_PAGE,
        parse=_beneficiary_cursor,
    )
    payments = list(
        db.session.scalars(
            select(SponsorshipPayment)
            .options(joinedload(SponsorshipPayment.created_by))
            .where(SponsorshipPayment.sponsorship_id == sponsorship.id)
            .order_by(SponsorshipPayment.paid_on.desc(), SponsorshipPayment.id.desc())
            .limit(100)
        )
    )
    successor = renewal.successor(sponsorship)
    return render_template(
        "sponsorships/detail.html",
        s=sponsorship,
        page=page,
        payments=payments,
        status=shown_status(sponsorship, today),
        can_manage=services.can_manage(current_user, sponsorship.account),
        is_open=services.is_open(sponsorship, today),
        takes_payments=services.takes_payments(sponsorship),
        successor=successor,
        predecessor=db.session.get(Sponsorship, sponsorship.renewed_from_id)
        if sponsorship.renewed_from_id
        else None,
        renewal_task=db.session.get(Task, sponsorship.renewal_task_id)
        if sponsorship.renewal_task_id
        else None,
        piagam=current_piagam(sponsorship),
        renew_refused=renewal.renewal_refused(sponsorship, successor),
        confirm=ConfirmForm(),
    )


@bp.route("/<int:sponsorship_id>/edit", methods=["GET", "POST"])
def edit(sponsorship_id: int):
    sponsorship = _managed(sponsorship_id)
    today = today_local()
    if sponsorship.status not in OPEN_STATUSES:
        flash(_("Sponsorship yang diperpanjang atau dibatalkan tidak diubah."), "error")
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    form = SponsorshipForm(obj=sponsorship)
    if form.validate_on_submit():
        try:
            services.update_sponsorship(sponsorship, _terms(form), current_user, today)
            flash(_("Sponsorship disimpan."), "success")
            return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
        except ServiceError as exc:
            show_error(exc, form)
    page = render_template(
        "sponsorships/form.html",
        form=form,
        account=sponsorship.account,
        sponsorship=sponsorship,
        prices=current_prices(today),
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/<int:sponsorship_id>/cancel", methods=["GET", "POST"])
def cancel(sponsorship_id: int):
    sponsorship = _managed(sponsorship_id)
    form = ConfirmForm()
    back = url_for(".detail", sponsorship_id=sponsorship.id)
    if form.validate_on_submit():
        try:
            services.cancel_sponsorship(sponsorship, current_user)
            flash(_("Sponsorship dibatalkan."), "success")
        except ServiceError as exc:
            show_error(exc)
        return redirect(back)
    return render_template(
        "sponsorships/confirm.html",
        form=form,
        back=back,
        title=_("Batalkan sponsorship %(name)s?", name=sponsorship.account.name),
        text=_(
            "Janji sponsorship yang belum dibayar ditandai dibatalkan; penerima manfaatnya "
            "bebas disponsori pihak lain."
        ),
    )


@bp.route("/<int:sponsorship_id>/payments", methods=["GET", "POST"])
def payments(sponsorship_id: int):
    sponsorship = _managed(sponsorship_id)
    today = today_local()
    form = PaymentForm()
    if request.method == "GET":
        form.paid_on.data = today
        form.amount.data = str(sponsorship.outstanding or "")
    elif form.validate_on_submit():
        try:
            amount = parse_amount(form.amount.data)
        except ValueError:
            form.amount.errors = [_("Isi angka rupiah utuh, mis. 2016000 atau 2.016.000.")]
        else:
            try:
                services.record_payment(
                    sponsorship, form.paid_on.data, amount, form.reference.data, current_user, today
                )
                flash(_("Pembayaran dicatat."), "success")
                return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
            except ServiceError as exc:
                show_error(exc, form)
    page = render_template("sponsorships/payment.html", form=form, s=sponsorship)
    return page, 400 if request.method == "POST" else 200


@bp.route("/<int:sponsorship_id>/renew", methods=["GET", "POST"])
def renew(sponsorship_id: int):
    sponsorship = _managed(sponsorship_id)
    today = today_local()
    refused = renewal.renewal_refused(sponsorship)
    if refused:
        flash(refused, "error")
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    form = RenewForm()
    if request.method == "GET":
        defaults = renewal.default_renewal_terms(sponsorship)
        form.package.data, form.months.data = defaults.package, defaults.months
        form.start_month.data = defaults.start_month
    elif form.validate_on_submit():
        terms = services.Terms(
            sponsorship.scheme,
            form.package.data,
            form.months.data,
            form.start_month.data,
            sponsorship.notes,
        )
        try:
            renewed = renewal.renew_sponsorship(sponsorship, terms, current_user, today)
            flash(
                _(
                    "Sponsorship diperpanjang dengan %(n)d penerima manfaat.",
                    n=renewed.beneficiary_count,
                ),
                "success",
            )
            return redirect(url_for(".detail", sponsorship_id=renewed.id))
        except ServiceError as exc:
            show_error(exc, form)
        except IntegrityError:  # renewed at the same moment by someone else (one successor)
            refuse(_("Sponsorship ini sudah diperpanjang."))
            return redirect(url_for(".detail", sponsorship_id=sponsorship_id))
    page = render_template(
        "sponsorships/renew.html", form=form, s=sponsorship, prices=current_prices(today)
    )
    return page, 400 if request.method == "POST" else 200


@bp.post("/<int:sponsorship_id>/piagam")
def piagam(sponsorship_id: int):
    sponsorship = _managed(sponsorship_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        letter, new = draft_piagam(sponsorship, current_user, today_local())
    except ServiceError as exc:
        show_error(exc)
        return redirect(url_for(".detail", sponsorship_id=sponsorship.id))
    if new:
        flash(_("Draf piagam dibuat; periksa lalu ajukan untuk persetujuan."), "success")
    elif letter.status in REFRESHABLE:
        flash(_("Jumlah pekerja dan pembayaran di draf piagam diperbarui."), "success")
    return redirect(url_for("letters.detail", letter_id=letter.id))


from crm.sponsorships import beneficiary_views, totals_views  # noqa: E402, F401 - routes on bp
