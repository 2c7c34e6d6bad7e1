"""/meetings/: the list and its CSV export, plan or log with the full form, one interaction,
edit, mark held, cancel and its .ics invite; the quick log and the calendar feed are in
quick_views."""

from __future__ import annotations

from datetime import time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.accounts.models import Account, KeyPerson, Position
from crm.auth.access import require_roles
from crm.auth.models import STAFF_ROLES, User
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date, local_zone
from crm.inputs import date_arg, int_arg
from crm.meetings import forms, queries, services, validation
from crm.meetings.export import export_response
from crm.meetings.forms import HeldForm, InteractionForm, local_moment
from crm.meetings.invites import interaction_calendar
from crm.meetings.models import INTERACTION_TYPES, Interaction, InteractionAttendee, Task
from crm.pagination import keyset_merge_page
from crm.services import ServiceError, discard_changes, show_error

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
bp.before_request(require_roles("admin", "supervisor", "rm"))
PER_PAGE = 50
FIELD_FOR = {"starts_at": "start", "ends_at": "end"}


def list_filters() -> tuple[queries.InteractionFilters, str]:
    """Filters from the query string; an RM sees what they logged unless they ask for all."""
    author_arg = request.args.get("author", "")
    author_id = int_arg("author")
    if author_arg == "" and current_user.role == "rm":
        author_id, author_arg = current_user.id, str(current_user.id)
    kind = request.args.get("type", "")
    status = request.args.get("status", "")
    return queries.InteractionFilters(
        account_id=int_arg("account"),
        author_id=author_id,
        type=kind if kind in INTERACTION_TYPES else "",
        status=status if status in ("planned", "held", "cancelled") else "",
        date_from=date_arg("from"),
        date_to=date_arg("to"),
        q=request.args.get("q", "").replace("\x00", "")[:200],  # PostgreSQL refuses NUL
    ), author_arg


def staff_options() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.role.in_(STAFF_ROLES), User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [(r.id, r.name) for r in rows]


@bp.get("/")
def index():
    filters, author_arg = list_filters()
    page = keyset_merge_page(
        queries.list_statements(filters, current_user),
        [Interaction.starts_at, Interaction.id],
        request.args.get("after"),
        PER_PAGE,
        load=queries.load_for_list,
        descending=True,
        parse=queries.parse_time_cursor,
    )
    args = {k: v for k, v in request.args.items() if k != "after"}
    if current_user.role == "rm" and "author" not in args:
        args["author"] = author_arg
    account = db.session.get(Account, filters.account_id) if filters.account_id else None
    return render_template(
        "meetings/index.html",
        page=page,
        filters=filters,
        author_arg=author_arg,
        args=args,
        account=account,
        authors=staff_options(),
        can_see=services.can_see_minutes,
    )


@bp.get("/export.csv")
def export():
    filters, _author_arg = list_filters()
    return export_response(filters, current_user)


# -- plan or log ---------------------------------------------------------------------------


def person_options(account_id: int) -> list[tuple[int, str]]:
    """Everyone with a position at the account, current people first."""
    rows = db.session.execute(
        select(KeyPerson.id, KeyPerson.name, Position.title, Position.level, Position.end_date)
        .join(Position, Position.person_id == KeyPerson.id)
        .where(Position.account_id == account_id)
        .order_by(Position.end_date.is_not(None), KeyPerson.name, Position.start_date.desc())
    ).all()
    seen, options = set(), []
    for r in rows:
        if r.id in seen:
            continue
        seen.add(r.id)
        level = {"bod": "BOD", "bod1": "BOD-1", "bod2": "BOD-2"}.get(r.level, "")
        label = f"{r.name} · {r.title}" + (f" ({level})" if level else "")
        if r.end_date is not None:
            label += " · " + _("sudah keluar")
        options.append((r.id, label))
    return options


def _fill_steps(form, default_assignee: int) -> None:
    staff = staff_options()
    for entry in form.next_steps:
        entry.form.assignee_id.choices = staff
        if entry.form.assignee_id.data in (None, 0):
            entry.form.assignee_id.data = default_assignee


def _steps(form) -> list[validation.NextStep]:
    return [
        validation.NextStep(e.form.title.data or "", e.form.assignee_id.data, e.form.due_date.data)
        for e in form.next_steps
    ]


def show_save_error(form, exc: ServiceError) -> str | None:
    """Put the message next to its field; returns it when it belongs to the next steps."""
    discard_changes()
    name = FIELD_FOR.get(exc.field or "", exc.field or "")
    if name == "next_steps":
        return str(exc)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "error")
    return None


def _data(form, status: str) -> validation.InteractionData:
    return validation.InteractionData(
        type=form.type.data,
        status=status,
        starts_at=local_moment(form.day.data, form.start.data),
        ends_at=local_moment(form.day.data, form.end.data),
        place=form.place.data or "",
        online_link=form.online_link.data or "",
        agenda=form.agenda.data or "",
        topics=form.topics.data or [],
        minutes=form.minutes.data or "",
        outcome=form.outcome.data or "",
        sentiment=form.sentiment.data or None,
        confidential=bool(form.confidential.data),
        person_ids=form.person_ids.data or [],
        user_ids=form.user_ids.data or [],
    )


def account_or_404(account_id: int | None) -> Account:
    account = db.session.get(Account, account_id) if account_id else None
    if account is None:
        abort(404)
    return account


def _interaction_form(account: Account, obj: Interaction | None = None) -> InteractionForm:
    form = InteractionForm(obj=obj)
    form.person_ids.choices = person_options(account.id)
    form.user_ids.choices = staff_options()
    _fill_steps(form, account.rm_id or current_user.id)
    return form


@bp.route("/new", methods=["GET", "POST"])
def create():
    account_id = int_arg("account")
    if not account_id:
        return redirect(url_for("meetings.quick"))
    account = account_or_404(account_id)
    if not services.can_log(current_user, account):
        abort(403)
    form = _interaction_form(account)
    if request.method == "GET":
        form.day.data = local_date(utcnow()) + timedelta(days=1)
        form.start.data, form.end.data = time(9, 0), time(10, 0)
    step_error = None
    if form.add_row.data:
        form.next_steps.append_entry()
        _fill_steps(form, account.rm_id or current_user.id)
    elif form.validate_on_submit():
        try:
            interaction = services.save_interaction(
                None, account, _data(form, form.status.data), current_user, _steps(form)
            )
            flash(_saved_message(interaction), "success")
            return redirect(url_for("meetings.detail", interaction_id=interaction.id))
        except ServiceError as exc:
            step_error = show_save_error(form, exc)
    return render_template(
        "meetings/form.html", form=form, account=account, interaction=None, step_error=step_error
    )


def _saved_message(interaction: Interaction) -> str:
    if interaction.status == "planned":
        return _("Pertemuan direncanakan. Unduh undangan kalendernya di halaman ini.")
    return _("Interaksi dicatat.")


def interaction_or_404(interaction_id: int) -> Interaction:
    interaction = db.session.scalar(
        select(Interaction)
        .options(
            joinedload(Interaction.account),
            joinedload(Interaction.author),
            selectinload(Interaction.attendees).joinedload(InteractionAttendee.person),
            selectinload(Interaction.attendees).joinedload(InteractionAttendee.user),
        )
        .where(Interaction.id == interaction_id)
    )
    if interaction is None:
        abort(404)
    return interaction


@bp.get("/<int:interaction_id>")
def detail(interaction_id: int):
    interaction = interaction_or_404(interaction_id)
    tasks = db.session.scalars(
        select(Task)
        .options(joinedload(Task.assignee))
        .where(Task.interaction_id == interaction.id)
        .order_by(Task.due_date, Task.id)
    ).all()
    return render_template(
        "meetings/detail.html",
        interaction=interaction,
        tasks=tasks,
        can_see=services.can_see_minutes(current_user, interaction),
        can_change=services.can_change(current_user, interaction),
        is_past=interaction.starts_at <= utcnow(),
    )


@bp.route("/<int:interaction_id>/edit", methods=["GET", "POST"])
def edit(interaction_id: int):
    interaction = interaction_or_404(interaction_id)
    if not services.can_change(current_user, interaction) or interaction.status == "cancelled":
        abort(403)
    account = interaction.account
    form = _interaction_form(account, interaction)
    del form.status, form.next_steps, form.add_row
    if request.method == "GET":
        local = interaction.starts_at.astimezone(local_zone())
        form.day.data, form.start.data = local.date(), local.time().replace(second=0)
        if interaction.ends_at:
            form.end.data = interaction.ends_at.astimezone(local_zone()).time().replace(second=0)
        form.topics.data = interaction.topic_list
        form.sentiment.data = interaction.sentiment or ""
        form.person_ids.data = [a.person_id for a in interaction.attendees if a.person_id]
        form.user_ids.data = [a.user_id for a in interaction.attendees if a.user_id]
    if form.validate_on_submit():
        try:
            services.save_interaction(
                interaction, account, _data(form, interaction.status), current_user
            )
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("meetings.detail", interaction_id=interaction.id))
        except ServiceError as exc:
            show_save_error(form, exc)
    return render_template(
        "meetings/form.html", form=form, account=account, interaction=interaction, step_error=None
    )


@bp.route("/<int:interaction_id>/held", methods=["GET", "POST"])
def held(interaction_id: int):
    interaction = interaction_or_404(interaction_id)
    if not services.can_change(current_user, interaction):
        abort(403)
    if interaction.status != "planned":
        flash(_("Hanya interaksi yang direncanakan yang dapat ditandai terlaksana."), "error")
        return redirect(url_for("meetings.detail", interaction_id=interaction.id))
    form = HeldForm()
    form.person_ids.choices = person_options(interaction.account_id)
    _fill_steps(form, interaction.account.rm_id or current_user.id)
    if request.method == "GET":
        local = interaction.starts_at.astimezone(local_zone())
        form.day.data, form.start.data = local.date(), local.time().replace(second=0)
        if interaction.ends_at:
            form.end.data = interaction.ends_at.astimezone(local_zone()).time().replace(second=0)
        form.person_ids.data = [a.person_id for a in interaction.attendees if a.person_id]
    step_error = None
    if form.add_row.data:
        form.next_steps.append_entry()
        _fill_steps(form, interaction.account.rm_id or current_user.id)
    elif form.validate_on_submit():
        try:
            services.mark_held(
                interaction,
                minutes=form.minutes.data,
                outcome=form.outcome.data or "",
                sentiment=form.sentiment.data or None,
                starts_at=local_moment(form.day.data, form.start.data),
                ends_at=local_moment(form.day.data, form.end.data),
                person_ids=form.person_ids.data or [],
                next_steps=_steps(form),
                actor=current_user,
            )
            flash(_("Interaksi ditandai terlaksana."), "success")
            return redirect(url_for("meetings.detail", interaction_id=interaction.id))
        except ServiceError as exc:
            step_error = show_save_error(form, exc)
    return render_template(
        "meetings/held.html", form=form, interaction=interaction, step_error=step_error
    )


@bp.post("/<int:interaction_id>/cancel")
def cancel(interaction_id: int):
    interaction = interaction_or_404(interaction_id)
    if not services.can_change(current_user, interaction):
        abort(403)
    try:
        services.cancel_interaction(interaction, current_user)
        flash(_("Pertemuan dibatalkan."), "success")
    except ServiceError as exc:
        show_error(exc)
    return redirect(url_for("meetings.detail", interaction_id=interaction_id))


@bp.get("/<int:interaction_id>.ics")
def invite(interaction_id: int):
    interaction = interaction_or_404(interaction_id)
    body = interaction_calendar([interaction], method="REQUEST")
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="pertemuan-{interaction.id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.app_template_global("meeting_label")
def meeting_label(group: str, value: str | None) -> str:
    """The readable label of a stored meeting choice (type, topic, status, sentiment, state)."""
    choices = {
        "type": forms.type_choices,
        "topic": forms.topic_choices,
        "status": forms.status_choices,
        "sentiment": forms.sentiment_choices,
        "state": forms.state_choices,
        "task_status": forms.task_status_choices,
    }[group]()
    return str(dict(choices).get(value or "", value or "-"))


from crm.meetings import quick_views  # noqa: E402,F401 - /quick and /feed on this blueprint
