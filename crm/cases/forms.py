"""Case forms: open from a suggestion or by hand, advance, close, a letter's issue/receipt
date, a note, and (admin) a new stage-deadline rule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from crm.cases.labels import CLOSE_REASON_LABELS, REASON_LABELS, STAGE_LABELS
from crm.compliance.services import today_local
from crm.forms_common import DayField, WholeNumberField


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ChoiceField(SelectField):
    """A select whose refusals read in Indonesian (WTForms says "Not a valid choice.")."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Pilih salah satu pilihan yang tersedia."))) from exc

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        try:
            super().pre_validate(form)
        except ValidationError as exc:
            raise ValidationError(_l("Pilih salah satu pilihan yang tersedia.")) from exc


class OpenCaseForm(FlaskForm):
    account_id = HiddenField(validators=[DataRequired()])
    reason = HiddenField(validators=[DataRequired()])


class AdvanceForm(FlaskForm):
    """Rendered with prefix="advance" (the case page holds several forms)."""

    # The stage the user saw as next: a double submit cannot move the case twice.
    to_stage = HiddenField(validators=[DataRequired()])
    note = TextAreaField(
        _l("Catatan"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=2000, message=_l("Catatan paling panjang 2000 karakter.")),
        ],
    )
    # Checked by crm.cases.services.check_due (required when the stage has no default days).
    due_on = DayField(_l("Tenggat tahap berikutnya"), validators=[Optional()])


class DueForm(FlaskForm):
    """The current stage's deadline set by hand (prefix="due")."""

    due_on = DayField(_l("Tenggat tahap"), validators=[DataRequired(_l("Isi tanggal yang valid."))])
    reason = StringField(_l("Alasan perubahan"), validators=[Length(max=500)])


class SupervisorForm(FlaskForm):
    """The supervisor responsible for the case (prefix="supervisor")."""

    supervisor_id = ChoiceField(
        _l("Supervisor penanggung jawab"),
        coerce=int,
        validators=[DataRequired(_l("Pilih supervisor."))],
    )


def close_reason_choices(reasons=None):
    """The choices of CloseForm; the view narrows them to the case's reason and the user's
    role (crm.cases.services.close_reasons)."""
    labels = CLOSE_REASON_LABELS
    return [("", _l("Pilih…")), *((r, labels[r]) for r in (reasons or labels))]


class CloseForm(FlaskForm):
    """Rendered with prefix="close"."""

    reason = ChoiceField(
        _l("Alasan selesai"),
        choices=close_reason_choices,
        validate_choice=False,  # crm.cases.services.close_case says why a reason is refused
        validators=[DataRequired(_l("Pilih alasan penutupan."))],
    )
    note = TextAreaField(_l("Catatan / justifikasi"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        _l("Saya yakin kasus ini selesai."),
        validators=[InputRequired(_l("Centang untuk mengonfirmasi penutupan kasus."))],
    )


class LetterDateForm(FlaskForm):
    day = DayField(_l("Tanggal"), validators=[DataRequired(_l("Isi tanggal yang valid."))])


# -- notes, opening by hand, stage deadlines (admin) ------------------------------------------


class NoteForm(FlaskForm):
    """Rendered with prefix="note"."""

    text = TextAreaField(
        _l("Catatan baru"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Tulis catatannya dulu.")),
            Length(max=2000, message=_l("Catatan paling panjang 2000 karakter.")),
        ],
    )


def reason_choices():
    return [("", _l("Pilih…")), *REASON_LABELS.items()]


class NewCaseForm(FlaskForm):
    # The account from ?account=<id> (the account page's button), else what the user typed.
    account_id = HiddenField()
    account = StringField(_l("Akun: NPP atau ID akun"), filters=[_strip])
    reason = ChoiceField(
        _l("Alasan kasus"),
        choices=reason_choices,
        validate_choice=False,  # crm.cases.services.open_case refuses an unknown reason
        validators=[DataRequired(_l("Pilih alasan kasus."))],
    )
    note = TextAreaField(
        _l("Catatan"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=2000, message=_l("Catatan paling panjang 2000 karakter.")),
        ],
    )
    due_on = DayField(_l("Tenggat Persuasi"), validators=[Optional()])


def stage_choices():
    return [("", _l("Pilih…")), *STAGE_LABELS.items()]


class StageRuleForm(FlaskForm):
    stage = ChoiceField(
        _l("Tahap"),
        choices=stage_choices,
        validate_choice=False,  # crm.cases.deadlines.add_stage_rule refuses an unknown stage
        validators=[DataRequired(_l("Pilih tahap."))],
    )
    effective_from = DayField(
        _l("Berlaku mulai"), validators=[DataRequired(_l("Isi tanggal yang valid."))]
    )
    days = WholeNumberField(
        _l("Jumlah hari"),
        validators=[
            Optional(),
            NumberRange(
                1,
                365,
                _l("Jumlah hari 1 sampai 365, atau kosongkan bila tenggat ditetapkan manual."),
            ),
        ],
    )
    calendar_days = BooleanField(_l("Hari kalender (bukan hari kerja)"))

    def validate_effective_from(self, field):
        if field.data is not None and field.data < today_local():
            raise ValidationError(
                _l("Aturan baru berlaku paling cepat hari ini; tenggat yang sudah berjalan tetap.")
            )

    def validate_calendar_days(self, field):
        if field.data and self.days.data is None and not self.days.errors:
            raise ValidationError(_l("Hari kalender hanya berlaku bila jumlah hari diisi."))

    submit = SubmitField(_l("Tambah aturan"))


__all__ = [
    "REASON_LABELS",
    "AdvanceForm",
    "CloseForm",
    "DueForm",
    "LetterDateForm",
    "NewCaseForm",
    "NoteForm",
    "OpenCaseForm",
    "StageRuleForm",
    "SupervisorForm",
]
