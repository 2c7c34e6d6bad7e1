"""Partner-user invitations: who may invite, the single-use link, accepting it, mail.

The link carries a random token; only its SHA-256 is stored, so the table never holds a
usable link. A link works once, until it expires (PARTNER_INVITE_DAYS) or is revoked.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import joinedload

from crm import audit
from crm.accounts.models import Account
from crm.admin.services import create_user
from crm.auth.models import User
from crm.auth.services import find_user_by_email, normalize_email
from crm.db import as_utc, utcnow
from crm.extensions import db
from crm.partners.models import Agreement
from crm.partners.portal_models import PartnerInvitation
from crm.services import ServiceError

log = logging.getLogger(__name__)

LIST_LIMIT = 50  # partner users or open invitations of one institution shown at once


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def can_manage_partner_users(user, account: Account) -> bool:
    """Supervisors and admins for any institution; an RM for the institutions they hold
    (account RM) or hold an agreement with (agreement RM)."""
    if user.role in ("admin", "supervisor"):
        return True
    if user.role != "rm":
        return False
    if account.rm_id == user.id:
        return True
    return bool(
        db.session.scalar(
            select(exists().where(Agreement.account_id == account.id, Agreement.rm_id == user.id))
        )
    )


def invitation_state(invitation: PartnerInvitation) -> str:
    """`open`, `used`, `revoked` or `expired`."""
    if invitation.used_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if as_utc(invitation.expires_at) <= utcnow():
        return "expired"
    return "open"


def invite_partner(account: Account, email: str, name: str, actor) -> tuple[PartnerInvitation, str]:
    """A new invitation and its token (shown or mailed once, never stored). An earlier open
    invitation for the same email and institution is revoked: the newest link is the one."""
    if not can_manage_partner_users(actor, account):
        raise ServiceError(_("Anda tidak berwenang mengundang pengguna untuk institusi ini."))
    if account.segment != "institutional":
        raise ServiceError(_("Pengguna mitra hanya untuk institusi (kementerian/lembaga)."))
    email, name = normalize_email(email), (name or "").strip()
    if not name:
        raise ServiceError(_("Isi nama pengguna."), "name")
    _check_email_free(email, account)
    now = utcnow()
    for earlier in open_invitations(account.id, email=email):
        earlier.revoked_at = now
        audit.record(
            "partner_invitation.revoke", earlier, summary=f"{email} (diganti)", actor=actor
        )
    token = secrets.token_urlsafe(32)
    invitation = PartnerInvitation(
        account_id=account.id,
        email=email,
        name=name[:120],
        token_hash=hash_token(token),
        expires_at=now + timedelta(days=current_app.config["PARTNER_INVITE_DAYS"]),
        invited_by_id=actor.id,
    )
    db.session.add(invitation)
    audit.record(
        "partner_invitation.create",
        invitation,
        summary=f"{email} → {account.name}"[:500],
        after={"email": email, "account_id": account.id},
        actor=actor,
    )
    return invitation, token


def _check_email_free(email: str, account: Account) -> None:
    existing = find_user_by_email(email)
    if existing is not None and not existing.active and existing.account_id == account.id:
        # A new link would only fail on acceptance: say what to do instead.
        raise ServiceError(
            _(
                "Pengguna mitra ini sudah ada tetapi dinonaktifkan. Minta admin "
                "mengaktifkannya kembali."
            ),
            "email",
        )
    if existing is not None:
        raise ServiceError(
            _("Email ini sudah dipakai pengguna lain; tidak perlu diundang lagi."), "email"
        )


def open_invitations(account_id: int, email: str | None = None) -> list[PartnerInvitation]:
    """Invitations not used, revoked or expired, newest first (ix_partner_invitation_account)."""
    stmt = (
        select(PartnerInvitation)
        .options(joinedload(PartnerInvitation.invited_by))
        .where(
            PartnerInvitation.account_id == account_id,
            PartnerInvitation.used_at.is_(None),
            PartnerInvitation.revoked_at.is_(None),
            PartnerInvitation.expires_at > utcnow(),
        )
        .order_by(PartnerInvitation.created_at.desc(), PartnerInvitation.id.desc())
        .limit(LIST_LIMIT)
    )
    if email is not None:
        stmt = stmt.where(PartnerInvitation.email == email)
    return list(db.session.scalars(stmt))


def partner_user_count(account_id: int) -> int:
    """All partner users of the institution (ix on user.account_id), for the `N of M` note."""
    return db.session.scalar(
        select(func.count(User.id)).where(User.account_id == account_id, User.role == "partner")
    )


def partner_users(account_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.account_id == account_id, User.role == "partner")
            .order_by(User.name, User.id)
            .limit(LIST_LIMIT)
        )
    )


def revoke_invitation(invitation: PartnerInvitation, actor) -> None:
    if not can_manage_partner_users(actor, invitation.account):
        raise ServiceError(_("Anda tidak berwenang mengelola undangan institusi ini."))
    if invitation_state(invitation) != "open":
        raise ServiceError(_("Undangan ini sudah tidak berlaku."))
    invitation.revoked_at = utcnow()
    audit.record("partner_invitation.revoke", invitation, summary=invitation.email, actor=actor)


def find_invitation(token: str) -> PartnerInvitation | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(PartnerInvitation).where(PartnerInvitation.token_hash == hash_token(token))
    )


def accept_invitation(invitation: PartnerInvitation, name: str, password: str) -> User:
    """Create the partner user from an open invitation and use it up (one transaction).

    The link is claimed with a conditional UPDATE first, so two tabs submitting the same
    link at once create one user: the second finds nothing left to claim."""
    now = utcnow()
    claimed = db.session.execute(
        update(PartnerInvitation)
        .where(
            PartnerInvitation.id == invitation.id,
            PartnerInvitation.used_at.is_(None),
            PartnerInvitation.revoked_at.is_(None),
            PartnerInvitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if claimed != 1:
        raise ServiceError(_("Tautan undangan ini sudah tidak berlaku."))
    try:
        user = create_user(
            email=invitation.email,
            name=(name or invitation.name).strip()[:120],
            role="partner",
            password=password,
            account_id=invitation.account_id,
            actor=None,
            must_change_password=False,
        )
    except ServiceError as exc:
        raise ServiceError(str(exc), exc.field) from exc
    db.session.flush()
    invitation.user_id = user.id
    audit.record("partner_invitation.accept", invitation, summary=invitation.email, actor=user)
    return user


def one_line(value: str) -> str:
    """A header-safe text: line breaks and other control characters become single spaces
    (an institution name with a newline would otherwise make EmailMessage raise)."""
    return " ".join("".join(" " if c < " " or c == "\x7f" else c for c in value).split())


def invitation_message(invitation: PartnerInvitation, link: str) -> EmailMessage:
    cfg = current_app.config
    institution = one_line(invitation.account.name)
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = invitation.email
    message["Subject"] = _("Undangan Portal Mitra Relasi: %(name)s", name=institution)
    message.set_content(
        _(
            "Yth. %(name)s,\n\nAnda diundang ke Portal Mitra BPJS Ketenagakerjaan untuk "
            "%(institution)s. Buka tautan berikut untuk membuat kata sandi (berlaku %(days)d "
            "hari, sekali pakai):\n\n%(link)s\n\nAbaikan email ini bila Anda tidak merasa "
            "diundang.",
            name=one_line(invitation.name),
            institution=institution,
            days=cfg["PARTNER_INVITE_DAYS"],
            link=link,
        )
    )
    return message


def send_invitation_mail(invitation: PartnerInvitation, link: str) -> bool:
    """Mail the link when SMTP is configured; False when it is not or sending failed, and
    the caller shows the link to the RM instead."""
    cfg = current_app.config
    if not cfg.get("SMTP_HOST"):
        return False
    message = invitation_message(invitation, link)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["SMTP_USER"]:
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("invitation mail to %s failed: %s", invitation.email, exc)
        return False
    return True
