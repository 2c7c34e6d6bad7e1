"""/cadence/: the supervisor's view of meeting cadence per RM and branch with a 12-month
trend, the accounts behind each number, and institutions to re-engage."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import local_date
from crm.inputs import parse_int
from crm.meetings import cadence, reports, tally, tasks, trend
from crm.meetings.models import AccountCadence
from crm.meetings.months import add_months, month_start
from crm.meetings.reengagement import (
    REENGAGE_SILENT_DAYS,
    quarters,
    reengagement_query,
    reengagement_rows,
)
from crm.offices import BranchOffice
from crm.pagination import decode_cursor, keyset_page
from crm.services import ServiceError

bp = Blueprint("cadence", __name__, url_prefix="/cadence")
bp.before_request(require_roles("admin", "supervisor", "rm"))
PER_PAGE = 50
DRILL_STATES = ("met", "not_met", "on_track", "due", "overdue")


def _id_arg(name: str) -> int | None:
    """An id from the query string: None when absent, 0 for "none assigned"."""
    value = request.args.get(name, "")
    if value == "none":
        return 0
    return parse_int(value)


def _overseer() -> None:
    if current_user.role not in ("supervisor", "admin"):
        abort(403)


@bp.get("/")
def index():
    _overseer()
    today = local_date(utcnow())
    rm_id, branch_id = _id_arg("rm"), _id_arg("branch")
    grid = tally.current_grid(today)
    by_rm = reports.current_shares(today, "rm", grid)
    by_branch = reports.current_shares(today, "branch", grid)
    points = trend.trend(today, rm_id=rm_id, branch_id=branch_id, grid=grid)
    scope_label = None
    if rm_id:
        scope_label = getattr(db.session.get(User, rm_id), "name", None)
    elif branch_id:
        scope_label = getattr(db.session.get(BranchOffice, branch_id), "name", None)
    return render_template(
        "cadence/index.html",
        today=today,
        month=month_start(today),
        by_rm=by_rm,
        by_branch=by_branch,
        total=reports.total(by_rm),
        points=points,
        rm_id=rm_id,
        branch_id=branch_id,
        scope_label=scope_label,
        policies=cadence.policies(),
    )


def _month_arg(today: date) -> date:
    try:
        year, month = (int(p) for p in request.args.get("month", "").split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return month_start(today)
    this_month = month_start(today)
    return chosen if add_months(this_month, -24) <= chosen <= this_month else this_month


@bp.get("/accounts")
def accounts():
    """The accounts behind a number; an RM may look only at their own portfolio."""
    today = local_date(utcnow())
    rm_id, branch_id = _id_arg("rm"), _id_arg("branch")
    if current_user.role == "rm":
        rm_id, branch_id = current_user.id, None
    month = _month_arg(today)
    state = request.args.get("state", "")
    closed = month < month_start(today)
    if state not in DRILL_STATES or (closed and state not in ("met", "not_met")):
        state = "not_met" if closed else ""
    stmt = reports.drilldown_query(today, month, state, rm_id, branch_id, PER_PAGE).options(
        joinedload(Account.rm), joinedload(Account.branch_office)
    )
    page = keyset_page(stmt, [Account.name, Account.id], _cursor(), PER_PAGE)
    summaries = _summaries([a.id for a in page.items])
    statuses = {
        a.id: cadence.cadence_status(
            cadence.policies()[a.segment],
            today=today,
            created_on=local_date(a.created_at),
            last_bod1_on=getattr(summaries.get(a.id), "last_bod1_on", None),
            last_held_on=getattr(summaries.get(a.id), "last_held_on", None),
            account_status=a.status,
            next_planned_at=getattr(summaries.get(a.id), "next_planned_at", None),
        )
        for a in page.items
    }
    args = {k: v for k, v in request.args.items() if k != "after"}
    return render_template(
        "cadence/accounts.html",
        page=page,
        statuses=statuses,
        state=state,
        month=month,
        closed=closed,
        rm=db.session.get(User, rm_id) if rm_id else None,
        branch=db.session.get(BranchOffice, branch_id) if branch_id else None,
        args=args,
    )


def _cursor() -> str | None:
    """The cursor, only when it has the key's types (name text, id integer)."""
    raw = request.args.get("after")
    values = decode_cursor(raw, 2)
    if values is None or type(values[0]) is not str or type(values[1]) is not int:
        return None
    return raw if 0 <= values[1] < 2**63 else None


def _summaries(ids: list[int]) -> dict[int, AccountCadence]:
    if not ids:
        return {}
    rows = db.session.scalars(select(AccountCadence).where(AccountCadence.account_id.in_(ids)))
    return {r.account_id: r for r in rows}


@bp.get("/reengagement")
def reengagement():
    today = local_date(utcnow())
    rm_id = current_user.id if current_user.role == "rm" else _id_arg("rm")
    stmt = reengagement_query(today, rm_id).options(joinedload(Account.rm))
    rows = db.session.execute(stmt.order_by(Account.name, Account.id).limit(500)).all()
    (last_from, last_to), (prev_from, prev_to) = quarters(today)
    return render_template(
        "cadence/reengagement.html",
        rows=reengagement_rows(rows, today),
        last=(last_from, last_to),
        prev=(prev_from, prev_to),
        silent_days=REENGAGE_SILENT_DAYS,
        rms=db.session.execute(
            select(User.id, User.name).where(User.role == "rm").order_by(User.name)
        ).all()
        if current_user.role != "rm"
        else [],
        rm_id=rm_id,
    )


@bp.app_template_filter("month_label")
def month_label(value: date) -> str:
    """`Nov 2026` in the user's language."""
    from flask_babel import format_date

    return format_date(value, "MMM yyyy")


@bp.post("/reengagement/<int:account_id>/task")
def reengagement_task(account_id: int):
    from flask import flash, redirect, url_for
    from flask_babel import gettext as _

    account = db.get_or_404(Account, account_id)
    try:
        task = tasks.create_reengagement_task(account, current_user, local_date(utcnow()))
    except ServiceError:
        abort(403)
    if task is None:
        flash(_("Sudah ada tugas re-engagement terbuka untuk %(name)s.", name=account.name), "info")
    else:
        flash(_("Tugas re-engagement dibuat untuk %(name)s.", name=account.name), "success")
    return redirect(url_for("cadence.reengagement"))
