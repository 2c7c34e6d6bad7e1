"""The navigation menu per role."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

NAV = {
    "rm": [("dashboard.index", _l("Hari ini")), ("jobs.index", _l("Tugas latar"))],
    "supervisor": [("dashboard.index", _l("Papan supervisor")), ("jobs.index", _l("Tugas latar"))],
    "admin": [
        ("dashboard.index", _l("Beranda")),
        ("admin.users", _l("Pengguna")),
        ("admin.branches", _l("Kantor cabang")),
        ("admin.audit", _l("Log audit")),
        ("jobs.index", _l("Tugas latar")),
    ],
    "partner": [("portal.index", _l("Portal mitra"))],
}


def nav_for(user) -> list[tuple[str, str]]:
    """Menu entries (endpoint, label) for the signed-in user."""
    if not user or not user.is_authenticated:
        return []
    return NAV.get(user.role, [])


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
