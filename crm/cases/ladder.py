"""The escalation ladder as a state machine with the law's guards (PP 86/2013).

Pemberitahuan → Teguran I → Teguran II → Denda → Rekomendasi TMP2T → SKK Kejaksaan, one
stage at a time. A stage that sends a letter is left only once its letter is issued
(numbered and rendered), received, and the period the letter gave has ended; Denda starts
when Teguran II's period ends and runs for the Denda window (at most 30 days); TMP2T comes
only after that window ended unpaid. No role can skip what the law requires: these
blockers have no override. The one exception is Persuasi, which is not a legal stage: it
keeps the RM's undertaking date as its deadline, and only a supervisor may move on before
it (or without one), with a note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from crm.cases.labels import case_label
from crm.cases.models import LETTER_TYPES, EscalationCase
from crm.i18n import long_date


@dataclass(frozen=True)
class Blocker:
    """Why the case may not leave its stage yet; `overridable` only for Persuasi."""

    message: str
    overridable: bool = False


def _stage(stage: str) -> str:
    return case_label("stage", stage)


def period_ended(due: date | None, today: date) -> bool:
    """A deadline is the last day the company may comply: the period ends after it."""
    return due is not None and today > due


def _letter_blockers(case: EscalationCase, today: date) -> list[Blocker]:
    request, stage = case.current_letter, _stage(case.stage)
    if request is None or request.status == "draft_requested":
        return [Blocker(_("Surat %(stage)s belum terbit (menunggu surat).", stage=stage))]
    if request.status != "received" or request.received_on is None:
        return [
            Blocker(
                _(
                    "Tanda terima surat %(stage)s belum dicatat: jangka waktunya dihitung "
                    "sejak surat diterima.",
                    stage=stage,
                )
            )
        ]
    if not period_ended(case.stage_due_on, today):
        return [_period_blocker(case)]
    return []


def _period_blocker(case: EscalationCase) -> Blocker:
    return Blocker(
        _(
            "Jangka waktu tahap %(stage)s belum berakhir (tenggat %(day)s).",
            stage=_stage(case.stage),
            day=long_date(case.stage_due_on) if case.stage_due_on else "-",
        )
    )


def advance_blockers(case: EscalationCase, today: date) -> list[Blocker]:
    """What keeps the case in its stage today. Empty: it may move on to the next."""
    if case.stage in LETTER_TYPES:
        return _letter_blockers(case, today)
    if case.stage == "persuasi" and case.stage_due_on and today < case.stage_due_on:
        return [
            Blocker(
                _(
                    "Tenggat Persuasi (janji perusahaan) belum tiba (%(day)s).",
                    day=long_date(case.stage_due_on),
                ),
                True,
            )
        ]
    if case.stage == "denda" and not period_ended(case.stage_due_on, today):
        return [
            Blocker(
                _(
                    "Masa Denda belum berakhir (%(day)s): Rekomendasi TMP2T baru dapat "
                    "diajukan setelah masa Denda lewat tanpa pelunasan.",
                    day=long_date(case.stage_due_on) if case.stage_due_on else "-",
                )
            )
        ]
    return []


def denda_window(teguran_2_end: date, window_days: int) -> tuple[date, date]:
    """(first day, last day) of the Denda window: from the day after Teguran II's period
    ended, for `window_days` calendar days, whenever the case actually enters Denda."""
    return teguran_2_end + timedelta(days=1), teguran_2_end + timedelta(days=window_days)
