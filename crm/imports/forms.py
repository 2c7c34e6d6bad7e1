"""The upload form (with a kind choice when a page imports several kinds) and the confirm form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired

from crm.imports.registry import ImportKind


class UploadForm(FlaskForm):
    kind = SelectField(_l("Jenis data"))
    file = FileField(
        _l("File CSV atau XLSX"), validators=[FileRequired(_l("Pilih file CSV atau XLSX."))]
    )
    submit = SubmitField(_l("Periksa file"))


def upload_form(kinds: list[ImportKind], default: str) -> UploadForm:
    """The form for a page's kinds; the choice is left out when there is only one."""
    form = UploadForm()
    if len(kinds) > 1:
        form.kind.choices = [(k.name, k.label) for k in kinds]
        if not form.is_submitted():
            form.kind.data = default
    else:
        del form.kind
    return form


class ConfirmImportForm(FlaskForm):
    ticket = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Simpan semua baris"))
