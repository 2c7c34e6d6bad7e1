"""/portal/: what a partner user sees after signing in."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from crm.auth.access import require_roles

bp = Blueprint("portal", __name__, url_prefix="/portal")
bp.before_request(require_roles("partner"))


@bp.get("/")
def index():
    return render_template("partners/index.html", institution=current_user.account)
