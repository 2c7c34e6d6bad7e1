"""/supply-chain/: the roll-up of parents and one parent's vendor coverage.

/supply-chain/ lists the parents (accounts with vendors) with their coverage: supervisors
and admins see every parent and the total across them, an RM the parents of their
portfolio. /supply-chain/<parent_id> is one parent's figures, 12-month trend (inline SVG)
and vendor list. Sub-pages live below it: vendors/new, vendors/<id>/edit (and register,
status, delete), import, campaign (crm.supply_chain.vendor_views, import_views,
campaign_views, imported at the end of this module so their routes join this blueprint).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import format_decimal
from flask_login import current_user

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.compliance.services import today_local
from crm.extensions import db
from crm.pagination import keyset_page
from crm.supply_chain import campaign, coverage, queries
from crm.supply_chain.labels import STATUS_BADGES, sc_label
from crm.supply_chain.services import can_manage, can_view

bp = Blueprint("supply_chain", __name__, url_prefix="/supply-chain")
bp.before_request(require_roles("rm", "supervisor", "admin"))


@bp.app_template_filter("sc_count")
def sc_count(value) -> str:
    """`20.000`: a count with the locale's grouping."""
    return "-" if value is None else format_decimal(int(value))


@bp.app_template_filter("sc_share")
def sc_share(value: float | None) -> str:
    """`42,5%` (one decimal), or `-` when there is nothing to divide by."""
    if value is None:
        return "-"
    return format_decimal(round(value * 100, 1), format="#,##0.#") + "%"


@bp.app_template_global()
def supply_chain_panel(account: Account):
    """The account page's supply-chain card data (bounded: see queries.account_panel)."""
    if not getattr(current_user, "is_authenticated", False) or current_user.role == "partner":
        return None
    panel = queries.account_panel(account.id, today_local())
    panel.can_open = can_view(current_user, account)
    return panel


def parent_or_404(parent_id: int) -> Account:
    """The parent account, if the user may see its vendors (else 404 / 403)."""
    parent = db.session.get(Account, parent_id)
    if parent is None:
        abort(404)
    if not can_view(current_user, parent):
        abort(403)
    return parent


@bp.get("/")
def index():
    today = today_local()
    page = keyset_page(
        coverage.parents_query(current_user),
        [Account.name, Account.id],
        request.args.get("after"),
        current_app.config["PAGE_SIZE"],
    )
    figures = coverage.coverage_by_parent([p.id for p in page.items], today)
    return render_template(
        "supply_chain/index.html",
        page=page,
        figures=figures,
        total=coverage.total_coverage(current_user, today),
        empty=coverage.Coverage(),
    )


@bp.get("/<int:parent_id>")
def detail(parent_id: int):
    parent = parent_or_404(parent_id)
    today = today_local()
    filters = queries.VendorFilters.from_args(request.args)
    page = queries.vendor_page(
        parent.id, filters, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    current = coverage.parent_coverage(parent.id, today)
    manage = can_manage(current_user, parent)
    return render_template(
        "supply_chain/detail.html",
        parent=parent,
        cov=current,
        points=coverage.trend(parent.id, today, current),
        page=page,
        workers=queries.workers_of(page.items, today),
        filters=filters,
        args=filters.as_args(),
        statuses=queries.STATUS_FILTERS,
        badges=STATUS_BADGES,
        label=sc_label,
        can_manage=manage,
        # The campaign button only when someone is left to invite (one indexed seek).
        can_invite=manage and campaign.has_targets(parent.id),
    )


from crm.supply_chain import campaign_views, import_views, vendor_views  # noqa: E402, F401
