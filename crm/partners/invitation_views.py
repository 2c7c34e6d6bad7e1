"""Partner-user invitations: an RM invites a user of an institution to the portal."""

from __future__ import annotations

from flask import Blueprint

from crm.auth.access import require_roles

bp = Blueprint("partner_invitations", __name__)
bp.before_request(require_roles("rm", "supervisor", "admin"))
