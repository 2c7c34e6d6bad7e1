"""/supply-chain/<parent_id>/campaign: invitation letters for the parent's vendors not yet
contacted, made as one letter batch (then submitted, approved and rendered on the batch
page /letters/batches/<id>)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.extensions import db
from crm.services import ServiceError, discard_changes
from crm.supply_chain import campaign, queries
from crm.supply_chain.forms import CampaignForm
from crm.supply_chain.services import can_manage
from crm.supply_chain.views import bp, parent_or_404


def _target_count(parent_id: int, contract: str) -> int:
    """How many vendors a campaign would invite (counting at most the bulk limit + 1)."""
    cap = current_app.config["LETTER_BULK_MAX"] + 1
    sub = campaign.targets_query(parent_id, contract).limit(cap).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


@bp.route("/<int:parent_id>/campaign", methods=["GET", "POST"])
def campaign_form(parent_id: int):
    parent = parent_or_404(parent_id)
    if not can_manage(current_user, parent):
        abort(403)
    form = CampaignForm()
    contracts = queries.contracts_of(parent.id)
    form.contract.choices = [("", _("Semua vendor yang belum dihubungi"))] + [
        (c, c) for c in contracts
    ]
    chosen = request.values.get("contract", "")
    if chosen and chosen not in contracts:
        chosen = ""
    form.contract.data = chosen  # a GET (the count) keeps the choice shown
    error = None
    if form.validate_on_submit():
        try:
            batch, job = campaign.start_campaign(parent, current_user, chosen)
        except ServiceError as exc:
            discard_changes()
            error = str(exc)
        else:
            if job is not None and job.owner_id != current_user.id:
                # Another user's campaign of this parent is still being drafted: its job
                # page is theirs (404 for anyone else), so say so here.
                flash(_("Surat ajakan induk ini sedang dibuat oleh pengguna lain."), "info")
                return redirect(url_for(".detail", parent_id=parent.id))
            if job is not None:
                flash(_("Surat ajakan sedang dibuat di latar belakang."), "info")
                return redirect(url_for("jobs.detail", job_id=job.id))
            flash(
                _("%(n)d surat ajakan dibuat sebagai draf. Ajukan semuanya di sini.", n=batch.size),
                "success",
            )
            return redirect(url_for("letter_batches.detail", batch_id=batch.id))
    return render_template(
        "supply_chain/campaign.html",
        parent=parent,
        form=form,
        chosen=chosen,
        count=_target_count(parent.id, chosen),
        limit=current_app.config["LETTER_BULK_MAX"],
        error=error,
    ), (400 if error else 200)
