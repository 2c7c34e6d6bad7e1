"""The navigation menu per role."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l

# An entry is (endpoint, label) or a group (label, [(endpoint, label), ...]) shown as a
# drop-down, so the bar fits one line at 1280 px for every role. "Tugas latar" (the user's own
# background jobs) sits in the user menu.
PROGRAMS = (
    _l("Program"),
    [
        ("supply_chain.index", _l("Rantai pasok")),
        ("sponsorships.index", _l("Sponsorship SERTAKAN")),
        ("agreements.index", _l("Kerja sama MoU/PKS")),
    ],
)
NAV = {
    "rm": [
        ("dashboard.index", _l("Hari ini")),
        ("accounts.index", _l("Akun")),
        ("meetings.index", _l("Pertemuan")),
        ("tasks.index", _l("Tugas")),
        ("cases.index", _l("Kasus")),
        ("letters.index", _l("Surat")),
        PROGRAMS,
    ],
    "supervisor": [
        ("dashboard.index", _l("Papan supervisor")),
        ("accounts.index", _l("Akun")),
        ("meetings.index", _l("Pertemuan")),
        ("tasks.index", _l("Tugas")),
        ("cadence.index", _l("Kadens")),
        ("cases.index", _l("Kasus")),
        (
            _l("Surat"),
            [
                ("letters.index", _l("Register surat")),
                ("letters.approvals", _l("Persetujuan surat")),
            ],
        ),
        PROGRAMS,
        ("compliance.import_form", _l("Kepatuhan")),
    ],
    "admin": [
        ("dashboard.index", _l("Beranda")),
        ("accounts.index", _l("Akun")),
        ("meetings.index", _l("Pertemuan")),
        ("compliance.import_form", _l("Kepatuhan")),
        ("letters.index", _l("Surat")),
        PROGRAMS,
        (
            _l("Pengaturan"),
            [
                ("admin.users", _l("Pengguna")),
                ("admin.branches", _l("Kantor cabang")),
                # The arrears rules and the case deadlines (tabs on both pages).
                ("compliance_admin.arrears_rules", _l("Aturan tunggakan & tenggat")),
                # The letterhead and the letter codes (tabs on both pages).
                ("letters_admin.letterhead", _l("Kop surat")),
                ("sponsorship_admin.rates", _l("Tarif SERTAKAN")),
                ("admin.audit", _l("Log audit")),
            ],
        ),
    ],
    "partner": [("portal.index", _l("Portal mitra"))],
}
# Pages that belong to another entry's menu item.
ALIASES = (
    ("/people/", "/accounts/"),  # key persons live under the accounts menu
    ("/admin/case-deadlines", "/admin/arrears-rules"),  # one "Aturan" entry for both tabs
    ("/admin/letter-codes", "/admin/letterhead"),  # one "Kop surat" entry for both settings
)


@dataclass
class NavItem:
    url: str
    label: str
    active: bool = False
    children: list[NavItem] = field(default_factory=list)


def nav_for(user, path: str = "") -> list[NavItem]:
    """Menu entries for the signed-in user; the longest URL prefix of the current path is the
    active one, and a group is active when one of its entries is."""
    if not user or not user.is_authenticated:
        return []
    for prefix, target in ALIASES:
        if path.startswith(prefix):
            path = target
            break
    items = []
    for entry, label in NAV.get(user.role, []):
        if isinstance(label, list):
            children = [NavItem(url_for(e), str(lbl)) for e, lbl in label]
            items.append(NavItem("", str(entry), children=children))
        else:
            items.append(NavItem(url_for(entry), str(label)))
    leaves = [c for i in items for c in (i.children or [i])]
    matches = [i for i in leaves if path == i.url or (i.url != "/" and path.startswith(i.url))]
    if matches:
        max(matches, key=lambda i: len(i.url)).active = True
    for item in items:
        item.active = item.active or any(c.active for c in item.children)
    return items


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
