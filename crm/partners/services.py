"""Agreement rules: validation, creating, editing, status changes and renewal (who may act:
crm.partners.access).

Stored statuses are the workflow (draft, negotiation, signed, active, terminated, renewed).
"expiring" and "expired" are never stored: they are computed from today for a signed or
active agreement (effective_status), so every list is right on the day itself, with no
job having to run first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from crm import audit
from crm.accounts.models import Account
from crm.auth.models import User
from crm.compliance.services import today_local
from crm.db import utcnow
from crm.extensions import db
from crm.i18n import long_date
from crm.offices import BranchOffice
from crm.partners.access import can_create_for, can_edit, is_supervisor
from crm.partners.models import Agreement, AgreementAlert, AgreementBranch
from crm.services import ServiceError

INSTITUTION_KINDS = ("ministry", "agency", "local_government")
RUNNING = ("signed", "active")  # the stored statuses that can become expiring/expired
FINAL = ("terminated", "renewed")
EXPIRING_DAYS = 90
# Agreement dates outside these bounds are typing mistakes (year 0001 or 9999): refused,
# so that renewal (valid_to + its length) and the expiry windows never leave date's range.
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 12, 31)
# Manual status changes; "renewed" only through renew_agreement.
TRANSITIONS = {
    "draft": ("negotiation", "signed", "terminated"),
    "negotiation": ("draft", "signed", "terminated"),
    "signed": ("active", "terminated"),
    "active": ("terminated",),
    "terminated": (),
    "renewed": (),
}
AUDIT_FIELDS = (
    "kind",
    "parent_id",
    "account_id",
    "title",
    "scope",
    "our_number",
    "partner_number",
    "signed_on",
    "valid_from",
    "valid_to",
    "rm_id",
    "status",
    "terminated_reason",
    "renewed_from_id",
)


@dataclass
class AgreementData:
    """What the agreement form gives, already typed."""

    title: str
    valid_from: date | None
    valid_to: date | None
    account_id: int | None = None
    scope: str = ""
    our_number: str = ""
    partner_number: str = ""
    signed_on: date | None = None
    rm_id: int | None = None
    internal_notes: str = ""
    branch_ids: list[int] = field(default_factory=list)
    # The user confirmed that a PKS ends after its MoU (a warning, not a refusal).
    outlive_ok: bool = False


def effective_status(agreement: Agreement, today: date) -> str:
    """The stored status, or expiring/expired for a signed or active agreement near or past
    its end."""
    if agreement.status not in RUNNING:
        return agreement.status
    if agreement.valid_to < today:
        return "expired"
    if agreement.valid_to <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return agreement.status


# -- validation -----------------------------------------------------------------------------------


def institution(account_id: int | None) -> Account:
    account = db.session.get(Account, account_id) if account_id else None
    if account is None:
        raise ServiceError(_("Pilih institusi mitra."), "account_id")
    if account.kind not in INSTITUTION_KINDS:
        raise ServiceError(
            _("Mitra kerja sama harus kementerian, lembaga atau pemerintah daerah."),
            "account_id",
        )
    return account


def check_dates(data: AgreementData, parent: Agreement | None) -> None:
    """valid_to after valid_from; a PKS starts inside its MoU's validity; a PKS that ends
    after its MoU needs the user's explicit confirmation."""
    if data.valid_from is None:
        raise ServiceError(_("Isi tanggal mulai berlaku."), "valid_from")
    if data.valid_to is None:
        raise ServiceError(_("Isi tanggal akhir berlaku."), "valid_to")
    for name in ("valid_from", "valid_to", "signed_on"):
        check_plausible(getattr(data, name), name)
    if data.valid_to <= data.valid_from:
        raise ServiceError(
            _("Tanggal akhir berlaku harus sesudah tanggal mulai berlaku."), "valid_to"
        )
    if data.signed_on is not None and data.signed_on > data.valid_to:
        raise ServiceError(
            _("Tanggal penandatanganan tidak boleh sesudah akhir masa berlaku."), "signed_on"
        )
    if parent is None:
        return
    if not parent.valid_from <= data.valid_from <= parent.valid_to:
        raise ServiceError(
            _(
                "PKS harus mulai dalam masa berlaku MoU-nya (%(start)s sampai %(end)s).",
                start=long_date(parent.valid_from),
                end=long_date(parent.valid_to),
            ),
            "valid_from",
        )
    if data.valid_to > parent.valid_to and not data.outlive_ok:
        raise ServiceError(outlive_warning(parent), "outlive_ok")


def check_plausible(day: date | None, field_name: str) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ServiceError(
            _(
                "Periksa tahunnya: tanggal harus antara %(first)s dan %(last)s.",
                first=long_date(FIRST_DAY),
                last=long_date(LAST_DAY),
            ),
            field_name,
        )


def check_children(agreement: Agreement, data: AgreementData) -> None:
    """An MoU's new validity must still hold its standing PKS: each starts inside it
    (refused), and one that would end after it needs the same confirmation as on the PKS."""
    standing = [c for c in agreement.children if c.status not in FINAL]
    outside = [c for c in standing if not data.valid_from <= c.valid_from <= data.valid_to]
    if outside:
        raise ServiceError(
            _(
                "“%(title)s” di bawah MoU ini mulai %(day)s, di luar masa berlaku baru ini. "
                "Ubah atau akhiri PKS itu lebih dulu.",
                title=outside[0].title,
                day=long_date(outside[0].valid_from),
            ),
            "valid_from" if outside[0].valid_from < data.valid_from else "valid_to",
        )
    if any(c.valid_to > data.valid_to for c in standing) and not data.outlive_ok:
        raise ServiceError(
            _(
                "Ada PKS di bawah MoU ini yang berakhir sesudah %(day)s. Centang konfirmasi "
                "bila memang disengaja.",
                day=long_date(data.valid_to),
            ),
            "outlive_ok",
        )


def outlive_warning(parent: Agreement) -> str:
    return _(
        "PKS ini berakhir sesudah MoU-nya (MoU berlaku sampai %(end)s). Centang "
        "konfirmasi bila memang disengaja, misalnya MoU sedang diperpanjang.",
        end=long_date(parent.valid_to),
    )


def check_parent(parent: Agreement | None) -> None:
    if parent is None:
        raise ServiceError(_("MoU induk tidak ditemukan."), "parent_id")
    if parent.kind != "mou":
        raise ServiceError(_("PKS hanya dapat dibuat di bawah MoU."), "parent_id")
    if parent.status in FINAL:
        raise ServiceError(
            _("MoU ini sudah diakhiri atau diperpanjang; buat PKS di bawah MoU yang berlaku."),
            "parent_id",
        )


def responsible_rm(data: AgreementData, actor, account: Account) -> int | None:
    """An RM is responsible for what they create; a supervisor names any active RM."""
    if not is_supervisor(actor):
        return actor.id
    if not data.rm_id:
        return account.rm_id
    rm = db.session.get(User, data.rm_id)
    if rm is None or rm.role != "rm" or not rm.active:
        raise ServiceError(_("Pilih RM aktif."), "rm_id")
    return rm.id


def check_branches(branch_ids: list[int], keep: set[int] | frozenset = frozenset()) -> list[int]:
    """Active branch offices; `keep` (those already covered) may stay though deactivated
    since, so that editing the title does not drop a branch and hide its reports."""
    ids = sorted(set(branch_ids))
    if not ids:
        return []
    usable = BranchOffice.active
    if keep:
        usable = or_(BranchOffice.active, BranchOffice.id.in_(sorted(keep)))
    found = set(db.session.scalars(select(BranchOffice.id).where(BranchOffice.id.in_(ids), usable)))
    if found != set(ids):
        raise ServiceError(_("Pilih kantor cabang yang aktif."), "branch_ids")
    return ids


# -- writes ------------------------------------------------------------------------------------


def _apply(agreement: Agreement, data: AgreementData, rm_id: int | None) -> None:
    agreement.title = data.title.strip()
    agreement.scope = data.scope.strip()
    agreement.our_number = data.our_number.strip()
    agreement.partner_number = data.partner_number.strip()
    agreement.signed_on = data.signed_on
    agreement.valid_from = data.valid_from
    agreement.valid_to = data.valid_to
    agreement.rm_id = rm_id
    agreement.internal_notes = data.internal_notes.strip()


def _set_branches(agreement: Agreement, branch_ids: list[int]) -> None:
    wanted = set(branch_ids)
    agreement.branches = [b for b in agreement.branches if b.branch_office_id in wanted]
    have = {b.branch_office_id for b in agreement.branches}
    for branch_id in sorted(wanted - have):
        agreement.branches.append(AgreementBranch(branch_office_id=branch_id))


def create_agreement(data: AgreementData, actor, parent: Agreement | None = None) -> Agreement:
    """A new MoU (no parent) or PKS under `parent`, in status draft."""
    if not data.title.strip():
        raise ServiceError(_("Isi judul kerja sama."), "title")
    if parent is not None:
        check_parent(parent)
    # A PKS implements its MoU with the same institution; whoever may edit the MoU adds it.
    account = institution(parent.account_id if parent is not None else data.account_id)
    allowed = can_edit(actor, parent) if parent is not None else can_create_for(actor, account)
    if not allowed:
        raise PermissionError(_("Anda hanya dapat membuat kerja sama untuk akun portofolio Anda."))
    check_dates(data, parent)
    branch_ids = check_branches(data.branch_ids)
    agreement = Agreement(
        kind="pks" if parent is not None else "mou",
        parent=parent,
        account=account,
        status="draft",
        created_by_id=actor.id,
        terminated_reason="",
    )
    _apply(agreement, data, responsible_rm(data, actor, account))
    _set_branches(agreement, branch_ids)
    db.session.add(agreement)
    db.session.flush()
    audit.record(
        "agreement.created",
        agreement,
        summary=f"{agreement.kind.upper()} {agreement.title} dengan {account.name}",
        after=audit.snapshot(agreement, AUDIT_FIELDS),
        actor=actor,
    )
    return agreement


def update_agreement(agreement: Agreement, data: AgreementData, actor) -> Agreement:
    if not can_edit(actor, agreement):
        raise PermissionError(_("Anda tidak bertanggung jawab atas kerja sama ini."))
    if agreement.status in FINAL:
        raise ServiceError(_("Kerja sama yang sudah diakhiri atau diperpanjang tidak diubah."))
    if not data.title.strip():
        raise ServiceError(_("Isi judul kerja sama."), "title")
    check_dates(data, agreement.parent)
    if agreement.kind == "mou" and (
        data.valid_from != agreement.valid_from or data.valid_to != agreement.valid_to
    ):
        check_children(agreement, data)
    branch_ids = check_branches(
        data.branch_ids, keep={b.branch_office_id for b in agreement.branches}
    )
    rm_id = agreement.rm_id
    if is_supervisor(actor):  # an RM does not hand an agreement over; a supervisor does
        rm_id = responsible_rm(data, actor, agreement.account)
    before = audit.snapshot(agreement, AUDIT_FIELDS)
    if data.valid_to != agreement.valid_to:
        forget_alerts(agreement)  # a new end date starts the 90/60/30 ladder afresh
    _apply(agreement, data, rm_id)
    _set_branches(agreement, branch_ids)
    db.session.flush()
    audit.record(
        "agreement.updated",
        agreement,
        summary=f"Kerja sama #{agreement.id} diubah",
        before=before,
        after=audit.snapshot(agreement, AUDIT_FIELDS),
        actor=actor,
    )
    return agreement


def change_status(
    agreement: Agreement,
    to_status: str,
    actor,
    *,
    reason: str = "",
    signed_on: date | None = None,
) -> Agreement:
    """Move the workflow on; terminating needs a reason, signing needs the signing date."""
    if not can_edit(actor, agreement):
        raise PermissionError(_("Anda tidak bertanggung jawab atas kerja sama ini."))
    if to_status not in TRANSITIONS.get(agreement.status, ()):
        raise ServiceError(_("Perubahan status ini tidak diizinkan."), "to_status")
    reason = (reason or "").strip()
    if to_status == "terminated" and not reason:
        raise ServiceError(_("Tulis alasan pengakhiran kerja sama."), "reason")
    if to_status in RUNNING and agreement.signed_on is None and signed_on is None:
        raise ServiceError(_("Isi tanggal penandatanganan."), "signed_on")
    before = audit.snapshot(agreement, AUDIT_FIELDS)
    if signed_on is not None:
        check_plausible(signed_on, "signed_on")
        if signed_on > today_local():
            raise ServiceError(_("Tanggal penandatanganan tidak boleh di masa depan."), "signed_on")
        if signed_on > agreement.valid_to:
            raise ServiceError(
                _("Tanggal penandatanganan tidak boleh sesudah akhir masa berlaku."), "signed_on"
            )
        agreement.signed_on = signed_on
    agreement.status = to_status
    if to_status == "terminated":
        agreement.terminated_reason = reason[:500]
        dismiss_alerts(agreement)
    db.session.flush()
    audit.record(
        "agreement.status",
        agreement,
        summary=f"Status kerja sama #{agreement.id}: {before['status']} -> {to_status}",
        before=before,
        after=audit.snapshot(agreement, AUDIT_FIELDS),
        actor=actor,
    )
    if to_status == "terminated" and agreement.kind == "mou":
        for child in open_children(agreement):
            _terminate_with_parent(child, reason, actor)
    return agreement


def open_children(mou: Agreement) -> list[Agreement]:
    """The PKS under an MoU that are neither terminated nor renewed."""
    return [c for c in mou.children if c.status not in FINAL]


def _terminate_with_parent(child: Agreement, reason: str, actor) -> None:
    """A PKS implements its MoU, so it cannot run on once the MoU is terminated."""
    before = audit.snapshot(child, AUDIT_FIELDS)
    child.status = "terminated"
    child.terminated_reason = f"MoU induk diakhiri: {reason}"[:500]
    dismiss_alerts(child)
    db.session.flush()
    audit.record(
        "agreement.status",
        child,
        summary=f"Status kerja sama #{child.id}: {before['status']} -> terminated (MoU induk)",
        before=before,
        after=audit.snapshot(child, AUDIT_FIELDS),
        actor=actor,
    )


def dismiss_alerts(agreement: Agreement) -> None:
    """An agreement that ends or is renewed needs no more expiry alerts on the home pages."""
    for alert in db.session.scalars(
        select(AgreementAlert).where(
            AgreementAlert.agreement_id == agreement.id, AgreementAlert.dismissed_at.is_(None)
        )
    ):
        alert.dismissed_at = utcnow()


def forget_alerts(agreement: Agreement) -> None:
    db.session.execute(delete(AgreementAlert).where(AgreementAlert.agreement_id == agreement.id))
