"""Demo SERTAKAN and GN Lingkaran sponsorships with their beneficiaries and payments."""

from __future__ import annotations


def _add_sponsorships(state, accounts, users) -> dict[str, int]:
    """Sponsorships of the demo companies (filled by the sponsorships feature)."""
    return {}
