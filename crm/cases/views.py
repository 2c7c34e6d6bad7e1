"""/cases/: the escalation board (open cases by stage with counts, overdue and arrears
totals; an RM sees the cases they own, supervisors every case), the keyset list behind
each column and of closed cases, the XLSX export, the suggested cases with their one-click
"Buka kasus", and one case with its history, letters and the advance and close forms."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.cases import access, board, denda, ladder, letter_requests, letters, services
from crm.cases.clock import has_default_days
from crm.cases.export import case_export, count_cases
from crm.cases.forms import (
    AdvanceForm,
    CloseForm,
    DueForm,
    LetterDateForm,
    NoteForm,
    OpenCaseForm,
    SupervisorForm,
    close_reason_choices,
)
from crm.cases.jobs import EXPORT_KIND
from crm.cases.labels import case_label, case_labels
from crm.cases.manage import drill_in, may_set_due, supervisor_choices
from crm.cases.models import REASONS, STAGES, CaseEvent, CaseLetterRequest, CaseSuggestion
from crm.cases.models import EscalationCase as Case
from crm.cases.suggestions import suggestion_query
from crm.compliance.services import today_local
from crm.extensions import db
from crm.forms_common import ConfirmForm
from crm.i18n import long_date
from crm.jobs.models import PENDING_STATUSES, BackgroundJob
from crm.jobs.services import create_job
from crm.letters.models import Letter
from crm.pagination import keyset_page
from crm.services import ServiceError, refuse, show_error

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.before_request(require_roles("admin", "supervisor", "rm"))
PER_PAGE = 50


@bp.app_context_processor
def inject_labels():
    return {
        "case_label": case_label,
        "case_labels": case_labels,
        "case_days_overdue": board.days_overdue,
        "case_awaiting_letter": board.awaiting_letter,
    }


def _filter_choices() -> dict:
    return {
        "owners": board.owner_choices() if access.is_supervisor(current_user) else [],
        "branches": board.branch_choices(),
        "stages": STAGES,
        "reasons": REASONS,
        "bands": board.AMOUNT_BANDS,
    }


@bp.get("/")
def index():
    """The board; the list of one stage (?stage= or ?view=list) or of closed cases
    (?status=closed|all) under the same filters."""
    filters = board.filters_from_args(request.args)
    # Only a known status asks for the list: ?status=foo is the board (as any bad filter).
    wants_list = (
        request.args.get("view") == "list"
        or filters.stage
        or request.args.get("status") in ("closed", "all")
    )
    if wants_list:
        return _case_list(filters)
    today = today_local()
    return render_template(
        "cases/index.html",
        board=board.build_board(filters, current_user, today),
        filters=filters,
        today=today,
        **_filter_choices(),
    )


def _case_list(filters: board.CaseFilters):
    today = today_local()
    stmt = board.case_query(filters, current_user, today).options(
        joinedload(Case.account), joinedload(Case.owner)
    )
    page = keyset_page(
        stmt, [Case.id], request.args.get("after"), PER_PAGE, descending=True, parse=_id_cursor
    )
    args = {"view": "list", **filters.query_args(stage=True, status=True)}
    return render_template(
        "cases/list.html",
        page=page,
        filters=filters,
        args=args,
        today=today,
        **_filter_choices(),
    )


def _id_cursor(values: list) -> list | None:
    """A cursor holds one case id; anything else (a tampered cursor) means page 1."""
    value = values[0]
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
    return [value] if ok else None


@bp.get("/export.xlsx")
def export():
    """The board's filtered open cases as XLSX. Up to EXPORT_SYNC_MAX_ROWS cases download at
    once; more become a `cases.export` job whose page offers the file."""
    filters = board.filters_from_args(request.args)
    today = today_local()
    if count_cases(filters, current_user, today) <= current_app.config["EXPORT_SYNC_MAX_ROWS"]:
        out = case_export(filters, current_user, today)
        return Response(
            out.data,
            mimetype=out.mimetype,
            headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
        )
    params = {"filters": filters.as_params()}
    job = _pending_export(params) or create_job(
        EXPORT_KIND, owner=current_user, params=params, title=_("Ekspor kasus eskalasi (XLSX)")
    )
    flash(_("Ekspor berjalan di latar belakang; unduh hasilnya di halaman ini."), "info")
    return redirect(url_for("jobs.detail", job_id=job.id))


def _pending_export(params: dict) -> BackgroundJob | None:
    """The same export of this user still waiting or running (a second click)."""
    jobs = db.session.scalars(
        select(BackgroundJob)
        .where(
            BackgroundJob.kind == EXPORT_KIND,
            BackgroundJob.owner_id == current_user.id,
            BackgroundJob.status.in_(PENDING_STATUSES),
        )
        .order_by(BackgroundJob.created_at.desc())
        .limit(20)
    )
    return next((j for j in jobs if j.params == params), None)


@bp.get("/suggestions")
def suggestions():
    stmt = suggestion_query(current_user)
    page = keyset_page(
        stmt,
        [Account.name, Account.id],
        request.args.get("after"),
        PER_PAGE,
        key=lambda s: [s.account.name, s.account_id],
    )
    return render_template("cases/suggestions.html", page=page, form=OpenCaseForm())


@bp.post("/open")
def open_from_suggestion():
    form = OpenCaseForm()
    if not form.validate_on_submit() or not _is_id(form.account_id.data):
        abort(400)
    account = db.session.get(Account, int(form.account_id.data)) or abort(404)
    try:
        case = services.open_case(account, form.reason.data, current_user)
        suggestion = db.session.get(CaseSuggestion, account.id)
        if suggestion is not None:
            db.session.delete(suggestion)
    except PermissionError:
        abort(403)
    except (ServiceError, IntegrityError) as exc:
        message = str(exc) if isinstance(exc, ServiceError) else ""
        refuse(message or _("Akun ini sudah punya kasus terbuka dengan alasan yang sama."))
        return redirect(url_for(".suggestions"))
    flash(_("Kasus dibuka untuk %(name)s.", name=account.name), "success")
    if case.stage_due_on is None:  # Persuasi without default days: the RM sets it now
        flash(_("Tetapkan tenggat Persuasi untuk kasus ini di bawah."), "info")
        return redirect(url_for(".detail", case_id=case.id, _anchor="tenggat"))
    return redirect(url_for(".detail", case_id=case.id))


def _is_id(value) -> bool:
    """Plain ASCII digits that fit a BIGINT (a longer number overflows the driver)."""
    value = str(value or "")
    return value.isascii() and value.isdigit() and len(value) <= board.MAX_ID_DIGITS


def _case_or_403(case_id: int) -> Case:
    case = db.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.account),
            selectinload(Case.events).joinedload(CaseEvent.actor),
            selectinload(Case.letter_requests),
        )
    )
    if case is None:
        abort(404)
    if not access.can_view(current_user, case):
        abort(403)
    return case


@bp.get("/<int:case_id>")
def detail(case_id: int):
    return _render_detail(_case_or_403(case_id))


def advance_form(case: Case, formdata=None) -> AdvanceForm:
    """The advance form (prefix "advance"): blank on a GET, the posted values on a POST."""
    kwargs = {} if formdata is not None else {"formdata": None}
    form = AdvanceForm(prefix="advance", **kwargs)
    if formdata is None:
        form.to_stage.data = case.next_stage
    return form


def close_form(case: Case, formdata=None) -> CloseForm:
    """The close form (prefix "close") with the reasons this user may pick for this case."""
    kwargs = {} if formdata is not None else {"formdata": None}
    form = CloseForm(prefix="close", **kwargs)
    form.reason.choices = close_reason_choices(services.close_reasons(case, current_user))
    return form


def _render_detail(case: Case, status: int = 200, **forms):
    nxt, today = case.next_stage, today_local()
    is_supervisor = access.is_supervisor(current_user)
    supervisor_form = forms.get("supervisor_form") or SupervisorForm(
        prefix="supervisor", formdata=None, supervisor_id=case.supervisor_id
    )
    if is_supervisor:
        supervisor_form.supervisor_id.choices = [(u.id, u.name) for u in supervisor_choices()]
    return (
        render_template(
            "cases/detail.html",
            case=case,
            advance_form=forms.get("advance_form") or advance_form(case),
            close_form=forms.get("close_form") or close_form(case),
            letter_form=LetterDateForm(),
            note_form=forms.get("note_form") or NoteForm(prefix="note", formdata=None),
            due_form=forms.get("due_form")
            or DueForm(prefix="due", formdata=None, due_on=case.stage_due_on),
            supervisor_form=supervisor_form,
            can_act=access.can_act(current_user, case),
            may_enter_next=bool(nxt) and access.may_enter(current_user, nxt),
            next_needs_due=bool(nxt) and not has_default_days(nxt, today),
            blockers=ladder.advance_blockers(case, today) if case.is_open else [],
            may_set_due=may_set_due(current_user, case),
            **denda.denda_facts(case, today),
            stage_letters={
                x.id: x for x in db.session.scalars(select(Letter).where(Letter.case_id == case.id))
            },
            is_supervisor=is_supervisor,
            today_iso=today.isoformat(),
            **drill_in(case, current_user),
        ),
        status,
    )


def _stage_letters(case: Case) -> dict[int, Letter]:
    """The case's letters by id (a case has at most a few), for their numbers and status."""
    return {x.id: x for x in db.session.scalars(select(Letter).where(Letter.case_id == case.id))}


@bp.post("/<int:case_id>/advance")
def advance(case_id: int):
    case = _case_or_403(case_id)
    form = advance_form(case, request.form)
    if not form.validate_on_submit():
        return _render_detail(case, 400, advance_form=form)
    try:
        services.advance_case(
            case, form.to_stage.data, current_user, form.note.data, form.due_on.data
        )
    except ServiceError as exc:
        if exc.field in ("note", "due_on"):
            show_error(exc, form)
            return _render_detail(_case_or_403(case_id), 400, advance_form=form)
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    except PermissionError as exc:
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    message = _("Kasus naik ke tahap %(stage)s.", stage=case_label("stage", case.stage))
    if case.waiting_for_letter:
        if case.stage_due_on is not None:  # set by hand: it does not wait for the letter
            message += " " + _(
                "Draf surat diminta; tenggat %(day)s ditetapkan manual.",
                day=long_date(case.stage_due_on),
            )
        else:
            message += " " + _("Draf surat diminta; tenggat dihitung setelah surat terbit.")
    flash(message, "success")
    return redirect(url_for(".detail", case_id=case_id))


@bp.post("/<int:case_id>/close")
def close(case_id: int):
    case = _case_or_403(case_id)
    form = close_form(case, request.form)
    if not form.validate_on_submit():
        return _render_detail(case, 400, close_form=form)
    try:
        services.close_case(case, form.reason.data, current_user, form.note.data)
    except ServiceError as exc:
        if exc.field in ("note", "reason"):
            show_error(exc, form)
            return _render_detail(_case_or_403(case_id), 400, close_form=form)
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    except PermissionError as exc:
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    flash(_("Kasus selesai."), "success")
    return redirect(url_for(".detail", case_id=case_id))


@bp.post("/<int:case_id>/letters/<int:request_id>/<any(issued, received):what>")
def letter_date(case_id: int, request_id: int, what: str):
    case = _case_or_403(case_id)
    letter = db.session.get(CaseLetterRequest, request_id)
    if letter is None or letter.case_id != case.id:
        abort(404)
    if not access.can_act(current_user, case):
        abort(403)
    form = LetterDateForm()
    if not form.validate_on_submit():
        flash(_("Isi tanggal yang valid."), "error")
        return redirect(url_for(".detail", case_id=case_id))
    try:
        letters.record_letter_date(letter, what, form.day.data, current_user, today_local())
    except ServiceError as exc:
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    flash(_("Tanggal surat dicatat."), "success")
    return redirect(url_for(".detail", case_id=case_id))


@bp.post("/<int:case_id>/letter/redraft")
def redraft_letter(case_id: int):
    """A new draft for the stage whose letter was cancelled before it was issued."""
    case = _case_or_403(case_id)
    if not access.can_act(current_user, case):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        letter = letter_requests.redraft_stage_letter(case, current_user)
    except ServiceError as exc:
        show_error(exc)
        return redirect(url_for(".detail", case_id=case_id))
    flash(_("Draf surat baru dibuat."), "success")
    return redirect(url_for("letters.detail", letter_id=letter.id))


from crm.cases import manage_views, supervision_views  # noqa: E402,F401 - their routes
