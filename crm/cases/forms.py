"""Case forms: open from a suggestion, advance, close, and a letter's issue/receipt date."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.cases.labels import CLOSE_REASON_LABELS, REASON_LABELS


class OpenCaseForm(FlaskForm):
    account_id = HiddenField(validators=[DataRequired()])
    reason = HiddenField(validators=[DataRequired()])


class AdvanceForm(FlaskForm):
    # The stage the user saw as next: a double submit cannot move the case twice.
    to_stage = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=2000)])
    due_on = DateField(_l("Tenggat (untuk tahap tanpa tenggat bawaan)"), validators=[Optional()])


def close_reason_choices():
    return [("", _l("Pilih…")), *CLOSE_REASON_LABELS.items()]


class CloseForm(FlaskForm):
    reason = SelectField(
        _l("Alasan selesai"),
        choices=close_reason_choices,
        validators=[DataRequired(_l("Pilih alasan penutupan."))],
    )
    note = TextAreaField(_l("Catatan / justifikasi"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        _l("Saya yakin kasus ini selesai."),
        validators=[InputRequired(_l("Centang untuk mengonfirmasi penutupan kasus."))],
    )


class LetterDateForm(FlaskForm):
    day = DateField(_l("Tanggal"), validators=[DataRequired(_l("Isi tanggal yang valid."))])


__all__ = ["REASON_LABELS", "AdvanceForm", "CloseForm", "LetterDateForm", "OpenCaseForm"]
