"""Which holiday kinds are non-working days for which purpose (HolidayUse): read for the
calendars and the admin page, changed by an admin with an audit row."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SubmitField

from crm import audit
from crm.compliance.calendar import forget_calendar
from crm.compliance.models import HOLIDAY_KINDS, HOLIDAY_PURPOSES, HolidayUse
from crm.extensions import db

PURPOSE_LABELS = {
    "payment": _l("Jatuh tempo pembayaran iuran"),
    "letter": _l("Tenggat surat dan tahap kasus"),
}
KIND_LABELS = {"national": _l("Libur nasional"), "collective_leave": _l("Cuti bersama")}


def field_name(purpose: str, kind: str) -> str:
    return f"{purpose}__{kind}"


def holiday_uses() -> dict[tuple[str, str], bool]:
    """(purpose, kind) -> skipped, for every pair (the migration seeds all four)."""
    rows = db.session.scalars(select(HolidayUse))
    uses = {(r.purpose, r.kind): r.skipped for r in rows}
    return {(p, k): uses.get((p, k), True) for p in HOLIDAY_PURPOSES for k in HOLIDAY_KINDS}


def set_holiday_uses(wanted: dict[tuple[str, str], bool], actor) -> int:
    """Save which kinds each purpose skips; returns how many pairs changed (audited)."""
    before = holiday_uses()
    changed = {pair: value for pair, value in wanted.items() if before.get(pair) != value}
    for (purpose, kind), value in changed.items():
        row = db.session.get(HolidayUse, (purpose, kind))
        if row is None:
            row = HolidayUse(purpose=purpose, kind=kind)
            db.session.add(row)
        row.skipped = value
    if changed:
        db.session.flush()
        audit.record(
            "holiday_use.update",
            entity_type="holiday_use",
            entity_id="all",
            summary=", ".join(f"{p}/{k}: {v}" for (p, k), v in changed.items()),
            before={field_name(*pair): before[pair] for pair in changed},
            after={field_name(*pair): value for pair, value in changed.items()},
            actor=actor,
        )
        forget_calendar()
    return len(changed)


class HolidayUseForm(FlaskForm):
    """One checkbox per (purpose, kind): checked means that kind is not a working day."""


for _purpose in HOLIDAY_PURPOSES:
    for _kind in HOLIDAY_KINDS:
        setattr(HolidayUseForm, field_name(_purpose, _kind), BooleanField(KIND_LABELS[_kind]))
HolidayUseForm.submit = SubmitField(_l("Simpan aturan hari kerja"))


def use_form(uses: dict[tuple[str, str], bool] | None = None) -> HolidayUseForm:
    """The form, filled with the stored choices unless it was posted."""
    uses = uses if uses is not None else holiday_uses()
    return HolidayUseForm(data={field_name(*pair): value for pair, value in uses.items()})


def posted_uses(form: HolidayUseForm) -> dict[tuple[str, str], bool]:
    return {
        (p, k): bool(form[field_name(p, k)].data) for p in HOLIDAY_PURPOSES for k in HOLIDAY_KINDS
    }
