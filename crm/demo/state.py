"""What every demo step shares: the seed and the state that carries its RNG along."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.demo.people import Slot


SEED = 2026


@dataclass
class DemoState:
    rng: random.Random
    today: date
    used_names: set[str] = field(default_factory=set)
    used_ids: set[str] = field(default_factory=set)
    slots: dict[str, list[Slot]] = field(default_factory=dict)
    now: datetime | None = None
