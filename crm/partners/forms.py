"""Agreement forms: the agreement itself (new, edit, renewal), a status change, a document
upload and an implementation report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.cases.forms import ChoiceField
from crm.forms_common import DayField, WholeNumberField, db_id
from crm.partners.labels import DOCUMENT_KIND_LABELS, REPORT_STATUS_LABELS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BranchesField(SelectMultipleField):
    """Checkboxes of branch offices; an unknown id is refused by the service, with a
    message, rather than by WTForms in English."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Pilih kantor cabang dari daftar."))) from exc

    def pre_validate(self, form):
        return None


class AgreementForm(FlaskForm):
    account_id = ChoiceField(
        _l("Institusi mitra"), coerce=db_id, validate_choice=False, validators=[Optional()]
    )
    title = StringField(
        _l("Judul"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Isi judul kerja sama.")),
            Length(max=300, message=_l("Judul paling panjang 300 karakter.")),
        ],
    )
    scope = TextAreaField(
        _l("Ruang lingkup"),
        filters=[_strip],
        validators=[Optional(), Length(max=5000, message=_l("Paling panjang 5000 karakter."))],
    )
    our_number = StringField(
        _l("Nomor BPJS Ketenagakerjaan"),
        filters=[_strip],
        validators=[Optional(), Length(max=120, message=_l("Paling panjang 120 karakter."))],
    )
    partner_number = StringField(
        _l("Nomor pihak mitra"),
        filters=[_strip],
        validators=[Optional(), Length(max=120, message=_l("Paling panjang 120 karakter."))],
    )
    signed_on = DayField(_l("Tanggal penandatanganan"), validators=[Optional()])
    valid_from = DayField(
        _l("Berlaku mulai"), validators=[DataRequired(_l("Isi tanggal mulai berlaku."))]
    )
    valid_to = DayField(
        _l("Berlaku sampai"), validators=[DataRequired(_l("Isi tanggal akhir berlaku."))]
    )
    rm_id = ChoiceField(
        _l("RM penanggung jawab"), coerce=db_id, validate_choice=False, validators=[Optional()]
    )
    branch_ids = BranchesField(_l("Kantor cabang pelaksana"), coerce=db_id)
    internal_notes = TextAreaField(
        _l("Catatan internal"),
        filters=[_strip],
        validators=[Optional(), Length(max=5000, message=_l("Paling panjang 5000 karakter."))],
    )
    outlive_ok = BooleanField(_l("Saya mengerti PKS ini berakhir sesudah MoU-nya."))


class StatusForm(FlaskForm):
    """Rendered with prefix="status"."""

    to_status = ChoiceField(
        _l("Status baru"),
        validate_choice=False,  # crm.partners.services.change_status says why it is refused
        validators=[DataRequired(_l("Pilih status baru."))],
    )
    signed_on = DayField(_l("Tanggal penandatanganan"), validators=[Optional()])
    reason = TextAreaField(
        _l("Alasan (wajib bila diakhiri)"),
        filters=[_strip],
        validators=[Optional(), Length(max=500, message=_l("Paling panjang 500 karakter."))],
    )
    confirm = BooleanField(
        _l("Saya yakin mengubah status kerja sama ini."),
        validators=[InputRequired(_l("Centang untuk mengonfirmasi perubahan status."))],
    )


def upload_kind_choices():
    return [(k, DOCUMENT_KIND_LABELS[k]) for k in ("signed", "annex", "guideline")]


class DocumentForm(FlaskForm):
    """Rendered with prefix="doc"."""

    kind = ChoiceField(_l("Jenis dokumen"), choices=upload_kind_choices)
    title = StringField(
        _l("Judul dokumen"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=200, message=_l("Judul paling panjang 200 karakter.")),
        ],
    )
    file = FileField(_l("Berkas PDF"))


def report_status_choices():
    return list(REPORT_STATUS_LABELS.items())


class ReportForm(FlaskForm):
    # An id outside the user's branches is refused by crm.partners.monitoring (403).
    branch_id = ChoiceField(
        _l("Kantor cabang"),
        coerce=db_id,
        validate_choice=False,
        validators=[DataRequired(_l("Pilih kantor cabang."))],
    )
    period = ChoiceField(_l("Periode"), validators=[DataRequired(_l("Pilih periode laporan."))])
    status = ChoiceField(_l("Status pelaksanaan"), choices=report_status_choices)
    blocked_reason = StringField(
        _l("Alasan hambatan (wajib bila terhambat)"),
        filters=[_strip],
        validators=[Optional(), Length(max=500, message=_l("Paling panjang 500 karakter."))],
    )
    workers_covered = WholeNumberField(
        _l("Pekerja terlindungi"),
        validators=[InputRequired(_l("Isi jumlah pekerja terlindungi (boleh 0)."))],
    )
    notes = TextAreaField(
        _l("Catatan internal"),
        filters=[_strip],
        validators=[Optional(), Length(max=5000, message=_l("Paling panjang 5000 karakter."))],
    )
    evidence = FileField(_l("Bukti pelaksanaan (PDF, opsional)"))
