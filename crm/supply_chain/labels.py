"""Indonesian labels of the campaign statuses and vendor events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "not_contacted": _l("Belum dihubungi"),
    "invited": _l("Diundang"),
    "in_progress": _l("Dalam proses"),
    "registered": _l("Terdaftar"),
    "refused": _l("Menolak"),
}
STATUS_BADGES = {
    "not_contacted": "",
    "invited": "running",
    "in_progress": "warn",
    "registered": "ok",
    "refused": "danger",
}
EVENT_LABELS = {
    "created": _l("Ditambahkan"),
    "imported": _l("Diimpor"),
    "updated": _l("Diubah"),
    "status_changed": _l("Status diubah"),
    "letter_drafted": _l("Surat ajakan dibuat"),
    "invited": _l("Surat ajakan terbit"),
    "registered": _l("Terdaftar"),
}


def status_choices():
    """The statuses an RM sets by hand (registered comes from conversion)."""
    return [(k, v) for k, v in STATUS_LABELS.items() if k != "registered"]


def sc_label(group: str, value: str | None) -> str:
    table = STATUS_LABELS if group == "status" else EVENT_LABELS
    return str(table.get(value or "", value or "-"))
