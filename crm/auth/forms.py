"""Sign-in, password and language forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

MIN_PASSWORD = 10
MAX_PASSWORD = 128


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Isi email Anda.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi Anda."))]
    )
    next = HiddenField()
    submit = SubmitField(_l("Masuk"))


def password_strength(form, field) -> None:
    """10 to 128 characters, not all one kind (letters and digits or symbols), no control
    characters."""
    value = field.data or ""
    if len(value) < MIN_PASSWORD:
        raise ValidationError(_l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD))
    if value.isalpha() or value.isdigit():
        raise ValidationError(_l("Gunakan campuran huruf dan angka atau simbol."))
    # Bounded so hashing stays cheap; control characters cannot be typed back reliably.
    if len(value) > MAX_PASSWORD:
        raise ValidationError(_l("Kata sandi paling panjang %(n)d karakter.", n=MAX_PASSWORD))
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(_l("Kata sandi tidak boleh berisi karakter kontrol."))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Kata sandi sekarang"), validators=[DataRequired(_l("Wajib diisi."))]
    )
    new = PasswordField(
        _l("Kata sandi baru"), validators=[DataRequired(_l("Wajib diisi.")), password_strength]
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            DataRequired(_l("Wajib diisi.")),
            EqualTo("new", _l("Kedua kata sandi tidak sama.")),
        ],
    )
    submit = SubmitField(_l("Ganti kata sandi"))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Bahasa"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    submit = SubmitField(_l("Simpan"))
