"""Words as SQLite FTS5's unicode61 tokenizer sees them (remove_diacritics 2), in Python.

The word search (crm.fulltext) tests a row's own text with words_match when a word is so
common that building the full-text index's match set would cost more than reading the few
newest rows; both must agree on what a word is: runs of letters and digits, lower-cased,
with diacritics removed.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def tokens(text: str | None) -> list[str]:
    return WORD.findall(fold(text or ""))


def words_match(text: str | None, terms: str | None) -> int:
    """1 when every space-separated term is a word of text and the last begins one (FTS5's
    `"a" AND "b"*`)."""
    if not text or not terms:
        return 0
    found = set(tokens(text))
    *whole, last = terms.split()
    return int(all(t in found for t in whole) and any(w.startswith(last) for w in found))
