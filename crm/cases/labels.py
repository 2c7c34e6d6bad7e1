"""Display names of stages, reasons, closing reasons and event kinds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "persuasi": _l("Persuasi"),
    "pemberitahuan": _l("Pemberitahuan"),
    "teguran_1": _l("Teguran I"),
    "teguran_2": _l("Teguran II"),
    "denda": _l("Denda"),
    "tmp2t": _l("Rekomendasi TMP2T"),
    "skk": _l("SKK Kejaksaan"),
}
REASON_LABELS = {
    "arrears": _l("Tunggakan iuran"),
    "pds_tk": _l("PDS TK"),
    "pds_upah": _l("PDS Upah"),
    "pds_program": _l("PDS Program"),
    "late_registration": _l("Terlambat mendaftarkan"),
}
CLOSE_REASON_LABELS = {
    "paid": _l("Lunas"),
    "registered": _l("Terdaftar penuh"),
    "written_off": _l("Dihapuskan (dengan justifikasi)"),
}
EVENT_LABELS = {
    "opened": _l("Kasus dibuka"),
    "advanced": _l("Naik tahap"),
    "letter_issued": _l("Surat diterbitkan"),
    "letter_received": _l("Surat diterima"),
    "closed": _l("Selesai"),
    "note": _l("Catatan"),
}
LETTER_STATUS_LABELS = {
    "draft_requested": _l("Draf diminta"),
    "issued": _l("Diterbitkan"),
    "received": _l("Diterima"),
}


def _table(kind: str) -> dict:
    return {
        "stage": STAGE_LABELS,
        "reason": REASON_LABELS,
        "close": CLOSE_REASON_LABELS,
        "event": EVENT_LABELS,
        "letter": LETTER_STATUS_LABELS,
    }[kind]


def case_label(kind: str, value: str | None) -> str:
    return str(_table(kind).get(value or "", value or "-"))


def case_labels(kind: str) -> dict[str, str]:
    """Every label of a kind, translated once (for a page that shows many)."""
    return {code: str(label) for code, label in _table(kind).items()}
