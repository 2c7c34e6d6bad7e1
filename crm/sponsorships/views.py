"""/sponsorships/: the register of sponsorships and one sponsorship."""

from __future__ import annotations

from flask import Blueprint

from crm.auth.access import require_roles

bp = Blueprint("sponsorships", __name__, url_prefix="/sponsorships")
bp.before_request(require_roles("rm", "supervisor", "admin"))


@bp.get("/")
def index():
    return "sponsorships"
