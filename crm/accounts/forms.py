"""Forms for accounts, key persons, positions and portfolio moves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms_common import DayField, IdSelectField, WholeNumberField

REQUIRED = _l("Wajib diisi.")


def kind_choices():
    return [
        ("company", _l("Perusahaan")),
        ("ministry", _l("Kementerian")),
        ("agency", _l("Lembaga")),
        ("local_government", _l("Pemerintah daerah")),
    ]


def segment_choices():
    return [("corporate", _l("Korporasi")), ("institutional", _l("Institusi"))]


def status_choices():
    return [("prospect", _l("Prospek")), ("active", _l("Aktif")), ("inactive", _l("Tidak aktif"))]


def ownership_choices():
    return [
        ("", _l("— tidak diisi —")),
        ("bumn", "BUMN"),
        ("bumd", "BUMD"),
        ("private", _l("Swasta nasional")),
        ("foreign", _l("Asing (PMA)")),
    ]


def level_choices():
    return [
        ("bod", "BOD"),
        ("bod1", "BOD-1"),
        ("bod2", "BOD-2"),
        ("operational", _l("Operasional")),
    ]


def stance_choices():
    return [
        ("champion", _l("Pendukung utama")),
        ("supporter", _l("Mendukung")),
        ("neutral", _l("Netral")),
        ("skeptic", _l("Ragu")),
        ("blocker", _l("Penghambat")),
    ]


def channel_choices():
    return [
        ("email", _l("Email")),
        ("phone", _l("Telepon")),
        ("whatsapp", "WhatsApp"),
        ("letter", _l("Surat")),
        ("in_person", _l("Tatap muka")),
    ]


class AccountForm(FlaskForm):
    name = StringField(_l("Nama"), validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(_l("Jenis"), choices=kind_choices)
    segment = SelectField(_l("Segmen"), choices=segment_choices)
    status = SelectField(_l("Status"), choices=status_choices)
    ownership = SelectField(_l("Kepemilikan"), choices=ownership_choices)
    sector = SelectField(_l("Sektor"), validate_choice=False)
    headcount = WholeNumberField(
        _l("Perkiraan jumlah pekerja"), validators=[Optional(), NumberRange(min=0, max=5_000_000)]
    )
    npp = StringField("NPP", validators=[Optional(), Length(max=20)])
    npwp = StringField("NPWP", validators=[Optional(), Length(max=30)])
    nib = StringField("NIB", validators=[Optional(), Length(max=20)])
    address = TextAreaField(_l("Alamat"), validators=[Optional(), Length(max=1000)])
    city = StringField(_l("Kota"), validators=[Optional(), Length(max=100)])
    branch_office_id = IdSelectField(_l("Kantor cabang"), validate_choice=False)
    rm_id = IdSelectField(_l("RM"), validate_choice=False)
    parent_npp = StringField(_l("NPP induk grup"), validators=[Optional(), Length(max=20)])
    character_notes = TextAreaField(
        _l("Catatan karakter mitra"), validators=[Optional(), Length(max=5000)]
    )
    confirm_similar = BooleanField(_l("Ya, ini akun yang berbeda"))
    submit = SubmitField(_l("Simpan"))


class PersonForm(FlaskForm):
    name = StringField(_l("Nama"), validators=[DataRequired(REQUIRED), Length(max=150)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Telepon"), validators=[Optional(), Length(max=40)])
    preferred_channel = SelectField(_l("Saluran yang disukai"), choices=channel_choices)
    influence = SelectField(
        _l("Pengaruh (1–5)"), coerce=int, choices=[(i, str(i)) for i in range(1, 6)], default=3
    )
    stance = SelectField(_l("Sikap"), choices=stance_choices, default="neutral")
    notes = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Simpan"))


class PositionForm(FlaskForm):
    title = StringField(_l("Jabatan"), validators=[DataRequired(REQUIRED), Length(max=150)])
    level = SelectField(_l("Tingkat"), choices=level_choices, default="bod1")
    decision_maker = BooleanField(_l("Pengambil keputusan"))
    reports_to_id = IdSelectField(_l("Melapor kepada"), validate_choice=False)
    start_date = DayField(_l("Mulai menjabat"), validators=[Optional()])
    end_date = DayField(_l("Selesai menjabat"), validators=[Optional()])
    submit = SubmitField(_l("Simpan"))


class NewPersonForm(PersonForm, PositionForm):
    """A person and their position at the account, in one form."""


class MovePositionForm(PositionForm):
    account_npp = StringField(_l("NPP akun tujuan"), validators=[Optional(), Length(max=20)])
    account_id = WholeNumberField(_l("atau ID akun tujuan"), validators=[Optional()])


class LeftForm(FlaskForm):
    end_date = DayField(_l("Tanggal keluar"), validators=[DataRequired(REQUIRED)])
    successor_id = IdSelectField(_l("Pengganti"), validate_choice=False)
    note = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Tandai keluar"))


class ReassignForm(FlaskForm):
    from_rm = IdSelectField(_l("Dari RM"), validate_choice=False)
    to_rm = IdSelectField(_l("Ke RM"), validate_choice=False)
    branch_office_id = IdSelectField(_l("Hanya kantor cabang"), validate_choice=False)
    submit = SubmitField(_l("Pindahkan portofolio"))
