"""Agreement documents (upload, versioned; internal download, logged), the Surat Pengantar
drafted from an agreement, expiry-alert dismissal, and the agreement page's context.
Routes on the agreements blueprint of crm.partners.agreement_views."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import pdf_safety, storage
from crm.extensions import db
from crm.letters.services import EDIT_FIELDS, draft_letter, prefill
from crm.letters.template_context import tanggal
from crm.partners import access, documents, services
from crm.partners.agreement_views import (
    agreement_or_404,
    bp,
    editable_or_403,
    render_detail,
)
from crm.partners.expiry import dismiss_alert as dismiss
from crm.partners.forms import DocumentForm
from crm.partners.labels import DOCUMENT_KIND_LABELS
from crm.partners.models import Agreement, AgreementAlert, AgreementDocument
from crm.redirects import redirect_to_next
from crm.services import ServiceError, show_error


@bp.post("/<int:agreement_id>/documents")
def upload_document(agreement_id: int):
    agreement = editable_or_403(agreement_id)
    form = DocumentForm(prefix="doc")
    if not form.validate_on_submit():
        return render_detail(agreement, 400, doc_form=form)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Pilih berkas PDF.")]
        return render_detail(agreement, 400, doc_form=form)
    data = pdf_safety.read_limited(upload.stream, documents.max_upload_bytes())
    if data is None:
        form.file.errors = [documents.too_large_message()]
        return render_detail(agreement, 400, doc_form=form)
    title = form.title.data or str(DOCUMENT_KIND_LABELS.get(form.kind.data, ""))
    try:
        doc = documents.add_document(
            agreement, form.kind.data, title, data, upload.filename, current_user
        )
    except ServiceError as exc:
        show_error(exc, form, fallback="file")
        return render_detail(agreement_or_404(agreement_id), 400, doc_form=form)
    flash(
        _("%(title)s versi %(v)d diunggah.", title=doc.title, v=doc.version),
        "success",
    )
    return redirect(url_for(".detail", agreement_id=agreement.id, _anchor="dokumen"))


@bp.get("/<int:agreement_id>/documents/<int:doc_id>")
def download_document(agreement_id: int, doc_id: int):
    agreement = agreement_or_404(agreement_id)
    doc = db.session.get(AgreementDocument, doc_id)
    if doc is None or doc.agreement_id != agreement.id or not storage.exists(doc.storage_key):
        abort(404)
    documents.record_download(doc, current_user, request.remote_addr)
    return documents.download_response(doc)


# -- the cover letter, alerts ----------------------------------------------------------------


def cover_letter_facts(agreement: Agreement) -> dict:
    """The letter's `agreement` block: JSON-safe, with the dates already written out in
    Indonesian (letters are always Indonesian)."""
    number = " / ".join(n for n in (agreement.our_number, agreement.partner_number) if n)
    return {
        "agreement": {
            "agreement_id": agreement.id,
            "title": agreement.title,
            "number": number,
            "partner": agreement.account.name,
            "kind": agreement.kind,
            "kind_text": "Nota Kesepahaman (MoU)"
            if agreement.kind == "mou"
            else "Perjanjian Kerja Sama (PKS)",
            "our_number": agreement.our_number,
            "partner_number": agreement.partner_number,
            "valid_from": agreement.valid_from.isoformat(),
            "valid_to": agreement.valid_to.isoformat(),
            "period_text": f"{tanggal(agreement.valid_from)} sampai dengan "
            f"{tanggal(agreement.valid_to)}",
            "signed_text": tanggal(agreement.signed_on) if agreement.signed_on else "",
            "scope": agreement.scope,
            "parent_title": agreement.parent.title if agreement.parent else "",
        }
    }


def cover_letter_fields(agreement: Agreement) -> dict | None:
    """The letter's own fields: the prefilled ones, but for an agreement already signed a
    body that sends the signed copy rather than asking to review and sign it again."""
    if agreement.signed_on is None:
        return None
    values = prefill(agreement.account, "pengantar_mou")
    fields = {name: values[name] for name in EDIT_FIELDS}
    fields["body"] = (
        f"Naskah tersebut telah ditandatangani oleh para pihak pada tanggal "
        f"{tanggal(agreement.signed_on)}. Bersama ini kami sampaikan salinannya sebagai "
        "pegangan dalam pelaksanaan kerja sama."
    )
    return fields


@bp.post("/<int:agreement_id>/cover-letter")
def cover_letter(agreement_id: int):
    """Draft a Surat Pengantar for the agreement and open it in the letters workflow; when it
    is issued, its PDF joins the agreement's documents (crm.partners.jobs)."""
    agreement = editable_or_403(agreement_id)
    if agreement.status in services.FINAL:
        flash(
            _("Kerja sama yang sudah diakhiri atau diperpanjang tidak diberi surat pengantar."),
            "error",
        )
        return redirect(url_for(".detail", agreement_id=agreement.id))
    # The responsible RM may not be the account's RM, whom the letters module would ask
    # for: the agreement's own rule was checked just above.
    letter = draft_letter(
        agreement.account,
        "pengantar_mou",
        current_user,
        fields=cover_letter_fields(agreement),
        facts=cover_letter_facts(agreement),
        check=False,
    )
    flash(_("Draf surat pengantar dibuat. Periksa, lalu ajukan untuk persetujuan."), "success")
    return redirect(url_for("letters.detail", letter_id=letter.id))


@bp.post("/alerts/<int:alert_id>/dismiss")
def dismiss_alert(alert_id: int):
    alert = db.session.get(AgreementAlert, alert_id)
    if alert is None:
        abort(404)
    if not access.can_edit(current_user, alert.agreement):
        abort(403)
    dismiss(alert, current_user)
    flash(_("Peringatan ditutup."), "success")
    return redirect_to_next(
        request.form.get("next"), fallback=url_for(".detail", agreement_id=alert.agreement_id)
    )
