"""Indonesian labels of the sponsorship codes (scheme, package, status)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "scheme": {"sertakan": "SERTAKAN", "gn_lingkaran": "GN Lingkaran"},
    "package": {"jkk_jkm": _l("JKK + JKM"), "jkk_jkm_jht": _l("JKK + JKM + JHT")},
    "status": {
        "pledged": _l("dijanjikan"),
        "active": _l("aktif"),
        "expiring": _l("segera berakhir"),
        "expired": _l("berakhir"),
        "renewed": _l("diperpanjang"),
        "cancelled": _l("dibatalkan"),
    },
    "group": {
        "month": _l("Bulan mulai"),
        "sponsor": _l("Sponsor"),
        "scheme": _l("Skema"),
        "branch": _l("Kantor cabang"),
    },
}
# The badge colour of each shown status (classes of static/css/app.css).
STATUS_BADGE = {
    "pledged": "",
    "active": "ok",
    "expiring": "warn",
    "expired": "danger",
    "renewed": "",
    "cancelled": "",
}


def sponsorship_label(group: str, code: str | None) -> str:
    return str(LABELS.get(group, {}).get(code or "", code or "-"))


def scheme_label(scheme: str) -> str:
    return LABELS["scheme"].get(scheme, scheme)
