"""Deterministic demo data: branch offices, institutions, BUMN groups, key persons, users,
a year of meetings, two years of contribution months and the escalation cases of the
companies in arrears, and letters in every state.

Everything comes from seeded RNGs and the catalog in crm.demo_data, so two runs on the
same day give the same database (dates are relative to today so the demo never looks stale).
Later features extend seed() with their own data.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from crm.compliance.holidays_data import seed_holidays
from crm.demo.accounts import (
    DEMO_USERS,
    JAKARTA_STREETS,
    _add_accounts,
    _add_branches,
    _add_users,
    company_names,
)
from crm.demo.cases import _add_compliance
from crm.demo.compliance import (
    COMPLIANCE_MONTHS,
    LATE_SHARE,
    Ledger,
    jp_wage_cap,
    monthly_contribution,
    office_day,
    unpaid_since,
)
from crm.demo.letters import _add_letters
from crm.demo.meetings import (
    CORPORATE_PROFILES,
    HISTORY_MONTHS,
    INSTITUTION_PROFILES,
    History,
    _add_interactions,
)
from crm.demo.partners import _add_partnerships
from crm.demo.people import HR_WORDS, INFLUENCE, LEVEL_MIX, STANCES, Slot, _add_people, _open_gaps
from crm.demo.sponsorships import _add_sponsorships
from crm.demo.state import SEED, DemoState
from crm.demo.supply_chain import _add_supply_chains
from crm.demo_data import COMPANIES, INSTITUTIONS, Co, Inst
from crm.i18n import local_date

__all__ = [
    "COMPLIANCE_MONTHS",
    "CORPORATE_PROFILES",
    "DEMO_USERS",
    "HISTORY_MONTHS",
    "HR_WORDS",
    "INFLUENCE",
    "INSTITUTION_PROFILES",
    "JAKARTA_STREETS",
    "LATE_SHARE",
    "LEVEL_MIX",
    "SEED",
    "STANCES",
    "DemoState",
    "History",
    "Ledger",
    "Slot",
    "company_names",
    "jp_wage_cap",
    "monthly_contribution",
    "office_day",
    "seed",
    "unpaid_since",
]


def seed(password: str, now: datetime | None = None) -> dict[str, int]:
    """Add the demo data set to an empty database (caller commits). `now` (UTC) moves the
    clock for tests; every date is relative to it."""
    now = now or datetime.now(UTC)
    holidays = seed_holidays()  # working-day deadlines need the national holidays
    state = DemoState(random.Random(SEED), local_date(now), now=now)
    branches = _add_branches()
    specs: list[Co | Inst] = [*INSTITUTIONS, *COMPANIES]
    accounts = _add_accounts(state, specs, branches)
    users = _add_users(password, branches, accounts)
    for spec in specs:
        rm = users.get(spec.rm) if spec.rm else None
        accounts[spec.name].rm_id = rm.id if rm else None
    people, positions = _add_people(state, specs, accounts)
    tasks = _open_gaps(state, accounts, users)
    history = _add_interactions(state, accounts, users)
    compliance = _add_compliance(state, accounts, users)
    letters = _add_letters(state, accounts, users)  # rendered after the commit (seed-demo)
    supply_chains = _add_supply_chains(state, accounts, users)
    sponsorships = _add_sponsorships(state, accounts, users)
    partnerships = _add_partnerships(state, accounts, users)
    return {
        "branch offices": len(branches),
        "institutions": len(INSTITUTIONS),
        "companies": len(COMPANIES),
        "key persons": people,
        "positions": positions,
        "re-engagement tasks": tasks,
        "users": len(users),
        "national holidays": holidays,
        **history,
        **compliance,
        **letters,
        **supply_chains,
        **sponsorships,
        **partnerships,
    }
