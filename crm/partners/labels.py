"""Indonesian labels of the agreement kinds, statuses, document kinds and report statuses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {"mou": _l("MoU"), "pks": _l("PKS/TKS")}
STATUS_LABELS = {
    "draft": _l("Draf"),
    "negotiation": _l("Negosiasi"),
    "signed": _l("Ditandatangani"),
    "active": _l("Berjalan"),
    "expiring": _l("Segera berakhir"),
    "expired": _l("Berakhir"),
    "terminated": _l("Diakhiri"),
    "renewed": _l("Diperpanjang"),
}
# The badge class of each status (static/css/app.css).
STATUS_BADGES = {
    "signed": "ok",
    "active": "ok",
    "expiring": "warn",
    "expired": "danger",
    "terminated": "danger",
    "negotiation": "running",
}
STATUS_ACTIONS = {
    "draft": _l("Kembalikan ke draf"),
    "negotiation": _l("Mulai negosiasi"),
    "signed": _l("Tandai ditandatangani"),
    "active": _l("Tandai berjalan"),
    "terminated": _l("Akhiri kerja sama"),
}
DOCUMENT_KIND_LABELS = {
    "signed": _l("Naskah ditandatangani"),
    "annex": _l("Lampiran"),
    "guideline": _l("Pedoman pelaksanaan"),
    "cover_letter": _l("Surat pengantar"),
    "evidence": _l("Bukti pelaksanaan"),
}
REPORT_STATUS_LABELS = {
    "not_started": _l("Belum mulai"),
    "socialized": _l("Sosialisasi"),
    "in_progress": _l("Berjalan"),
    "implemented": _l("Terlaksana"),
    "blocked": _l("Terhambat"),
}
REPORT_STATUS_BADGES = {
    "implemented": "ok",
    "in_progress": "running",
    "socialized": "running",
    "blocked": "danger",
    "not_started": "warn",
}
PERIOD_KIND_LABELS = {"month": _l("Bulanan"), "quarter": _l("Triwulan")}

GROUPS = {
    "kind": KIND_LABELS,
    "status": STATUS_LABELS,
    "document": DOCUMENT_KIND_LABELS,
    "report": REPORT_STATUS_LABELS,
    "period": PERIOD_KIND_LABELS,
}


def agreement_label(group: str, value: str | None) -> str:
    """The label of a value in one of the GROUPS; the raw value when unknown."""
    if value is None:
        return "-"
    return str(GROUPS.get(group, {}).get(value, value))
