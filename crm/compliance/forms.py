"""The compliance import upload form and the holiday form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from crm.forms_common import DayField


class ComplianceImportForm(FlaskForm):
    file = FileField(
        _l("File CSV atau XLSX"), validators=[FileRequired(_l("Pilih file CSV atau XLSX."))]
    )
    submit = SubmitField(_l("Periksa file"))


def holiday_kind_choices():
    return [("national", _l("Libur nasional")), ("collective_leave", _l("Cuti bersama"))]


class HolidayForm(FlaskForm):
    day = DayField(_l("Tanggal"), validators=[DataRequired(_l("Isi tanggal yang valid."))])
    name = StringField(_l("Nama"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=150)])
    kind = SelectField(_l("Jenis"), choices=holiday_kind_choices, default="national")
    submit = SubmitField(_l("Simpan"))
