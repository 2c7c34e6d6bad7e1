"""/tasks/: next steps and follow-ups with filters (assignee, status, due, account); mark
them done or open again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date
from crm.inputs import parse_int
from crm.meetings import tasks
from crm.meetings.models import Task
from crm.meetings.views import staff_options
from crm.redirects import redirect_to_next
from crm.services import ServiceError, show_error

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
bp.before_request(require_roles("admin", "supervisor", "rm"))
PER_PAGE = 50


def _filters() -> tuple[tasks.TaskFilters, str]:
    """Assignee defaults to me; `assignee=all` lists everyone's."""
    assignee_arg = request.args.get("assignee", "")
    if assignee_arg == "":
        assignee_arg = str(current_user.id)
    assignee_id = parse_int(assignee_arg)
    status = request.args.get("status", "open")
    account = request.args.get("account", "")
    return tasks.TaskFilters(
        assignee_id=assignee_id,
        status=status if status in ("open", "done", "cancelled", "all") else "open",
        due=request.args.get("due", "") if request.args.get("due") in ("late", "week") else "",
        account_id=parse_int(account),
    ), assignee_arg


@bp.get("/")
def index():
    filters, assignee_arg = _filters()
    today = local_date(utcnow())
    page = tasks.task_page(tasks.task_query(filters, today), request.args.get("after"), PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "after"}
    account = db.session.get(Account, filters.account_id) if filters.account_id else None
    return render_template(
        "meetings/tasks.html",
        page=page,
        filters=filters,
        assignee_arg=assignee_arg,
        args=args,
        staff=staff_options(),
        account=account,
        today=today,
        can_update=tasks.can_update_task,
    )


def _set(task_id: int, status: str):
    task = db.get_or_404(Task, task_id)
    if not tasks.can_update_task(current_user, task):
        abort(403)
    try:
        tasks.set_task_status(task, status, current_user)
        flash(_("Tugas selesai.") if status == "done" else _("Tugas dibuka lagi."), "success")
    except ServiceError as exc:
        show_error(exc)
    return redirect_to_next(request.form.get("next"), fallback=url_for("tasks.index"))


@bp.post("/<int:task_id>/done")
def done(task_id: int):
    return _set(task_id, "done")


@bp.post("/<int:task_id>/reopen")
def reopen(task_id: int):
    return _set(task_id, "open")
