"""A valid account form, for tests that create accounts through the page."""

from __future__ import annotations

FORM = {
    "name": "PT Baja Nusantara",
    "kind": "company",
    "segment": "corporate",
    "status": "active",
    "ownership": "bumn",
    "sector": "manufaktur",
    "headcount": "1200",
    "npp": "",
    "npwp": "",
    "nib": "",
    "address": "Jl. Gatot Subroto 1",
    "city": "Jakarta",
    "branch_office_id": "0",
    "rm_id": "0",
    "parent_npp": "",
    "character_notes": "",
}
