"""One letter's workflow steps (submit, cancel, return, approve, render, dispatch, receive).

Routes on the letters blueprint of crm.letters.views."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.letters import workflow
from crm.letters.forms import (
    CancelForm,
    ConfirmForm,
    DispatchForm,
    ReceiptForm,
    ReturnForm,
)
from crm.letters.jobs import start_render
from crm.letters.views import bp, letter_or_403, render_detail
from crm.services import ServiceError, show_error


def _step(letter_id: int, action, success: str, form_cls=ConfirmForm, form_name: str = ""):
    """Run one state change from a POST: 403 for the wrong user, the form again on bad
    input, a flash for a refused step; commit on success."""
    letter = letter_or_403(letter_id)
    form = form_cls()
    if not form.validate_on_submit():
        if form_name:
            return render_detail(letter, 400, **{form_name: form})
        abort(400)
    try:
        action(letter, form)
    except PermissionError:
        abort(403)
    except ServiceError as exc:
        on_form = bool(form_name and exc.field and exc.field in form)
        show_error(exc, form if on_form else None)
        if on_form:
            return render_detail(letter_or_403(letter_id), 400, **{form_name: form})
        return redirect(url_for(".detail", letter_id=letter_id))
    flash(success, "success")
    return None


@bp.post("/<int:letter_id>/submit")
def submit(letter_id: int):
    refused = _step(
        letter_id,
        lambda letter, form: workflow.submit_letter(letter, current_user),
        _("Surat diajukan untuk persetujuan."),
    )
    return refused or redirect(url_for(".detail", letter_id=letter_id))


@bp.post("/<int:letter_id>/cancel")
def cancel(letter_id: int):
    refused = _step(
        letter_id,
        lambda letter, form: workflow.cancel_letter(letter, current_user, form.note.data),
        _("Surat dibatalkan."),
        CancelForm,
        "cancel_form",
    )
    return refused or redirect(url_for(".detail", letter_id=letter_id))


@bp.post("/<int:letter_id>/return")
def send_back(letter_id: int):
    refused = _step(
        letter_id,
        lambda letter, form: workflow.return_letter(letter, form.comment.data, current_user),
        _("Surat dikembalikan kepada penyusunnya."),
        ReturnForm,
        "return_form",
    )
    return refused or redirect(url_for(".detail", letter_id=letter_id))


@bp.post("/<int:letter_id>/approve")
def approve(letter_id: int):
    def act(letter, form):
        workflow.approve_letter(letter, current_user)
        start_render([letter.id], current_user)  # same transaction: never approved, job-less

    refused = _step(letter_id, act, _("Surat disetujui dan diberi nomor; PDF sedang dibuat."))
    return refused or redirect(url_for(".detail", letter_id=letter_id))


@bp.post("/<int:letter_id>/render")
def render_again(letter_id: int):
    def act(letter, form):
        workflow.queue_render(letter, current_user)
        start_render([letter.id], current_user)

    refused = _step(letter_id, act, _("Pembuatan PDF diulang."))
    return refused or redirect(url_for(".detail", letter_id=letter_id))


@bp.post("/<int:letter_id>/dispatch")
def dispatch(letter_id: int):
    def act(letter, form):
        workflow.dispatch_letter(
            letter, form.channel.data, form.day.data, form.tracking_number.data, current_user
        )

    refused = _step(letter_id, act, _("Pengiriman surat dicatat."), DispatchForm, "dispatch_form")
    return refused or redirect(url_for(".detail", letter_id=letter_id))


@bp.post("/<int:letter_id>/receive")
def receive(letter_id: int):
    def act(letter, form):
        workflow.receive_letter(letter, form.day.data, form.recipient_name.data, current_user)

    refused = _step(letter_id, act, _("Penerimaan surat dicatat."), ReceiptForm, "receipt_form")
    return refused or redirect(url_for(".detail", letter_id=letter_id))
