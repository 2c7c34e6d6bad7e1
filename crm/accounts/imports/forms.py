"""The upload form and the confirm form of an import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired


def kind_choices():
    return [("accounts", _l("Akun")), ("people", _l("Key person (jabatan di akun)"))]


class ImportForm(FlaskForm):
    kind = SelectField(_l("Jenis data"), choices=kind_choices, default="accounts")
    file = FileField(
        _l("File CSV atau XLSX"), validators=[FileRequired(_l("Pilih file CSV atau XLSX."))]
    )
    submit = SubmitField(_l("Periksa file"))


class ConfirmImportForm(FlaskForm):
    ticket = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Simpan semua baris"))
