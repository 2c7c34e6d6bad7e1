"""Forms for users, branch offices and the audit-log filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from crm.auth.forms import password_strength
from crm.forms_common import DayField, IdSelectField


def role_choices():
    return [
        ("rm", _l("Relationship manager")),
        ("supervisor", _l("Supervisor")),
        ("admin", _l("Admin")),
        ("partner", _l("Mitra (portal)")),
    ]


class UserForm(FlaskForm):
    # test_environment: .test addresses (the demo users') are valid, or no demo user can be edited.
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Wajib diisi.")),
            Email(_l("Alamat email tidak valid."), test_environment=True),
            Length(max=254),
        ],
    )
    name = StringField(_l("Nama"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=120)])
    role = SelectField(_l("Peran"), choices=role_choices)
    branch_office_id = IdSelectField(_l("Kantor cabang"), validate_choice=False)
    account_id = IdSelectField(_l("Institusi (untuk mitra)"), validate_choice=False)
    password = PasswordField(_l("Kata sandi sementara"), validators=[Optional(), password_strength])
    submit = SubmitField(_l("Simpan"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Kata sandi sementara baru"),
        validators=[DataRequired(_l("Wajib diisi.")), password_strength],
    )
    submit = SubmitField(_l("Atur ulang kata sandi"))


class BranchForm(FlaskForm):
    code = StringField(
        _l("Kode"),
        validators=[
            DataRequired(_l("Wajib diisi.")),
            Length(max=20),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Hanya huruf, angka dan tanda hubung.")),
        ],
    )
    name = StringField(_l("Nama"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=120)])
    region = StringField(
        _l("Kantor wilayah"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=120)]
    )
    address = TextAreaField(_l("Alamat"), validators=[Optional(), Length(max=500)])
    active = BooleanField(_l("Aktif"), default=True)
    submit = SubmitField(_l("Simpan"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(_l("Pelaku (email)"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Aksi"), validators=[Optional(), Length(max=60)])
    entity_type = StringField(_l("Jenis data"), validators=[Optional(), Length(max=40)])
    entity_id = StringField(_l("ID data"), validators=[Optional(), Length(max=40)])
    date_from = DayField(_l("Dari tanggal"), validators=[Optional()])
    date_to = DayField(_l("Sampai tanggal"), validators=[Optional()])
