"""/supply-chain/<parent_id>/vendors/...: add a vendor, edit it (with its history), record
its registration (NPP), change its campaign status, remove it from the list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts.identifiers import format_npwp
from crm.extensions import db
from crm.services import ServiceError, show_error
from crm.supply_chain.forms import DeleteForm, RegisterForm, StatusForm, VendorForm
from crm.supply_chain.labels import STATUS_BADGES, sc_label
from crm.supply_chain.models import SupplyChainEvent, SupplyChainLink
from crm.supply_chain.services import (
    can_manage,
    create_vendor,
    delete_vendor,
    register_vendor,
    set_campaign_status,
    update_vendor,
)
from crm.supply_chain.views import bp, parent_or_404

HISTORY_LIMIT = 50


def _managed_parent(parent_id: int):
    parent = parent_or_404(parent_id)
    if not can_manage(current_user, parent):
        abort(403)
    return parent


def _link_or_404(parent_id: int, link_id: int) -> SupplyChainLink:
    parent = _managed_parent(parent_id)
    link = db.session.get(SupplyChainLink, link_id)
    if link is None or link.parent_id != parent.id:
        abort(404)
    return link


def _form_data(form: VendorForm) -> dict:
    return {name: getattr(form, name).data for name in form.data if name not in ("csrf_token",)}


def _stored_form(link: SupplyChainLink) -> VendorForm:
    """The vendor form filled from the stored link (NPWP formatted as people write it)."""
    form = VendorForm(formdata=None, obj=link)
    form.npwp.data = format_npwp(link.npwp)
    return form


@bp.route("/<int:parent_id>/vendors/new", methods=["GET", "POST"])
def vendor_new(parent_id: int):
    parent = _managed_parent(parent_id)
    form = VendorForm()
    if form.validate_on_submit():
        try:
            link = create_vendor(parent, _form_data(form), current_user, npp=form.npp.data)
        except ServiceError as exc:
            show_error(exc, form)
        else:
            flash(_("Vendor %(name)s ditambahkan.", name=link.name), "success")
            return redirect(url_for(".detail", parent_id=parent.id))
    status = 400 if form.errors else 200
    return render_template("supply_chain/vendor_form.html", parent=parent, form=form), status


def _edit_page(link: SupplyChainLink, form, register=None, status=None, code: int = 200):
    history = db.session.scalars(
        select(SupplyChainEvent)
        .where(SupplyChainEvent.link_id == link.id)
        .options(joinedload(SupplyChainEvent.actor))
        .order_by(SupplyChainEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return render_template(
        "supply_chain/vendor_edit.html",
        parent=link.parent,
        link=link,
        form=form,
        register=register or RegisterForm(formdata=None),
        status_form=status or StatusForm(formdata=None, status=link.campaign_status),
        delete=DeleteForm(formdata=None),
        history=history,
        label=sc_label,
        badges=STATUS_BADGES,
    ), code


@bp.route("/<int:parent_id>/vendors/<int:link_id>/edit", methods=["GET", "POST"])
def vendor_edit(parent_id: int, link_id: int):
    link = _link_or_404(parent_id, link_id)
    form = VendorForm(obj=link)  # a POST's form data wins over the stored values
    if not form.is_submitted():
        form.npwp.data = format_npwp(link.npwp)
    if form.validate_on_submit():
        try:
            update_vendor(link, _form_data(form), current_user)
        except ServiceError as exc:
            show_error(exc, form)
            link = _link_or_404(parent_id, link_id)
        else:
            flash(_("Vendor disimpan."), "success")
            return redirect(url_for(".vendor_edit", parent_id=parent_id, link_id=link.id))
    return _edit_page(link, form, code=400 if form.errors else 200)


@bp.post("/<int:parent_id>/vendors/<int:link_id>/register")
def vendor_register(parent_id: int, link_id: int):
    link = _link_or_404(parent_id, link_id)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            account = register_vendor(link, form.npp.data, current_user)
        except ServiceError as exc:
            show_error(exc, form, field="npp")
            link = _link_or_404(parent_id, link_id)
        else:
            flash(
                _("%(name)s tercatat terdaftar (NPP %(npp)s).", name=account.name, npp=account.npp),
                "success",
            )
            return redirect(url_for(".detail", parent_id=parent_id))
    return _edit_page(link, _stored_form(link), register=form, code=400)


@bp.post("/<int:parent_id>/vendors/<int:link_id>/status")
def vendor_status(parent_id: int, link_id: int):
    link = _link_or_404(parent_id, link_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            set_campaign_status(link, form.status.data, current_user, form.note.data or "")
        except ServiceError as exc:
            show_error(exc, form, field="status")
            link = _link_or_404(parent_id, link_id)
        else:
            flash(_("Status kampanye diubah."), "success")
            return redirect(url_for(".vendor_edit", parent_id=parent_id, link_id=link.id))
    return _edit_page(link, _stored_form(link), status=form, code=400)


@bp.post("/<int:parent_id>/vendors/<int:link_id>/delete")
def vendor_delete(parent_id: int, link_id: int):
    link = _link_or_404(parent_id, link_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    name = link.name
    delete_vendor(link, current_user)
    flash(_("%(name)s dihapus dari daftar vendor.", name=name), "success")
    return redirect(url_for(".detail", parent_id=parent_id))
