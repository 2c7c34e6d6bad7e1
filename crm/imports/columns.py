"""A file's columns (header, aliases, example, help) and the cell parsers every import shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

TRUE_WORDS = {"ya", "y", "yes", "1", "true", "benar"}
FALSE_WORDS = {"tidak", "t", "no", "n", "0", "false", "salah", ""}


@dataclass(frozen=True)
class Column:
    key: str  # the field it fills
    header: str  # the canonical header, written in templates and exports
    aliases: tuple[str, ...] = ()
    required: bool = False  # the header must be present
    example: str = ""
    help: str = ""


def header_key(text: str) -> str:
    """`Email RM ` -> `email_rm`: how a header cell is compared with the known headers."""
    return re.sub(r"[^0-9a-z]+", "_", (text or "").strip().lower()).strip("_")


def yes_no(text: str) -> bool:
    """ya/tidak, yes/no, 1/0; ValueError otherwise."""
    word = (text or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(word)


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD (also what an XLSX date cell becomes) or DD/MM/YYYY; ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
