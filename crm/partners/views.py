"""/portal/: what a partner user sees after signing in, and the invitation welcome page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from crm.auth.access import require_roles
from crm.partners import downloads, invitations, portal
from crm.partners.portal_forms import WelcomeForm
from crm.services import ServiceError, discard_changes, show_error

bp = Blueprint("portal", __name__, url_prefix="/portal")
_partners_only = require_roles("partner")
# Anyone holding an invitation link reaches the welcome page, signed in or not.
PUBLIC_ENDPOINTS = ("portal.welcome",)


@bp.before_request
def guard():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return _partners_only()


@bp.after_request
def no_store(response):
    # Agreement pages and files are the institution's own: no shared cache keeps them.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.after_app_request
def welcome_sends_no_referrer(response):
    """The welcome URL holds a live token: no Referer carries it anywhere, not even to our
    own static files, and no search engine keeps it. An app-level hook registered with the
    blueprint (before the app's security headers), so it runs after them and has the last
    word on Referrer-Policy."""
    if request.endpoint == "portal.welcome":
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/")
def index():
    page = portal.agreements_page(
        current_user.account_id, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_template("partners/index.html", institution=current_user.account, page=page)


@bp.get("/agreements/<int:agreement_id>")
def agreement(agreement_id: int):
    item = portal.portal_agreement_or_404(current_user, agreement_id)
    show_versions = request.args.get("versions") == "1"
    return render_template(
        "partners/agreement.html",
        institution=current_user.account,
        agreement=item,
        documents=portal.current_documents(item.id),
        versions=portal.all_versions(item.id) if show_versions else None,
        summary=portal.implementation_summary(item.id),
        children=portal.shared_children(item) if item.kind == "mou" else [],
    )


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    """The file, through the app: only the partner's own institution's shared documents."""
    item = portal.portal_document_or_404(current_user, document_id)
    downloads.ensure_stored(item)
    if request.method != "HEAD":  # a HEAD (link checkers, previews) takes no file away
        downloads.log_download(item, current_user, request.remote_addr)
    return downloads.download_response(item)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """Accept an invitation: choose a name and password, then land on the portal."""
    if current_user.is_authenticated:
        # Accepting while signed in would mix two identities in one session.
        message = _(
            "Anda sedang masuk sebagai %(email)s. Keluar dulu, lalu buka tautan ini lagi.",
            email=current_user.email,
        )
        return _welcome_refused(message, 409)
    invitation = invitations.find_invitation(token)
    state = invitations.invitation_state(invitation) if invitation else "unknown"
    if state != "open":
        return _welcome_refused(_welcome_messages()[state], 404 if state == "unknown" else 410)
    form = WelcomeForm(name=invitation.name)
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(invitation, form.name.data, form.password.data)
        except ServiceError as exc:
            if exc.field == "password":  # e.g. a rule of create_user's: say it on the form
                show_error(exc, form)
                return render_template("partners/welcome.html", form=form, invitation=invitation)
            discard_changes()
            return _welcome_refused(exc.message, 409)
        except IntegrityError:  # the same link submitted twice at once: one user only
            discard_changes()
            return _welcome_refused(_welcome_messages()["used"], 410)
        session.clear()
        login_user(user)
        flash(_("Selamat datang, %(name)s. Akun Anda sudah aktif.", name=user.name), "success")
        return redirect(url_for("portal.index"))
    return render_template("partners/welcome.html", form=form, invitation=invitation)


def _welcome_messages() -> dict[str, str]:
    return {
        "unknown": _("Tautan undangan tidak dikenal. Periksa kembali tautan dari email Anda."),
        "used": _("Tautan undangan ini sudah dipakai. Silakan masuk dengan email Anda."),
        "revoked": _("Undangan ini sudah dibatalkan. Hubungi relationship manager Anda."),
        "expired": _(
            "Tautan undangan ini sudah kedaluwarsa. Minta undangan baru kepada relationship "
            "manager Anda."
        ),
    }


def _welcome_refused(message: str, status: int):
    return render_template("partners/welcome.html", form=None, message=message), status


@bp.app_template_global()
def portal_label(group: str, value) -> str:
    """The Indonesian label of a partnership code (status, kind, document kind, report)."""
    return str(portal.LABELS[group].get(value, value or ""))


@bp.app_template_global()
def portal_badge(value) -> str:
    return portal.BADGES.get(value, "")


@bp.app_template_global()
def portal_parent(agreement):
    """The agreement's MoU when the partner may see it too (same institution, shared)."""
    parent = agreement.parent
    if parent is None or parent.account_id != agreement.account_id:
        return None
    return parent if parent.status in portal.PORTAL_STATUSES else None


@bp.app_template_global()
def portal_number(value: int | None) -> str:
    """`12.500`: thousands grouped with dots, as Indonesian readers write them."""
    return f"{value or 0:,}".replace(",", ".")


@bp.app_template_global()
def portal_period(kind: str | None, start) -> str:
    """`Desember 2026` or `Triwulan 4 2026`: the period a report covers."""
    if start is None:
        return ""
    if kind == "quarter":
        return _("Triwulan %(q)d %(year)d", q=(start.month - 1) // 3 + 1, year=start.year)
    return format_date(start, "MMMM yyyy")
