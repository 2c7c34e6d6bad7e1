"""Admin rules: user accounts and branch offices. Callers commit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from crm import audit
from crm.accounts.models import Account
from crm.audit import AuditLog
from crm.auth.models import ROLES, User
from crm.auth.services import find_user_by_email, normalize_email
from crm.extensions import db
from crm.offices import BranchOffice
from crm.services import ServiceError

USER_FIELDS = ("email", "name", "role", "branch_office_id", "account_id", "active")
BRANCH_FIELDS = ("code", "name", "region", "address", "active")


def _check_user_links(role: str, branch_office_id: int | None, account_id: int | None) -> None:
    if role not in ROLES:
        raise ServiceError(_("Peran tidak dikenal."), "role")
    if branch_office_id and db.session.get(BranchOffice, branch_office_id) is None:
        raise ServiceError(_("Kantor cabang tidak ditemukan."), "branch_office_id")
    if role == "partner":
        account = db.session.get(Account, account_id) if account_id else None
        if account is None:
            raise ServiceError(_("Pengguna mitra harus terhubung ke satu institusi."), "account_id")
        if account.segment != "institutional":
            raise ServiceError(
                _("Pengguna mitra hanya untuk institusi (kementerian/lembaga)."), "account_id"
            )


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    branch_office_id: int | None = None,
    account_id: int | None = None,
    actor=None,
    must_change_password: bool = True,
) -> User:
    """Create a user; the password is temporary unless must_change_password is False."""
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise ServiceError(_("Email ini sudah dipakai pengguna lain."), "email")
    _check_user_links(role, branch_office_id, account_id)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        branch_office_id=branch_office_id or None,
        account_id=account_id if role == "partner" else None,
        must_change_password=must_change_password,
        locale="id",
        session_version=0,
        active=True,
    )
    user.set_password(password)
    db.session.add(user)
    audit.record(
        "user.create", user, summary=email, after=audit.snapshot(user, USER_FIELDS), actor=actor
    )
    return user


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    role: str,
    branch_office_id: int | None,
    account_id: int | None,
    actor,
) -> User:
    email = normalize_email(email)
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise ServiceError(_("Email ini sudah dipakai pengguna lain."), "email")
    _check_user_links(role, branch_office_id, account_id)
    if user.role == "admin" and role != "admin":
        _ensure_other_admin(user)
    before = audit.snapshot(user, USER_FIELDS)
    new_account_id = account_id if role == "partner" else None
    if role != user.role or new_account_id != user.account_id:
        user.session_version += 1  # a new role or institution ends the old sessions
    user.email, user.name, user.role = email, name.strip(), role
    user.branch_office_id = branch_office_id or None
    user.account_id = new_account_id
    audit.record(
        "user.update",
        user,
        summary=email,
        before=before,
        after=audit.snapshot(user, USER_FIELDS),
        actor=actor,
    )
    return user


def _ensure_other_admin(user: User) -> None:
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise ServiceError(_("Harus ada setidaknya satu admin aktif lain."))


def set_user_active(user: User, active: bool, actor) -> None:
    """Deactivate (ends every session of the user) or reactivate."""
    if not active:
        if actor is not None and user.id == actor.id:
            raise ServiceError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
        if user.role == "admin":
            _ensure_other_admin(user)
    before = audit.snapshot(user, ["active"])
    user.active = active
    user.session_version += 1
    audit.record(
        "user.activate" if active else "user.deactivate",
        user,
        summary=user.email,
        before=before,
        after=audit.snapshot(user, ["active"]),
        actor=actor,
    )


def reset_password(user: User, password: str, actor) -> None:
    """Set a temporary password the user must change at next sign-in."""
    user.set_password(password)
    user.must_change_password = True
    audit.record("user.password_reset", user, summary=user.email, actor=actor)


def save_branch(
    branch: BranchOffice | None,
    *,
    code: str,
    name: str,
    region: str,
    address: str,
    active: bool,
    actor,
) -> BranchOffice:
    """Create (branch None) or update a branch office; codes are unique, case-insensitively."""
    code = code.strip().upper()
    clash = db.session.scalar(select(BranchOffice).where(func.upper(BranchOffice.code) == code))
    if clash is not None and (branch is None or clash.id != branch.id):
        raise ServiceError(_("Kode kantor cabang sudah dipakai."), "code")
    before = audit.snapshot(branch, BRANCH_FIELDS) if branch else None
    if branch is None:
        branch = BranchOffice()
        db.session.add(branch)
    branch.code, branch.name, branch.region = code, name.strip(), region.strip()
    branch.address, branch.active = (address or "").strip(), active
    audit.record(
        "branch.update" if before else "branch.create",
        branch,
        summary=code,
        before=before,
        after=audit.snapshot(branch, BRANCH_FIELDS),
        actor=actor,
    )
    return branch


def _day_start(d: date) -> datetime:
    """Midnight of d where the audit list shows its times (Asia/Jakarta unless configured)."""
    return datetime.combine(d, time.min, tzinfo=get_timezone())


def audit_query(
    *,
    actor: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """The filtered audit-log select (every filter served by an index)."""
    stmt = select(AuditLog)
    if actor:
        stmt = stmt.where(AuditLog.actor_label == normalize_email(actor))
    if action:
        stmt = stmt.where(AuditLog.action == action.strip())
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type.strip())
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id.strip())
    # The extreme dates mean "no bound", and their day boundaries overflow datetime.
    if date_from and date_from > date.min:
        stmt = stmt.where(AuditLog.created_at >= _day_start(date_from))
    if date_to and date_to < date.max:
        stmt = stmt.where(AuditLog.created_at < _day_start(date_to + timedelta(days=1)))
    return stmt
