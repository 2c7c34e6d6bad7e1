"""Beneficiary identifiers: NIK (validated and masked), KPJ and phone numbers.

A NIK is 16 digits: province (2), regency (2), district (2), birth date DDMMYY (6, women
add 40 to the day) and a serial (4). We check what can be checked without the civil
registry: the province code is one of the 38 provinces' (crm.provinces), the birth date is
a real date in one of the two centuries a two-digit year can mean, and the serial is not
0000. The region digits below the province are not checked (the list changes with every
new regency).
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

from crm.provinces import check_nik_province
from crm.services import ServiceError

_DIGITS = re.compile(r"^\d+$")
_SEPARATORS = re.compile(r"[\s.\-]")


def _digits(raw: str | None) -> str:
    return _SEPARATORS.sub("", (raw or "").strip())


def _birth_date_ok(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if day > 40:
        day -= 40  # women
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def normalize_nik(raw: str | None) -> str:
    """The 16-digit NIK, or ServiceError with the reason (spaces, dots and dashes go)."""
    nik = _digits(raw)
    if not nik:
        raise ServiceError(_("NIK wajib diisi."))
    if not _DIGITS.match(nik) or len(nik) != 16:
        raise ServiceError(_("NIK harus 16 digit angka."))
    check_nik_province(nik)
    if not _birth_date_ok(nik[6:12]):
        raise ServiceError(
            _("Digit 7-12 NIK harus tanggal lahir DDMMYY (perempuan: tanggal + 40).")
        )
    if nik[12:] == "0000":
        raise ServiceError(_("Nomor urut NIK (4 digit terakhir) tidak boleh 0000."))
    return nik


def mask_nik(nik: str | None) -> str:
    """`327301******0001`: the first 6 and last 2 digits; everything else hidden."""
    if not nik:
        return ""
    if len(nik) < 8:
        return "*" * len(nik)
    return nik[:6] + "*" * (len(nik) - 8) + nik[-2:]


def normalize_kpj(raw: str | None) -> str | None:
    """The 11-digit KPJ number, None when empty, ServiceError otherwise."""
    kpj = _digits(raw)
    if not kpj:
        return None
    if not _DIGITS.match(kpj) or len(kpj) != 11:
        raise ServiceError(_("KPJ harus 11 digit angka."))
    return kpj


def normalize_phone(raw: str | None) -> str:
    """Digits with an optional leading +, 8 to 15 digits; empty stays empty."""
    text = _digits(raw).replace("(", "").replace(")", "")
    if not text:
        return ""
    plus = text.startswith("+")
    number = text[1:] if plus else text
    if not _DIGITS.match(number) or not 8 <= len(number) <= 15:
        raise ServiceError(_("Nomor telepon 8 sampai 15 digit, mis. 081234567890."))
    return ("+" if plus else "") + number
