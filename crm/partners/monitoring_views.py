"""/agreements/<id>/reports (an implementation report of one branch and period) and
/agreements/monitoring (the roll-up of lagging branches), and the answer to an oversized upload
(report evidence or agreement document). Routes on the agreements blueprint of
crm.partners.agreement_views."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm import pdf_safety
from crm.compliance.services import today_local
from crm.errors import render_error
from crm.extensions import db
from crm.partners import documents, monitoring
from crm.partners.agreement_views import agreement_or_404, bp, render_detail
from crm.partners.forms import DocumentForm, ReportForm
from crm.partners.models import Agreement, ImplementationReport
from crm.partners.monitoring_rollup import RollupFilters, build_rollup, filter_names
from crm.services import ServiceError, show_error


def _choices(form: ReportForm, agreement, today) -> None:
    form.branch_id.choices = [
        (b.id, f"{b.name} ({b.code})")
        for b in monitoring.reportable_branches(current_user, agreement)
    ]
    form.period.choices = [
        ("", _("Pilih…")),
        *monitoring.period_choices("month", today),
        *monitoring.period_choices("quarter", today, 4),
    ]


def _existing(agreement_id: int, branch_id, period: str | None) -> ImplementationReport | None:
    parsed = monitoring.parse_period(period)
    if branch_id is None or parsed is None:
        return None
    kind, start = parsed
    return db.session.scalar(
        select(ImplementationReport).where(
            ImplementationReport.agreement_id == agreement_id,
            ImplementationReport.branch_office_id == branch_id,
            ImplementationReport.period_kind == kind,
            ImplementationReport.period_start == start,
        )
    )


def render_report_form(agreement, form, *, evidence_error: str = "", status: int = 200):
    today = today_local()
    if form is None:
        form = ReportForm(formdata=None)
        _choices(form, agreement, today)
    if evidence_error:
        form.evidence.errors = [evidence_error]
    offered = {value for value, _label in form.branch_id.choices}
    branch_id = form.branch_id.data if form.branch_id.data in offered else None
    report = _existing(agreement.id, branch_id, form.period.data)
    return (
        render_template(
            "agreements/report.html",
            agreement=agreement,
            form=form,
            report=report,
            evidence=monitoring.report_evidence(report.id) if report else [],
            max_mb=documents.max_upload_bytes() // 2**20,
        ),
        status,
    )


def _prefill(form: ReportForm, agreement) -> None:
    # Only a branch and period the form offers: a branch staff user who types another
    # branch's id must not get that branch's report in a form that saves for their own.
    raw = request.args.get("branch", "")
    branch_ids = {value for value, _label in form.branch_id.choices}
    if raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) in branch_ids:
        form.branch_id.data = int(raw)
    period = request.args.get("period", "")
    form.period.data = period if period in {v for v, _label in form.period.choices} else ""
    if form.branch_id.data is None and len(branch_ids) == 1:
        form.branch_id.data = next(iter(branch_ids))
    report = _existing(agreement.id, form.branch_id.data, form.period.data)
    if report is not None:
        form.status.data = report.status
        form.blocked_reason.data = report.blocked_reason
        form.workers_covered.data = report.workers_covered
        form.notes.data = report.notes


@bp.route("/<int:agreement_id>/reports", methods=["GET", "POST"])
def report(agreement_id: int):
    agreement = agreement_or_404(agreement_id)
    if not monitoring.can_report(current_user, agreement):
        abort(403)
    today = today_local()
    form = ReportForm(formdata=None) if request.method == "GET" else ReportForm()
    _choices(form, agreement, today)
    if request.method == "GET":
        _prefill(form, agreement)
        return render_report_form(agreement, form)
    if not form.validate_on_submit():
        return render_report_form(agreement, form, status=400)
    return _save(agreement, form, today)


def _save(agreement, form: ReportForm, today):
    evidence = None
    upload = form.evidence.data
    if upload is not None and getattr(upload, "filename", ""):
        data = pdf_safety.read_limited(upload.stream, documents.max_upload_bytes())
        if data is None:
            return render_report_form(
                agreement, form, evidence_error=documents.too_large_message(), status=400
            )
        evidence = (data, upload.filename)
    data = monitoring.ReportData(
        branch_id=form.branch_id.data,
        period=form.period.data,
        status=form.status.data,
        workers_covered=form.workers_covered.data,
        blocked_reason=form.blocked_reason.data or "",
        notes=form.notes.data or "",
    )
    try:
        monitoring.save_report(agreement, data, current_user, today, evidence)
    except PermissionError:
        abort(403)
    except ServiceError as exc:
        show_error(exc, form, fallback="status")
        return render_report_form(agreement_or_404(agreement.id), form, status=400)
    flash(_("Laporan pelaksanaan disimpan."), "success")
    return redirect(url_for(".detail", agreement_id=agreement.id, _anchor="pelaksanaan"))


@bp.get("/monitoring")
def monitoring_rollup():
    filters = RollupFilters.from_args(request.args)
    rollup = build_rollup(filters, today_local(), current_app.config["PAGE_SIZE"])
    return render_template(
        "agreements/monitoring.html",
        rollup=rollup,
        filters=filters,
        names=filter_names(filters),
    )


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(exc):
    """The body was refused before it was read: the upload form says so at its field."""
    agreement_id = (request.view_args or {}).get("agreement_id")
    agreement = db.session.get(Agreement, agreement_id) if agreement_id else None
    if agreement is None or request.endpoint not in (
        "agreements.upload_document",
        "agreements.report",
    ):
        return render_error(413)
    message = documents.too_large_message()
    if request.endpoint == "agreements.report":
        return render_report_form(agreement, None, evidence_error=message, status=413)
    form = DocumentForm(prefix="doc", formdata=None)
    form.file.errors = [message]
    return render_detail(agreement, 413, doc_form=form)
