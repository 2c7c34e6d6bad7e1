"""/agreements/: the MoU/PKS register and one agreement."""

from __future__ import annotations

from flask import Blueprint

from crm.auth.access import require_roles

bp = Blueprint("agreements", __name__, url_prefix="/agreements")
bp.before_request(require_roles("rm", "supervisor", "admin"))


@bp.get("/")
def index():
    return "agreements"
