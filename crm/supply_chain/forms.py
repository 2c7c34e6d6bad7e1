"""Forms of the supply-chain pages: a vendor, its registration, its campaign status and the
campaign. Field rules live in crm.supply_chain.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.supply_chain.labels import status_choices


class VendorForm(FlaskForm):
    name = StringField(_l("Nama vendor"), validators=[DataRequired(_l("Wajib diisi."))])
    npwp = StringField(_l("NPWP"))
    contact_name = StringField(_l("Narahubung"))
    phone = StringField(_l("Telepon"))
    email = StringField(_l("Surel"))
    address = TextAreaField(_l("Alamat"))
    estimated_workers = StringField(_l("Perkiraan jumlah pekerja"))
    contract = StringField(_l("Kontrak atau kategori"))
    npp = StringField(_l("NPP (bila sudah terdaftar)"))
    submit = SubmitField(_l("Simpan"))


class RegisterForm(FlaskForm):
    npp = StringField(_l("NPP"), validators=[DataRequired(_l("Isi NPP vendor."))])
    submit = SubmitField(_l("Catat pendaftaran"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status kampanye"), choices=status_choices)
    note = StringField(_l("Catatan"), validators=[Length(max=500)])
    submit = SubmitField(_l("Ubah status"))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Hapus dari daftar vendor"))


class CampaignForm(FlaskForm):
    contract = SelectField(_l("Kontrak atau kategori"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Buat surat ajakan"))
