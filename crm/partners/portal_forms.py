"""Forms of the partner portal: inviting a partner user and accepting the invitation."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from crm.auth.forms import password_strength

MAX_PASSWORD = 128  # generous for a passphrase; longer is a paste accident or an attack
# Bidirectional overrides can make a name read differently in the RM's lists.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in value)


def plain_text(form, field) -> None:
    """No control characters (a NUL byte is refused by PostgreSQL: a 500, not a message)."""
    if field.data and _has_control(field.data):
        raise ValidationError(_l("Hapus karakter kontrol atau karakter tak terlihat."))


def password_characters(form, field) -> None:
    """A password that can be typed again: no control characters, not absurdly long."""
    value = field.data or ""
    if len(value) > MAX_PASSWORD:
        raise ValidationError(_l("Kata sandi paling panjang %(n)d karakter.", n=MAX_PASSWORD))
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValidationError(_l("Kata sandi tidak boleh berisi karakter kontrol."))


class InviteForm(FlaskForm):
    name = StringField(
        _l("Nama"),
        validators=[DataRequired(_l("Isi nama pengguna.")), Length(max=120), plain_text],
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

    name = StringField(
        _l("Nama"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=120), plain_text]
    )
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(_l("Wajib diisi.")), password_characters, password_strength],
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(_l("Wajib diisi.")),
            EqualTo("password", _l("Kedua kata sandi tidak sama.")),
        ],
    )
    submit = SubmitField(_l("Simpan dan masuk"))
