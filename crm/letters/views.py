"""/letters/: the register, drafting (from an account, a case or a meeting), one letter
with its history and the actions its state and the user's role allow (the actions
themselves are in step_views), and the approval queue. The PDF render starts only after
the approving transaction has committed."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.auth.services import rm_choices
from crm.compliance.services import today_local
from crm.extensions import db
from crm.inputs import int_arg, parse_int
from crm.letters import services, workflow
from crm.letters.context import arrears_of, meeting_of
from crm.letters.forms import (
    CancelForm,
    ConfirmForm,
    DispatchForm,
    LetterForm,
    NewLetterForm,
    ReceiptForm,
    ReturnForm,
)
from crm.letters.jobs import start_render
from crm.letters.labels import TYPE_LABELS, letter_label
from crm.letters.letterhead import field_labels, placeholder_fields
from crm.letters.models import STATUSES, TYPES, Letter, LetterEvent, LetterheadSetting
from crm.letters.queries import register_query
from crm.letters.template_context import arrears_attached, lampiran_text
from crm.letters.types import is_case_letter
from crm.meetings.models import Interaction
from crm.pagination import keyset_page
from crm.services import ServiceError, show_error

bp = Blueprint("letters", __name__, url_prefix="/letters")
bp.before_request(require_roles("admin", "supervisor", "rm"))  # partners: 403
PER_PAGE = 50


@bp.app_context_processor
def inject_labels():
    return {"letter_label": letter_label}


# -- register --------------------------------------------------------------------------------


def _id_cursor(values: list) -> list | None:
    value = values[0]
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
    return [value] if ok else None


@bp.get("/")
def index():
    status = request.args.get("status", "")
    letter_type = request.args.get("type", "")
    q = request.args.get("q", "").strip()[:100]
    rm_id = int_arg("rm") if services.is_supervisor(current_user) else None
    stmt = register_query(current_user, status, letter_type, q, rm_id)
    page = keyset_page(
        stmt, [Letter.id], request.args.get("after"), PER_PAGE, descending=True, parse=_id_cursor
    )
    args = {
        k: v for k, v in {"status": status, "type": letter_type, "q": q, "rm": rm_id}.items() if v
    }
    return render_template(
        "letters/index.html",
        page=page,
        args=args,
        filters={"status": status, "type": letter_type, "q": q, "rm": rm_id},
        statuses=STATUSES,
        types=TYPE_LABELS,
        rms=rm_choices() if services.is_supervisor(current_user) else [],
    )


# -- drafting --------------------------------------------------------------------------------


def _source():
    """The account (and meeting) a new letter is drafted for, from the query or the form."""
    values = request.form if request.method == "POST" else request.args
    interaction = None
    raw_interaction = values.get("interaction_id") or values.get("interaction") or ""
    if raw_interaction:
        interaction_id = parse_int(raw_interaction) or abort(404)
        interaction = db.session.get(Interaction, interaction_id) or abort(404)
        account = interaction.account
        letter_type = "undangan"
    else:
        raw_account = values.get("account_id") or values.get("account") or ""
        account_id = parse_int(raw_account) or abort(404)
        account = db.session.get(Account, account_id) or abort(404)
        letter_type = values.get("letter_type") or values.get("type") or ""
    if not services.can_draft(current_user, account):
        abort(403)
    return account, interaction, letter_type


@bp.route("/new", methods=["GET", "POST"])
def create():
    account, interaction, letter_type = _source()
    if letter_type not in TYPES:
        free = {code: label for code, label in TYPE_LABELS.items() if not is_case_letter(code)}
        return render_template("letters/choose_type.html", account=account, types=free)
    if is_case_letter(letter_type):  # drafted from the case, when it enters the stage
        flash(services.case_letter_refusal(), "error")
        return redirect(url_for("accounts.detail", account_id=account.id, _anchor="kasus"))
    if request.method == "GET":
        values = services.prefill(account, letter_type, interaction)
        form = NewLetterForm(
            formdata=None,
            data={
                **{f: values[f] for f in services.EDIT_FIELDS},
                "account_id": account.id,
                "interaction_id": interaction.id if interaction else "",
                "letter_type": letter_type,
            },
        )
        return _render_form(form, account, letter_type, values["facts"], interaction)
    form = NewLetterForm()
    if form.validate_on_submit():
        try:
            letter = services.draft_letter(
                account,
                letter_type,
                current_user,
                interaction=interaction,
                fields={f: form[f].data for f in services.EDIT_FIELDS},
            )
        except ServiceError as exc:
            show_error(exc, form)
        else:
            flash(_("Draf surat disimpan."), "success")
            return redirect(url_for(".detail", letter_id=letter.id))
    facts = services.prefill(account, letter_type, interaction)["facts"]
    return _render_form(form, account, letter_type, facts, interaction, 400)


def _render_form(form, account, letter_type, facts, interaction=None, status=200, letter=None):
    return (
        render_template(
            "letters/form.html",
            form=form,
            account=account,
            letter_type=letter_type,
            letter=letter,
            interaction=interaction,
            arrears=arrears_of(facts),
            pds=facts.get("pds") or [],
            meeting=meeting_of(facts),
        ),
        status,
    )


# -- one letter ------------------------------------------------------------------------------


def letter_or_403(letter_id: int) -> Letter:
    letter = db.session.scalar(
        select(Letter)
        .where(Letter.id == letter_id)
        .options(
            joinedload(Letter.account),
            joinedload(Letter.created_by),
            joinedload(Letter.approved_by),
            joinedload(Letter.dispatched_by),
            selectinload(Letter.events).joinedload(LetterEvent.actor),
        )
    )
    if letter is None:
        abort(404)
    if not services.can_view(current_user, letter):
        abort(403)
    return letter


def _pdf_url(letter: Letter) -> str | None:
    if not letter.is_frozen:
        return None
    if "letter_files.pdf" in current_app.view_functions:
        return url_for("letter_files.pdf", letter_id=letter.id)
    return f"/letters/{letter.id}/pdf"


def render_detail(letter: Letter, status: int = 200, **forms):
    facts = letter.facts or {}
    user = current_user
    arrears = arrears_of(facts)
    attached = arrears_attached(letter.letter_type, arrears)
    can_review = services.is_supervisor(user) and letter.status == "submitted"
    placeholders = placeholder_fields(db.session.get(LetterheadSetting, 1)) if can_review else []
    return (
        render_template(
            "letters/detail.html",
            letter=letter,
            lampiran=lampiran_text(letter.lampiran, attached),
            arrears=arrears,
            pds=facts.get("pds") or [],
            meeting=meeting_of(facts),
            pdf_url=_pdf_url(letter),
            today=today_local(),
            can_edit=services.can_edit_letter(user, letter),
            can_cancel=services.can_cancel(user, letter) and not letter.is_frozen,
            can_review=can_review,
            letterhead_placeholders=[field_labels()[f] for f in placeholders],
            can_deliver=services.can_deliver(user, letter),
            can_rerender=services.is_supervisor(user),
            confirm_form=ConfirmForm(),
            return_form=forms.get("return_form") or ReturnForm(formdata=None),
            cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
            dispatch_form=forms.get("dispatch_form") or DispatchForm(formdata=None),
            receipt_form=forms.get("receipt_form") or ReceiptForm(formdata=None),
        ),
        status,
    )


@bp.get("/<int:letter_id>")
def detail(letter_id: int):
    return render_detail(letter_or_403(letter_id))


@bp.route("/<int:letter_id>/edit", methods=["GET", "POST"])
def edit(letter_id: int):
    letter = letter_or_403(letter_id)
    if not services.can_edit_letter(current_user, letter):
        if not letter.is_editable:
            flash(_("Surat hanya dapat diubah selama masih draf atau dikembalikan."), "error")
            return redirect(url_for(".detail", letter_id=letter.id))
        abort(403)
    form = LetterForm(obj=letter) if request.method == "GET" else LetterForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_letter(
                letter, {f: form[f].data for f in services.EDIT_FIELDS}, current_user
            )
        except ServiceError as exc:
            show_error(exc, form)
        else:
            flash(_("Perubahan surat disimpan."), "success")
            return redirect(url_for(".detail", letter_id=letter.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(
        form,
        letter.account,
        letter.letter_type,
        letter.facts or {},
        letter.interaction,
        status,
        letter,
    )


# -- approval queue --------------------------------------------------------------------------


def _queue_cursor(values: list) -> list | None:
    raw, letter_id = values
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    ok = moment is not None and isinstance(letter_id, int) and 0 < letter_id < 2**63
    return [moment, letter_id] if ok else None


@bp.route("/approvals", methods=["GET", "POST"])
def approvals():
    if not services.is_supervisor(current_user):
        abort(403)
    if request.method == "POST":
        return _approve_many()
    letter_type = request.args.get("type", "")
    rm_id = int_arg("rm")
    stmt = (
        select(Letter)
        .where(Letter.status == "submitted")
        .options(joinedload(Letter.account), joinedload(Letter.created_by))
    )
    if letter_type in TYPES:
        stmt = stmt.where(Letter.letter_type == letter_type)
    if rm_id is not None:
        stmt = stmt.where(Letter.created_by_id == rm_id)
    page = keyset_page(
        stmt,
        [Letter.submitted_at, Letter.id],
        request.args.get("after"),
        PER_PAGE,
        key=lambda r: [r.submitted_at.isoformat(), r.id],
        parse=_queue_cursor,
    )
    args = {k: v for k, v in {"type": letter_type, "rm": rm_id}.items() if v}
    return render_template(
        "letters/approvals.html",
        page=page,
        args=args,
        filters={"type": letter_type, "rm": rm_id},
        types=TYPE_LABELS,
        rms=rm_choices(),
        form=ConfirmForm(),
        max_bulk=services.MAX_BULK,
    )


def _approve_many():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [n for n in map(parse_int, request.form.getlist("ids")) if n is not None]
    try:
        letters = workflow.approve_letters(ids, current_user)
        approved = [letter.id for letter in letters]
        if approved:
            start_render(approved, current_user)  # in the approving transaction
    except ServiceError as exc:
        show_error(exc)
        return redirect(url_for(".approvals"))
    if approved:
        flash(_("%(n)d surat disetujui dan diberi nomor.", n=len(approved)), "success")
    skipped = len(set(ids)) - len(approved)
    if skipped:
        flash(_("%(n)d surat dilewati karena tidak lagi menunggu persetujuan.", n=skipped), "info")
    return redirect(url_for(".approvals"))


from crm.letters import step_views  # noqa: E402,F401 - one letter's workflow steps, same blueprint
