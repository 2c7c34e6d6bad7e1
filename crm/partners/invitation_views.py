"""Partner-user invitations: an RM invites a user of an institution to the portal.

Also the agreement's download log (the full, paginated page) and the panel data the
agreement page includes (templates/partners/_agreement_portal.html).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from crm.accounts.models import Account
from crm.auth.access import require_roles
from crm.extensions import db
from crm.partners import downloads, invitations
from crm.partners.models import Agreement
from crm.partners.portal_forms import InviteForm
from crm.partners.portal_models import DownloadLog, PartnerInvitation
from crm.services import ServiceError, show_error

bp = Blueprint("partner_invitations", __name__)
bp.before_request(require_roles("rm", "supervisor", "admin"))


def _account_or_404(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    return account


def _managed_account(account_id: int) -> Account:
    account = _account_or_404(account_id)
    if not invitations.can_manage_partner_users(current_user, account):
        abort(403)
    return account


def _render_users(account: Account, form: InviteForm, status: int = 200, **extra):
    return (
        render_template(
            "partners/partner_users.html",
            account=account,
            form=form,
            users=invitations.partner_users(account.id),
            user_total=invitations.partner_user_count(account.id),
            pending=invitations.open_invitations(account.id),
            invite_days=current_app.config["PARTNER_INVITE_DAYS"],
            smtp=bool(current_app.config.get("SMTP_HOST")),
            **extra,
        ),
        status,
    )


@bp.get("/accounts/<int:account_id>/partner-users")
def partner_users(account_id: int):
    return _render_users(_managed_account(account_id), InviteForm())


@bp.post("/accounts/<int:account_id>/partner-users")
def invite(account_id: int):
    """Create the invitation, commit, then mail the link or show it once to the RM."""
    account = _managed_account(account_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_users(account, form, 400)
    try:
        invitation, token = invitations.invite_partner(
            account, form.email.data, form.name.data, current_user
        )
    except ServiceError as exc:
        show_error(exc, form)
        return _render_users(account, form, 400)
    link = invitation_link(token)
    if invitations.send_invitation_mail(invitation, link):
        flash(_("Undangan dikirim ke %(email)s.", email=invitation.email), "success")
        return redirect(url_for("partner_invitations.partner_users", account_id=account.id))
    # No mail went out: the link is shown on this response only (never stored, never in a
    # cookie); reloading the page does not show it again.
    body, status = _render_users(account, InviteForm(formdata=None), link=link, invited=invitation)
    return body, status, {"Cache-Control": "private, no-store"}


def invitation_link(token: str) -> str:
    """The absolute welcome URL: on PUBLIC_BASE_URL when set, so a forged Host header can
    never put another site's address into a mailed link."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for("portal.welcome", token=token)
    return url_for("portal.welcome", token=token, _external=True)


@bp.post("/accounts/<int:account_id>/partner-users/invitations/<int:invitation_id>/revoke")
def revoke(account_id: int, invitation_id: int):
    account = _managed_account(account_id)
    invitation = db.session.get(PartnerInvitation, invitation_id)
    if invitation is None or invitation.account_id != account.id:
        abort(404)
    try:
        invitations.revoke_invitation(invitation, current_user)
        flash(_("Undangan untuk %(email)s dibatalkan.", email=invitation.email), "success")
    except ServiceError as exc:
        show_error(exc)
    return redirect(url_for("partner_invitations.partner_users", account_id=account.id))


def can_see_downloads(user, agreement: Agreement) -> bool:
    """The log names partner users and their IP addresses: supervisors, admins and the RMs
    responsible for the agreement or its institution."""
    if user.role in ("admin", "supervisor"):
        return True
    return user.role == "rm" and user.id in (agreement.rm_id, agreement.account.rm_id)


@bp.get("/agreements/<int:agreement_id>/downloads")
def agreement_downloads(agreement_id: int):
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    if not can_see_downloads(current_user, agreement):
        abort(403)
    page = downloads.downloads_page(
        agreement.id, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_template("partners/downloads.html", agreement=agreement, page=page)


@bp.app_template_global()
def agreement_portal_panel(agreement: Agreement) -> dict:
    """What the agreement page shows of the portal: the latest downloads, the institution's
    partner users and open invitations. Bounded queries; empty when the user may not see it."""
    if not current_user.is_authenticated or not can_see_downloads(current_user, agreement):
        return {"visible": False}
    total = db.session.scalar(
        select(func.count(DownloadLog.id)).where(DownloadLog.agreement_id == agreement.id)
    )
    return {
        "visible": True,
        "downloads": downloads.latest_downloads(agreement.id),
        "download_total": total or 0,
        "users": invitations.partner_users(agreement.account_id),
        "user_total": invitations.partner_user_count(agreement.account_id),
        "pending": invitations.open_invitations(agreement.account_id),
        "can_invite": invitations.can_manage_partner_users(current_user, agreement.account),
    }


@bp.app_template_global()
def agreement_page_url(agreement: Agreement) -> str:
    """/agreements/<id> (a stable URL), whatever the agreements blueprint names its view."""
    try:
        return url_for("agreements.detail", agreement_id=agreement.id)
    except BuildError:
        return f"{url_for('agreements.index')}{agreement.id}"


@bp.app_template_global()
def partner_users_url(account: Account) -> str | None:
    """The account's partner-users page when the signed-in user may manage it, else None
    (for a link on the account page)."""
    if not current_user.is_authenticated or account.segment != "institutional":
        return None
    if not invitations.can_manage_partner_users(current_user, account):
        return None
    return url_for("partner_invitations.partner_users", account_id=account.id)
