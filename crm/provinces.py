"""The 38 provinces of Indonesia by the Ministry of Home Affairs' code (the first two digits
of a NIK). Papua's code 91 and West Papua's 92 predate the 2022 split that created 93-96;
a NIK issued before a split keeps its old code, so every current code is valid."""

from __future__ import annotations

from flask_babel import gettext as _

from crm.services import ServiceError

PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}


def province_name(code: str) -> str | None:
    """The province of a two-digit code, or None for a code no province has."""
    return PROVINCES.get(code)


def check_nik_province(nik: str) -> None:
    """Refuse a NIK whose first two digits are no province's code."""
    if province_name(nik[:2]) is None:
        raise ServiceError(
            _(
                "Kode provinsi NIK (2 digit pertama) %(code)s bukan kode provinsi mana pun.",
                code=nik[:2],
            )
        )
