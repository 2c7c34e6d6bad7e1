"""Account rules: who may edit, identifiers, duplicate guard, portfolio. Callers commit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, update

from crm import audit
from crm.accounts import hooks
from crm.accounts import identifiers as ids
from crm.accounts.models import KINDS, OWNERSHIPS, SEGMENTS, STATUSES, Account
from crm.auth.models import User
from crm.extensions import db
from crm.inputs import contains_text, starts_with_text
from crm.offices import BranchOffice
from crm.services import ServiceError

ACCOUNT_FIELDS = (
    "name",
    "kind",
    "segment",
    "status",
    "ownership",
    "sector",
    "headcount",
    "address",
    "city",
    "npp",
    "npwp",
    "nib",
    "branch_office_id",
    "rm_id",
    "parent_id",
    "character_notes",
)
LEGAL_FORMS = re.compile(r"\b(pt|tbk|persero|perum|cv|ud|pd|persero\)|\(persero)\b|[().,]")


@dataclass
class SimilarNames(Exception):
    """Accounts with a very similar name exist; the user must confirm it is another one."""

    matches: list[Account] = field(default_factory=list)


def search_name(name: str) -> str:
    """Lower-case, accent-free name without legal forms: `PT Semen Gresik (Persero) Tbk` ->
    `semen gresik`."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = LEGAL_FORMS.sub(" ", text)
    return " ".join(text.split())


def can_edit(user: User, account: Account) -> bool:
    """RMs edit their own portfolio; supervisors and admins edit every account."""
    if user.role in ("admin", "supervisor"):
        return True
    return user.role == "rm" and account.rm_id == user.id


def can_reassign(user: User) -> bool:
    return user.role in ("admin", "supervisor")


def similar_accounts(name: str, exclude_id: int | None = None, limit: int = 5) -> list[Account]:
    """Accounts whose normalized name equals, starts with or is contained in this one's."""
    key = search_name(name)
    if len(key) < 3:
        return []
    stmt = select(Account).where(
        or_(Account.search_name == key, starts_with_text(Account.search_name, key))
    )
    if exclude_id:
        stmt = stmt.where(Account.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Account.name).limit(limit)))


def clean_identifiers(data: dict[str, Any]) -> dict[str, str | None]:
    """Normalized NPP/NPWP/NIB, or ServiceError naming the bad field."""
    out = {}
    for key, fn in (
        ("npp", ids.normalize_npp),
        ("npwp", ids.normalize_npwp),
        ("nib", ids.normalize_nib),
    ):
        try:
            out[key] = fn(data.get(key))
        except ServiceError as exc:
            raise ServiceError(str(exc), key) from exc
    return out


def identifier_owner(key: str, value: str | None, exclude_id: int | None = None) -> Account | None:
    """The account that already holds this NPP/NPWP/NIB, if any."""
    if not value:
        return None
    stmt = select(Account).where(getattr(Account, key) == value)
    if exclude_id:
        stmt = stmt.where(Account.id != exclude_id)
    return db.session.scalar(stmt)


def validate_account(data: dict[str, Any], exclude_id: int | None = None) -> dict[str, Any]:
    """Checked, normalized values for an account, or ServiceError for the first bad field."""
    name = (data.get("name") or "").strip()
    if not name:
        raise ServiceError(_("Nama wajib diisi."), "name")
    clean = {**{k: data.get(k) for k in ACCOUNT_FIELDS}, "name": name}
    for key, allowed in (("kind", KINDS), ("segment", SEGMENTS), ("status", STATUSES)):
        if clean[key] not in allowed:
            raise ServiceError(_("Pilihan tidak dikenal."), key)
    if clean["ownership"] not in (None, "", *OWNERSHIPS):
        raise ServiceError(_("Pilihan tidak dikenal."), "ownership")
    clean["ownership"] = clean["ownership"] or None
    clean["sector"] = clean["sector"] or None
    headcount = clean["headcount"]
    if headcount in ("", None):
        clean["headcount"] = None
    else:
        try:
            clean["headcount"] = int(headcount)
        except (TypeError, ValueError) as exc:
            raise ServiceError(_("Jumlah pekerja harus berupa angka."), "headcount") from exc
        if clean["headcount"] < 0:
            raise ServiceError(_("Jumlah pekerja tidak boleh negatif."), "headcount")
    clean.update(clean_identifiers(data))
    for key in ("npp", "npwp", "nib"):
        owner = identifier_owner(key, clean[key], exclude_id)
        if owner is not None:
            raise ServiceError(
                _("%(id)s ini sudah dipakai oleh %(name)s.", id=key.upper(), name=owner.name), key
            )
    for key in ("address", "city", "character_notes"):
        clean[key] = (clean[key] or "").strip()
    _check_links(clean, exclude_id)
    return clean


def _check_links(clean: dict[str, Any], exclude_id: int | None) -> None:
    for key in ("branch_office_id", "rm_id", "parent_id"):
        clean[key] = int(clean[key]) if clean[key] not in (None, "", 0, "0") else None
    if (
        clean["branch_office_id"]
        and db.session.get(BranchOffice, clean["branch_office_id"]) is None
    ):
        raise ServiceError(_("Kantor cabang tidak ditemukan."), "branch_office_id")
    if clean["rm_id"]:
        rm = db.session.get(User, clean["rm_id"])
        if rm is None or rm.role != "rm" or not rm.active:
            raise ServiceError(_("RM harus pengguna aktif dengan peran RM."), "rm_id")
    if clean["parent_id"]:
        if clean["parent_id"] == exclude_id:
            raise ServiceError(_("Akun tidak bisa menjadi induknya sendiri."), "parent_id")
        if db.session.get(Account, clean["parent_id"]) is None:
            raise ServiceError(_("Akun induk tidak ditemukan."), "parent_id")


def save_account(
    account: Account | None, data: dict[str, Any], actor: User, confirm_similar: bool = False
) -> Account:
    """Create (account None) or update; refuses what the actor may not change."""
    if account is not None and not can_edit(actor, account):
        raise ServiceError(_("Anda hanya dapat mengubah akun di portofolio Anda."))
    clean = validate_account(data, exclude_id=account.id if account else None)
    changing_rm = account is None or clean["rm_id"] != account.rm_id
    if changing_rm and not can_reassign(actor):
        if account is None and clean["rm_id"] in (None, actor.id):
            clean["rm_id"] = actor.id  # an RM's new account joins their own portfolio
        else:
            raise ServiceError(
                _("Hanya supervisor atau admin yang dapat memindahkan portofolio."), "rm_id"
            )
    if not confirm_similar:
        similar = similar_accounts(clean["name"], exclude_id=account.id if account else None)
        if similar and (account is None or search_name(account.name) != search_name(clean["name"])):
            raise SimilarNames(similar)
    before = audit.snapshot(account, ACCOUNT_FIELDS) if account else None
    if account is None:
        account = Account()
        db.session.add(account)
    for key, value in clean.items():
        setattr(account, key, value)
    account.search_name = search_name(clean["name"])
    if before is not None and changing_rm:
        _cases_follow_rm([account.id], account.rm_id, actor)
    audit.record(
        "account.update" if before else "account.create",
        account,
        summary=account.name,
        before=before,
        after=audit.snapshot(account, ACCOUNT_FIELDS),
        actor=actor,
    )
    return account


def portfolio_sizes() -> dict[int, int]:
    """How many accounts each RM holds, by RM id."""
    stmt = select(Account.rm_id, func.count()).where(Account.rm_id.is_not(None))
    # .all(): dict() of the Result itself would call Result.keys() and then index it.
    return dict(db.session.execute(stmt.group_by(Account.rm_id)).all())


def reassign_portfolio(
    from_rm: User, to_rm: User, actor: User, branch_office_id: int | None = None
) -> int:
    """Move every account of one RM (optionally one branch) to another; returns the count."""
    if not can_reassign(actor):
        raise ServiceError(_("Hanya supervisor atau admin yang dapat memindahkan portofolio."))
    if to_rm.role != "rm" or not to_rm.active:
        raise ServiceError(_("RM tujuan harus pengguna aktif dengan peran RM."), "to_rm")
    if from_rm.id == to_rm.id:
        raise ServiceError(_("RM asal dan tujuan sama."), "to_rm")
    stmt = select(Account.id).where(Account.rm_id == from_rm.id)
    if branch_office_id:
        stmt = stmt.where(Account.branch_office_id == branch_office_id)
    moved = list(db.session.scalars(stmt))
    if moved:
        db.session.execute(update(Account).where(Account.id.in_(moved)).values(rm_id=to_rm.id))
        _cases_follow_rm(moved, to_rm.id, actor)
    audit.record(
        "portfolio.reassign",
        entity_type="user",
        entity_id=from_rm.id,
        summary=f"{len(moved)} akun: {from_rm.email} -> {to_rm.email}",
        before={"rm": from_rm.email},
        after={"rm": to_rm.email, "accounts": moved},
        actor=actor,
    )
    return len(moved)


def _cases_follow_rm(account_ids: list[int], rm_id: int | None, actor: User) -> None:
    """What follows the account's RM (its open escalation cases) moves with the accounts."""
    db.session.flush()
    hooks.rm_changed(account_ids, rm_id, actor)


def clear_key_person_gap(account: Account, actor: User) -> None:
    """The RM has re-established contact: the account no longer shows a key-person gap."""
    if account.key_person_gap_since is None:
        return
    before = audit.snapshot(account, ["key_person_gap_since"])
    account.key_person_gap_since = None
    audit.record(
        "account.gap_cleared",
        account,
        summary=account.name,
        before=before,
        after=audit.snapshot(account, ["key_person_gap_since"]),
        actor=actor,
    )


# -- the list ------------------------------------------------------------------------------


@dataclass
class AccountFilters:
    q: str = ""
    rm_id: int | None = None
    branch_office_id: int | None = None
    kind: str = ""
    segment: str = ""
    ownership: str = ""
    status: str = ""
    gap: bool = False
    # "no_bod1" (no held BOD-1 meeting this calendar month) or a cadence state:
    # "on_track", "due", "overdue" (crm.meetings.cadence).
    cadence: str = ""


def account_query(f: AccountFilters) -> Select:
    """The filtered account select; a query of digits searches NPP/NPWP/NIB exactly."""
    stmt = select(Account)
    # PostgreSQL refuses NUL bytes in text; no name holds control characters anyway.
    q = "".join(ch for ch in (f.q or "") if ch.isprintable()).strip()
    digits_only = ids.looks_like_identifier(q)
    if digits_only:
        npwp = "0" + digits_only if len(digits_only) == 15 else digits_only
        stmt = stmt.where(
            or_(Account.npp == digits_only, Account.npwp == npwp, Account.nib == digits_only)
        )
    elif q:
        key = search_name(q)
        if key:  # a typed % or _ is a character, not a wildcard
            stmt = stmt.where(contains_text(Account.search_name, key))
    if f.rm_id:
        stmt = stmt.where(Account.rm_id == f.rm_id)
    if f.branch_office_id:
        stmt = stmt.where(Account.branch_office_id == f.branch_office_id)
    for key in ("kind", "segment", "ownership", "status"):
        value = getattr(f, key)
        if value:
            stmt = stmt.where(getattr(Account, key) == value)
    if f.gap:
        stmt = stmt.where(Account.key_person_gap_since.is_not(None))
    return hooks.list_filter.fold(stmt, f)  # the meeting cadence (crm.meetings.account_hooks)


def count_accounts(f: AccountFilters, cap: int) -> int:
    """How many accounts match, counting at most cap + 1 (more than cap: show "cap+")."""
    matching = account_query(f).with_only_columns(Account.id).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching)) or 0
