"""Sponsorship forms: terms, beneficiary, payment, renewal, import upload and the admin's
package price. Ranges are checked here so every bad field is marked at once, and again by
the services with what needs the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.fields import MonthField as _MonthField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from crm.cases.forms import ChoiceField, DayField, WholeNumberField

REQUIRED = _l("Wajib diisi.")


def scheme_choices():
    return [("sertakan", "SERTAKAN"), ("gn_lingkaran", "GN Lingkaran")]


def package_choices():
    return [("jkk_jkm", _l("JKK + JKM")), ("jkk_jkm_jht", _l("JKK + JKM + JHT"))]


def month_choices():
    return [(m, _l("%(n)d bulan", n=m)) for m in (1, 3, 6, 12)]


class MonthField(_MonthField):
    """A month (YYYY-MM) stored as its first day; bad text gets one clear message."""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        text = valuelist[0].strip()[:7]
        try:
            super().process_formdata([text])
        except ValueError as exc:
            raise ValueError(str(_l("Tulis bulan sebagai YYYY-MM, mis. 2027-01."))) from exc

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class SponsorshipForm(FlaskForm):
    scheme = ChoiceField(_l("Skema"), choices=scheme_choices, default="sertakan")
    package = ChoiceField(_l("Paket"), choices=package_choices, default="jkk_jkm")
    months = ChoiceField(_l("Lama"), choices=month_choices, coerce=int, default=12)
    start_month = MonthField(
        _l("Bulan mulai"), validators=[DataRequired(_l("Isi bulan mulai (YYYY-MM)."))]
    )
    notes = TextAreaField(
        _l("Catatan"), validators=[Length(max=5000, message=_l("Paling panjang 5000 karakter."))]
    )
    submit = SubmitField(_l("Simpan"))


class RenewForm(FlaskForm):
    package = ChoiceField(_l("Paket"), choices=package_choices)
    months = ChoiceField(_l("Lama"), choices=month_choices, coerce=int)
    start_month = MonthField(
        _l("Bulan mulai"), validators=[DataRequired(_l("Isi bulan mulai (YYYY-MM)."))]
    )
    submit = SubmitField(_l("Perpanjang"))


class BeneficiaryForm(FlaskForm):
    """Checked by crm.sponsorships.beneficiaries.clean_beneficiary (one set of rules for the
    form and the import)."""

    nik = StringField(_l("NIK"))
    name = StringField(_l("Nama"))
    occupation = StringField(_l("Pekerjaan"))
    kelurahan = StringField(_l("Kelurahan"))
    kecamatan = StringField(_l("Kecamatan"))
    city = StringField(_l("Kota/kabupaten"))
    phone = StringField(_l("Telepon"))
    kpj = StringField(_l("KPJ"))
    submit = SubmitField(_l("Simpan"))


class PaymentForm(FlaskForm):
    paid_on = DayField(
        _l("Tanggal bayar"), validators=[DataRequired(_l("Isi tanggal yang valid."))]
    )
    amount = StringField(_l("Jumlah (Rp)"), validators=[DataRequired(REQUIRED)])
    reference = StringField(
        _l("Referensi"), validators=[Length(max=100, message=_l("Paling panjang 100 karakter."))]
    )
    submit = SubmitField(_l("Catat pembayaran"))


class RateForm(FlaskForm):
    package = ChoiceField(_l("Paket"), choices=package_choices)
    price = WholeNumberField(
        _l("Harga per pekerja per bulan (Rp)"), validators=[InputRequired(REQUIRED)]
    )
    effective_from = DayField(
        _l("Berlaku mulai"), validators=[DataRequired(_l("Isi tanggal yang valid."))]
    )
    submit = SubmitField(_l("Tambah harga"))
