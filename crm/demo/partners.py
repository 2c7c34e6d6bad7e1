"""Demo partnerships: Kemendagri and BGN, each with an MoU, two PKS and branch reports."""

from __future__ import annotations


def _add_partnerships(state, accounts, users) -> dict[str, int]:
    """Agreements, documents and implementation reports (filled by the partners feature)."""
    return {}
