"""Indonesian identifiers: validate, normalize to digits, and format for display.

NPP (employer registration) 8 digits; NPWP (tax number) 15 digits old style or 16 new style,
where the new number is the old one with a leading 0, so both are stored as 16 digits and
the same taxpayer cannot be entered twice; NIB (business id) 13 digits; NIK (national id)
16 digits; KPJ (participant card) 11 digits.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from crm.provinces import check_nik_province
from crm.services import ServiceError

_NON_DIGITS = re.compile(r"[\s.\-/]")


def digits(value: str | None) -> str:
    """The value without spaces, dots, dashes and slashes (what people type around digits)."""
    return _NON_DIGITS.sub("", value or "")


def _exact(value: str | None, length: int, label: str) -> str | None:
    raw = digits(value)
    if not raw:
        return None
    if not raw.isdigit():
        raise ServiceError(_("%(label)s hanya boleh berisi angka.", label=label))
    if len(raw) != length:
        raise ServiceError(
            _(
                "%(label)s harus %(n)d digit (tertulis %(got)d).",
                label=label,
                n=length,
                got=len(raw),
            )
        )
    return raw


def normalize_npp(value: str | None) -> str | None:
    return _exact(value, 8, "NPP")


def normalize_nib(value: str | None) -> str | None:
    return _exact(value, 13, "NIB")


def normalize_nik(value: str | None) -> str | None:
    """16 digits whose first two are a province's code (crm.provinces)."""
    nik = _exact(value, 16, "NIK")
    if nik is not None:
        check_nik_province(nik)
    return nik


def normalize_kpj(value: str | None) -> str | None:
    return _exact(value, 11, "KPJ")


def normalize_npwp(value: str | None) -> str | None:
    """15 (old) or 16 (new) digits; stored as 16, the old form with its leading 0."""
    raw = digits(value)
    if not raw:
        return None
    if not raw.isdigit():
        raise ServiceError(_("%(label)s hanya boleh berisi angka.", label="NPWP"))
    if len(raw) == 15:
        return "0" + raw
    if len(raw) == 16:
        return raw
    raise ServiceError(_("NPWP harus 15 atau 16 digit (tertulis %(got)d).", got=len(raw)))


def format_npwp(stored: str | None) -> str:
    """`01.234.567.8-901.234` for numbers that began as old 15-digit NPWPs, else 16 digits."""
    if not stored:
        return ""
    if len(stored) == 16 and stored.startswith("0"):
        o = stored[1:]
        return f"{o[0:2]}.{o[2:5]}.{o[5:8]}.{o[8]}-{o[9:12]}.{o[12:15]}"
    return f"{stored[0:4]} {stored[4:8]} {stored[8:12]} {stored[12:16]}"


def looks_like_identifier(query: str) -> str | None:
    """The digits of a search query that is an identifier (6+ digits, nothing else)."""
    raw = digits(query)
    return raw if raw.isdigit() and len(raw) >= 6 else None
