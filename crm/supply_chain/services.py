"""Vendor rules: who may see and change a parent's vendors, the prospect fields, campaign
status changes and the conversion of a prospect into a registered account. Callers commit.

Access follows the parent account: an RM sees and manages the vendors of the parents in
their portfolio, supervisors and admins those of every parent. Conversion creates the
vendor's Account through crm.accounts.services.save_account (identifier checks, duplicate
guard, audit) with the parent's branch office and RM, or links the account that already
holds the NPP (or the NPWP), on the same link row: its events and letter stay with it.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.accounts import identifiers as ids
from crm.accounts.models import Account
from crm.accounts.services import ACCOUNT_FIELDS, can_edit, save_account, search_name
from crm.db import utcnow
from crm.extensions import db
from crm.services import ServiceError
from crm.supply_chain.invitations import cancel_unissued_invitation
from crm.supply_chain.labels import sc_label
from crm.supply_chain.models import MAX_WORKERS, SupplyChainEvent, SupplyChainLink

VENDOR_FIELDS = (
    "name",
    "npwp",
    "contact_name",
    "phone",
    "email",
    "address",
    "estimated_workers",
    "contract",
)
LINK_FIELDS = (*VENDOR_FIELDS, "vendor_account_id", "campaign_status")
MANUAL_STATUSES = ("not_contacted", "invited", "in_progress", "refused")
LIMITS = {"name": 200, "contact_name": 150, "phone": 40, "email": 254, "contract": 200}
LIMITS["address"] = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()\-. ]{6,40}$")
# Plain digits, or thousands grouped by three: 1.250.000 or 1,250,000 (ASCII digits only:
# str.isdigit() also accepts `²`, which int() refuses).
WHOLE = re.compile(r"^[0-9]+$|^[0-9]{1,3}(\.[0-9]{3})+$|^[0-9]{1,3}(,[0-9]{3})+$")


# -- access -----------------------------------------------------------------------------------


def can_view(user, parent: Account) -> bool:
    """Supervisors and admins see every parent; an RM the parents of their portfolio."""
    if user.role in ("supervisor", "admin"):
        return True
    return user.role == "rm" and parent.rm_id == user.id


def can_manage(user, parent: Account) -> bool:
    """Add, import, edit, register and invite vendors: whoever may edit the parent."""
    return user.role != "partner" and can_edit(user, parent)


def require_manage(user, parent: Account) -> None:
    if not can_manage(user, parent):
        raise PermissionError(_("Anda hanya dapat mengelola vendor akun portofolio Anda."))


# -- the prospect fields ------------------------------------------------------------------------


def parse_workers(raw: Any) -> int | None:
    """Estimated workers: empty, or a whole number 0..MAX_WORKERS. `1.250` and `1,250` are
    1250 (thousands grouped by three); `12.5` or `12,5` is a fraction and is refused, not
    read as 125."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if text.startswith("-") and WHOLE.match(text[1:]):
        raise ServiceError(_("Jumlah pekerja tidak boleh negatif."), "estimated_workers")
    if not WHOLE.match(text):
        raise ServiceError(_("Isi jumlah pekerja sebagai bilangan bulat."), "estimated_workers")
    digits = text.replace(".", "").replace(",", "")
    # int() refuses strings of more than 4,300 digits: judge the length first.
    if len(digits) > 12 or int(digits) > MAX_WORKERS:
        raise ServiceError(_("Jumlah pekerja terlalu besar."), "estimated_workers")
    return int(digits)


def vendor_values(data: dict[str, Any]) -> tuple[dict[str, Any], list[ServiceError]]:
    """Normalized prospect fields and every problem found in them (the import lists all)."""
    clean: dict[str, Any] = {}
    problems: list[ServiceError] = []
    for key in ("name", "contact_name", "phone", "email", "address", "contract"):
        raw = str(data.get(key) or "")
        value = raw.replace("\r\n", "\n").strip() if key == "address" else " ".join(raw.split())
        if len(value) > LIMITS[key]:
            problems.append(ServiceError(_("Paling panjang %(n)d karakter.", n=LIMITS[key]), key))
            value = value[: LIMITS[key]]
        clean[key] = value
    if not clean["name"]:
        problems.append(ServiceError(_("Nama vendor wajib diisi."), "name"))
    if clean["email"] and not EMAIL.match(clean["email"]):
        problems.append(ServiceError(_("Alamat surel tidak valid."), "email"))
    if clean["phone"] and not PHONE.match(clean["phone"]):
        message = _("Nomor telepon hanya berisi angka, spasi, +, -, ( ).")
        problems.append(ServiceError(message, "phone"))
    try:
        clean["npwp"] = ids.normalize_npwp(data.get("npwp"))
    except ServiceError as exc:
        problems.append(ServiceError(str(exc), "npwp"))
        clean["npwp"] = None
    try:
        clean["estimated_workers"] = parse_workers(data.get("estimated_workers"))
    except ServiceError as exc:
        problems.append(exc)
        clean["estimated_workers"] = None
    return clean, problems


def clean_vendor(data: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalized prospect fields, or ServiceError naming the first bad one."""
    clean, problems = vendor_values(data)
    if problems:
        raise problems[0]
    return clean


def _npwp_taken(parent_id: int, npwp: str | None, exclude_id: int | None) -> SupplyChainLink | None:
    if not npwp:
        return None
    stmt = select(SupplyChainLink).where(
        SupplyChainLink.parent_id == parent_id, SupplyChainLink.npwp == npwp
    )
    if exclude_id:
        stmt = stmt.where(SupplyChainLink.id != exclude_id)
    return db.session.scalar(stmt)


def add_event(link: SupplyChainLink, kind: str, actor, note: str = "") -> None:
    db.session.add(
        SupplyChainEvent(
            link_id=link.id, kind=kind, actor_id=getattr(actor, "id", None), note=note[:2000]
        )
    )


def _audit(action: str, link: SupplyChainLink, actor, before: dict | None) -> None:
    db.session.flush()
    audit.record(
        action,
        link,
        summary=f"{link.name} ({link.parent.name if link.parent else link.parent_id})",
        before=before,
        after=audit.snapshot(link, LINK_FIELDS),
        actor=actor,
    )


# -- writes -----------------------------------------------------------------------------------


def create_vendor(
    parent: Account, data: dict[str, Any], actor, npp: str | None = None
) -> SupplyChainLink:
    """A new vendor prospect of the parent; registered at once when an NPP is given."""
    require_manage(actor, parent)
    clean = clean_vendor(data)
    other = _npwp_taken(parent.id, clean["npwp"], None)
    if other is not None:
        raise ServiceError(
            _("NPWP ini sudah dipakai vendor %(name)s di induk ini.", name=other.name), "npwp"
        )
    link = SupplyChainLink(parent_id=parent.id, parent=parent, **clean)
    link.search_name = search_name(clean["name"]) or clean["name"].lower()
    db.session.add(link)
    db.session.flush()
    add_event(link, "created", actor)
    _audit("supply_chain.vendor_create", link, actor, None)
    holder = registered_holder(clean["npwp"]) if not npp else None
    if npp or holder is not None:
        # As on import: an NPWP already held by a company with an NPP registers the vendor
        # (a prospect would get an invitation although the company is registered).
        via = _("NPWP cocok dengan akun ber-NPP") if holder is not None else ""
        try:
            register_vendor(link, npp or holder.npp, actor, via=via)
        except ServiceError as exc:
            if holder is None:
                raise
            raise ServiceError(str(exc), "npwp") from exc  # the NPWP typed decided
    return link


def registered_holder(npwp: str | None) -> Account | None:
    """The account with an NPP that holds this NPWP, if any."""
    if not npwp:
        return None
    return db.session.scalar(select(Account).where(Account.npwp == npwp, Account.npp.is_not(None)))


def update_vendor(link: SupplyChainLink, data: dict[str, Any], actor) -> SupplyChainLink:
    """Save the prospect fields (a registered vendor keeps them as its history)."""
    require_manage(actor, link.parent)
    clean = clean_vendor(data)
    other = _npwp_taken(link.parent_id, clean["npwp"], link.id)
    if other is not None:
        raise ServiceError(
            _("NPWP ini sudah dipakai vendor %(name)s di induk ini.", name=other.name), "npwp"
        )
    before = audit.snapshot(link, LINK_FIELDS)
    for key, value in clean.items():
        setattr(link, key, value)
    link.search_name = search_name(clean["name"]) or clean["name"].lower()
    changed = [k for k in VENDOR_FIELDS if before.get(k) != audit.snapshot(link, [k]).get(k)]
    if changed:
        add_event(link, "updated", actor, ", ".join(changed))
        _audit("supply_chain.vendor_update", link, actor, before)
    return link


def set_campaign_status(link: SupplyChainLink, status: str, actor, note: str = "") -> None:
    """Move a prospect along the campaign (registered comes only from conversion)."""
    require_manage(actor, link.parent)
    if link.is_registered:
        raise ServiceError(_("Vendor ini sudah terdaftar."), "status")
    if status not in MANUAL_STATUSES:
        raise ServiceError(_("Pilihan tidak dikenal."), "status")
    if status == link.campaign_status:
        return
    before = audit.snapshot(link, LINK_FIELDS)
    old, link.campaign_status = link.campaign_status, status
    add_event(link, "status_changed", actor, status_note(old, status, note))
    _audit("supply_chain.vendor_status", link, actor, before)


def status_note(old: str, new: str, note: str = "") -> str:
    """`Belum dihubungi → Dalam proses: <the RM's note>` for the link's history."""
    text = f"{sc_label('status', old)} → {sc_label('status', new)}"
    return f"{text}: {note.strip()}" if note.strip() else text


def delete_vendor(link: SupplyChainLink, actor) -> None:
    """Remove the vendor from the parent's list (the vendor's account, if any, stays)."""
    require_manage(actor, link.parent)
    before = audit.snapshot(link, LINK_FIELDS)
    audit.record(
        "supply_chain.vendor_delete",
        link,
        summary=f"{link.name} ({link.parent.name})",
        before=before,
        actor=actor,
    )
    db.session.delete(link)
    db.session.flush()


# -- conversion -------------------------------------------------------------------------------


def _account_for(npp: str, npwp: str | None) -> Account | None:
    """The account that already holds this NPP, else the one with this NPWP (if its NPP,
    when any, is the same one); ServiceError when they point at different companies."""
    by_npp = db.session.scalar(select(Account).where(Account.npp == npp))
    if by_npp is not None:
        # An NPP typed wrong (or of another company) must not register this vendor as
        # someone else: when both NPWPs are known they have to agree.
        if npwp and by_npp.npwp and by_npp.npwp != npwp:
            raise ServiceError(
                _(
                    "NPP %(npp)s milik %(name)s dengan NPWP lain; periksa NPP atau NPWP vendor.",
                    npp=npp,
                    name=by_npp.name,
                ),
                "npp",
            )
        return by_npp
    if not npwp:
        return None
    by_npwp = db.session.scalar(select(Account).where(Account.npwp == npwp))
    if by_npwp is not None and by_npwp.npp and by_npwp.npp != npp:
        raise ServiceError(
            _(
                "NPWP vendor ini milik %(name)s dengan NPP %(npp)s, bukan NPP yang diisi.",
                name=by_npwp.name,
                npp=by_npwp.npp,
            ),
            "npp",
        )
    return by_npwp


def _new_vendor_account(link: SupplyChainLink, npp: str, actor) -> Account:
    parent = link.parent
    data = {
        "name": link.name,
        "kind": "company",
        "segment": "corporate",
        "status": "active",
        "npp": npp,
        "npwp": link.npwp,
        "headcount": link.estimated_workers,
        "address": link.address,
        "branch_office_id": parent.branch_office_id,
        "rm_id": parent.rm_id,
        "character_notes": _("Vendor dari %(parent)s.", parent=parent.name),
    }
    # A vendor's name may resemble another company's: the NPP decides, not the name.
    return save_account(None, data, actor, confirm_similar=True)


def register_vendor(link: SupplyChainLink, raw_npp: str, actor, via: str = "") -> Account:
    """The prospect registered: link the account holding the NPP (or NPWP), or create it
    with the parent's branch and RM. The link row (its history) is kept."""
    require_manage(actor, link.parent)
    if link.is_registered:
        raise ServiceError(_("Vendor ini sudah terdaftar."), "npp")
    try:
        npp = ids.normalize_npp(raw_npp)
    except ServiceError as exc:
        raise ServiceError(str(exc), "npp") from exc
    if not npp:
        raise ServiceError(_("Isi NPP vendor."), "npp")
    account = _account_for(npp, link.npwp)
    if account is not None and account.id == link.parent_id:
        raise ServiceError(_("Akun induk tidak bisa menjadi vendornya sendiri."), "npp")
    if account is not None and _linked(link.parent_id, account.id):
        raise ServiceError(
            _("%(name)s sudah ada di daftar vendor induk ini.", name=account.name), "npp"
        )
    before = audit.snapshot(link, LINK_FIELDS)
    try:
        if account is None:
            account = _new_vendor_account(link, npp, actor)
        elif not account.npp:
            account = save_account(account, {**_account_data(account), "npp": npp}, actor, True)
    except ServiceError as exc:
        raise ServiceError(str(exc), "npp" if exc.field in (None, "npp") else None) from exc
    mark_registered(link, account, actor, via or _("NPP %(npp)s dicatat", npp=npp))
    cancel_unissued_invitation(link, actor)
    _audit("supply_chain.vendor_register", link, actor, before)
    return account


def _account_data(account: Account) -> dict[str, Any]:
    return {key: getattr(account, key) for key in ACCOUNT_FIELDS}


def _linked(parent_id: int, account_id: int) -> bool:
    return (
        db.session.scalar(
            select(SupplyChainLink.id).where(
                SupplyChainLink.parent_id == parent_id,
                SupplyChainLink.vendor_account_id == account_id,
            )
        )
        is not None
    )


def mark_registered(link: SupplyChainLink, account: Account, actor, note: str) -> None:
    """Point the link at its account; the campaign status follows (shared by the import)."""
    link.vendor_account_id = account.id
    link.vendor = account
    link.campaign_status = "registered"
    link.registered_at = utcnow()
    if not link.npwp and account.npwp and not _npwp_taken(link.parent_id, account.npwp, link.id):
        link.npwp = account.npwp
    add_event(link, "registered", actor, note)
