"""The holiday form (the compliance import uses the import pipeline's forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from crm.forms_common import DayField


def holiday_kind_choices():
    return [("national", _l("Libur nasional")), ("collective_leave", _l("Cuti bersama"))]


class HolidayForm(FlaskForm):
    day = DayField(_l("Tanggal"), validators=[DataRequired(_l("Isi tanggal yang valid."))])
    name = StringField(_l("Nama"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=150)])
    kind = SelectField(_l("Jenis"), choices=holiday_kind_choices, default="national")
    submit = SubmitField(_l("Simpan"))
