"""/supply-chain/<parent_id>/import: a parent's vendor list, through the import pipeline."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from crm.accounts.models import Account
from crm.imports import views as imports
from crm.supply_chain.imports import VENDORS
from crm.supply_chain.services import can_manage
from crm.supply_chain.views import bp, parent_or_404


def _managed_parent(parent_id: int) -> Account:
    parent = parent_or_404(parent_id)
    if not can_manage(current_user, parent):
        abort(403)
    return parent


@bp.route("/<int:parent_id>/import", methods=["GET", "POST"])
def import_form(parent_id: int):
    return imports.upload_page(VENDORS.page_group, _managed_parent(parent_id))


@bp.post("/<int:parent_id>/import/confirm")
def import_confirm(parent_id: int):
    return imports.confirm(VENDORS.page_group, _managed_parent(parent_id))


@bp.get("/<int:parent_id>/import/template.<fmt>")
def import_template(parent_id: int, fmt: str):
    """The header row and one example row; the XLSX also explains every column."""
    _managed_parent(parent_id)
    return imports.template_download(VENDORS.page_group, fmt)
