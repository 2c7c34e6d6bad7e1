"""Letterhead placeholders: which fields still hold them, and the refusal to approve on them.

The migration seeds a fictional office; in production (CRM_ENV=production) no letter is
numbered and printed on it: single, bulk and batch approvals all refuse until an admin
replaces it at /admin/letterhead."""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import gettext as _

from crm.extensions import db
from crm.letters.models import LetterheadSetting
from crm.services import ServiceError

# What the migration seeds (20261130_4cb6ed4f7cb6): a letter signed on these is not a letter.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "office_name": ("Kantor Wilayah Kepesertaan Korporasi dan Institusi",),
    "office_address": ("Jl. Contoh Raya No. 1",),
    "signatory_name": ("Nama Penandatangan",),
    "signatory_title": (),
}
LETTERHEAD_URL = "/admin/letterhead"


def field_labels() -> dict[str, str]:
    """The admin form's labels, for the warning and the refusal."""
    return {
        "office_name": _("Nama kantor"),
        "office_address": _("Alamat kantor"),
        "signatory_name": _("Nama penanda tangan"),
        "signatory_title": _("Jabatan penanda tangan"),
    }


def placeholder_fields(head: LetterheadSetting | None) -> list[str]:
    """The letterhead's fields that are empty or still hold a placeholder, in form order."""
    found = []
    for name, markers in PLACEHOLDERS.items():
        value = ((getattr(head, name, "") if head is not None else "") or "").strip()
        if not value or any(marker in value for marker in markers):
            found.append(name)
    return found


def _is_production() -> bool:
    return has_app_context() and current_app.config.get("ENV_NAME") == "production"


def require_real_letterhead() -> None:
    """In production, refuse to approve while the letterhead holds placeholders: the letter
    would be numbered and printed on a fictional office."""
    if not _is_production():
        return
    fields = placeholder_fields(db.session.get(LetterheadSetting, 1))
    if fields:
        labels = field_labels()
        raise ServiceError(
            _(
                "Kop surat masih berisi contoh (%(fields)s): lengkapi di %(url)s sebelum "
                "menyetujui surat.",
                fields=", ".join(labels[f] for f in fields),
                url=LETTERHEAD_URL,
            )
        )
