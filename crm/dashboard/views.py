"""`/`: each role lands on its own home page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.accounts.models import Account
from crm.auth.models import User
from crm.cases import board
from crm.compliance.services import today_local
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.meetings.queries import rm_home
from crm.partners.expiry import open_alerts

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    if current_user.role == "partner":
        return redirect(url_for("portal.index"))
    if current_user.role == "admin":
        return redirect(url_for("admin.index"))
    recent_jobs = db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.owner_id == current_user.id)
        .order_by(BackgroundJob.created_at.desc())
        .limit(5)
    ).all()
    if current_user.role == "supervisor":
        team = db.session.scalars(
            select(User)
            .options(joinedload(User.branch_office))
            .where(User.role == "rm", User.active.is_(True))
            .order_by(User.name)
        ).all()
        accounts = db.session.execute(
            select(Account.segment, func.count()).group_by(Account.segment)
        ).all()
        stages = board.stage_totals(board.CaseFilters(), current_user, today_local())
        return render_template(
            "dashboard/supervisor.html",
            team=team,
            accounts=dict(accounts),
            recent_jobs=recent_jobs,
            case_stages=stages,
            agreement_alerts=open_alerts(current_user, today_local()),
        )

    return render_template(
        "dashboard/rm.html",
        recent_jobs=recent_jobs,
        my_cases=board.my_open_cases(current_user, today_local()),
        agreement_alerts=open_alerts(current_user, today_local()),
        **rm_home(current_user),
    )
