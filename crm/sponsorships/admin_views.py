"""/admin/sponsorship-rates: the effective-dated package prices."""

from __future__ import annotations

from flask import Blueprint

from crm.auth.access import require_roles

bp = Blueprint("sponsorship_admin", __name__, url_prefix="/admin/sponsorship-rates")
bp.before_request(require_roles("admin"))


@bp.get("/")
def rates():
    return "rates"
