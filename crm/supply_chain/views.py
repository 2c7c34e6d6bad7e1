"""/supply-chain/: the roll-up of parents and one parent's vendor coverage."""

from __future__ import annotations

from flask import Blueprint

from crm.auth.access import require_roles

bp = Blueprint("supply_chain", __name__, url_prefix="/supply-chain")
bp.before_request(require_roles("rm", "supervisor", "admin"))


@bp.get("/")
def index():
    return "supply chain"
