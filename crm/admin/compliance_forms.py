"""The admin form for a new arrears rule (the stage-deadline form is in crm.cases.forms).
The ranges are checked here, so every bad field is marked at once, and again by
crm.compliance.rules.add_rule, with the checks that need the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from crm.cases.forms import DayField, WholeNumberField
from crm.compliance import rules
from crm.compliance.rules import FINE_MAX_BP
from crm.compliance.services import today_local

REQUIRED = _l("Wajib diisi.")


class ArrearsRuleForm(FlaskForm):
    effective_from = DayField(
        _l("Berlaku untuk iuran bulan"), validators=[DataRequired(_l("Isi tanggal yang valid."))]
    )
    due_day = WholeNumberField(
        _l("Tanggal jatuh tempo"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 28, _l("Tanggal jatuh tempo antara 1 dan 28.")),
        ],
    )
    months_after = WholeNumberField(
        _l("Bulan sesudah bulan iuran"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(0, 3, _l("Jatuh tempo 0 sampai 3 bulan sesudah bulan iuran.")),
        ],
    )
    fine_bp = WholeNumberField(
        _l("Denda per bulan (basis poin)"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(0, FINE_MAX_BP, _l("Denda 0 sampai %(max)d basis poin (10%%) per bulan.")),
        ],
    )
    legal_basis = StringField(
        _l("Dasar hukum"),
        validators=[Length(max=200, message=_l("Paling panjang 200 karakter."))],
    )
    submit = SubmitField(_l("Tambah aturan"))

    def validate_effective_from(self, field):
        if field.data is None:
            return
        if field.data.day != 1:
            raise ValidationError(_l("Aturan berlaku mulai tanggal 1 suatu bulan."))
        refused = rules.too_early(field.data, today_local())
        if refused:
            raise ValidationError(refused)
