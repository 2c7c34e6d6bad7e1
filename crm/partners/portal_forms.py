"""Forms of the partner portal: inviting a partner user and accepting the invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from crm.auth.forms import password_strength


class InviteForm(FlaskForm):
    name = StringField(
        _l("Nama"), validators=[DataRequired(_l("Isi nama pengguna.")), Length(max=120)]
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Isi email pengguna.")),
            Email(_l("Alamat email tidak valid."), test_environment=True),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Kirim undangan"))


class WelcomeForm(FlaskForm):
    """The invited user's own name and password (the password rules of crm.auth.forms)."""

    name = StringField(_l("Nama"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=120)])
    password = PasswordField(
        _l("Kata sandi baru"), validators=[DataRequired(_l("Wajib diisi.")), password_strength]
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(_l("Wajib diisi.")),
            EqualTo("password", _l("Kedua kata sandi tidak sama.")),
        ],
    )
    submit = SubmitField(_l("Simpan dan masuk"))
