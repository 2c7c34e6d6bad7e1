"""Demo supply chains: two BUMN parents with their vendors, registered and prospects."""

from __future__ import annotations


def _add_supply_chains(state, accounts, users) -> dict[str, int]:
    """Vendor links of the demo parents (filled by the supply-chain feature)."""
    return {}
