"""The navigation menu per role."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

NAV = {
    "rm": [
        ("dashboard.index", _l("Hari ini")),
        ("accounts.index", _l("Akun")),
        ("meetings.index", _l("Pertemuan")),
        ("tasks.index", _l("Tugas")),
        ("cases.index", _l("Kasus")),
        ("letters.index", _l("Surat")),
        ("supply_chain.index", _l("Rantai pasok")),
        ("sponsorships.index", _l("Sponsorship")),
        ("agreements.index", _l("Kerja sama")),
        ("jobs.index", _l("Tugas latar")),
    ],
    "supervisor": [
        ("dashboard.index", _l("Papan supervisor")),
        ("accounts.index", _l("Akun")),
        ("meetings.index", _l("Pertemuan")),
        ("tasks.index", _l("Tugas")),
        ("cadence.index", _l("Kadens")),
        ("cases.index", _l("Kasus")),
        ("letters.index", _l("Surat")),
        ("letters.approvals", _l("Persetujuan surat")),
        ("supply_chain.index", _l("Rantai pasok")),
        ("sponsorships.index", _l("Sponsorship")),
        ("agreements.index", _l("Kerja sama")),
        ("compliance.import_form", _l("Kepatuhan")),
        ("jobs.index", _l("Tugas latar")),
    ],
    "admin": [
        ("dashboard.index", _l("Beranda")),
        ("accounts.index", _l("Akun")),
        ("meetings.index", _l("Pertemuan")),
        ("compliance.import_form", _l("Kepatuhan")),
        ("letters.index", _l("Surat")),
        ("admin.users", _l("Pengguna")),
        ("admin.branches", _l("Kantor cabang")),
        # The arrears rules and the case deadlines (tabs on both pages).
        ("compliance_admin.arrears_rules", _l("Aturan")),
        # The letterhead and the letter codes (tabs on both pages).
        ("letters_admin.letterhead", _l("Kop surat")),
        ("sponsorship_admin.rates", _l("Tarif SERTAKAN")),
        ("admin.audit", _l("Log audit")),
        ("jobs.index", _l("Tugas latar")),
    ],
    "partner": [("portal.index", _l("Portal mitra"))],
}


def nav_for(user, path: str = "") -> list[tuple[str, str, bool]]:
    """Menu entries (url, label, active) for the signed-in user; the longest URL prefix of
    the current path is the active one."""
    if not user or not user.is_authenticated:
        return []
    items = [(url_for(endpoint), label) for endpoint, label in NAV.get(user.role, [])]
    if path.startswith("/people/"):
        path = "/accounts/"  # key persons live under the accounts menu
    elif path.startswith("/admin/case-deadlines"):
        path = "/admin/arrears-rules"  # one "Aturan" entry; the pages are tabs of each other
    elif path.startswith("/admin/letter-codes"):
        path = "/admin/letterhead"  # one "Kop surat" entry for both letter settings
    matches = [url for url, _label in items if path == url or (url != "/" and path.startswith(url))]
    active = max(matches, key=len) if matches else None
    return [(url, label, url == active) for url, label in items]


def role_label(role: str) -> str:
    """The role's name in the user's language."""
    return str(
        {
            "rm": _l("RM"),
            "supervisor": _l("Supervisor"),
            "admin": _l("Admin"),
            "partner": _l("Mitra"),
        }.get(role, role)
    )
