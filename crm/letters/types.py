"""Which letter types belong to a stage of an escalation case: those are drafted only from
their case (crm.cases asks for them when a case enters the stage), one live letter per
stage. Every other type is drafted freely from an account, a meeting or a batch."""

from __future__ import annotations

# letter type -> the case stage that sends it (crm.cases.models reads this, not a copy)
CASE_LETTER_TYPES: dict[str, str] = {
    "pemberitahuan": "pemberitahuan",
    "teguran_1": "teguran_1",
    "teguran_2": "teguran_2",
    "rekomendasi_tmp2t": "tmp2t",
}


def is_case_letter(letter_type: str) -> bool:
    return letter_type in CASE_LETTER_TYPES


# The letters a warning cites (number and date): each escalation letter refers to the one
# before it on the ladder; the TMP2T recommendation to both Teguran.
PREVIOUS_LETTERS: dict[str, tuple[str, ...]] = {
    "teguran_1": ("pemberitahuan",),
    "teguran_2": ("teguran_1",),
    "rekomendasi_tmp2t": ("teguran_1", "teguran_2"),
}
