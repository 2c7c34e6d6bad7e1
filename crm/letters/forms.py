"""Letter forms: the draft's text, the return comment, dispatch, receipt, cancel, the
queue's bulk approval, and (admin) the letterhead and the number codes per type."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from crm.cases.forms import DayField, WholeNumberField
from crm.letters.labels import CHANNEL_LABELS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _too_long(n: int):
    return Length(max=n, message=_l("Paling panjang %(n)d karakter.", n=n))


class LetterForm(FlaskForm):
    """The fields an RM edits; the service checks them again (crm.letters.services)."""

    perihal = StringField(
        _l("Perihal"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi perihal surat.")), _too_long(300)],
    )
    lampiran = StringField(_l("Lampiran"), filters=[_strip], validators=[_too_long(120)])
    addressee_name = StringField(
        _l("Nama penerima"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi nama penerima surat.")), _too_long(200)],
    )
    addressee_title = StringField(
        _l("Jabatan penerima"), filters=[_strip], validators=[_too_long(200)]
    )
    addressee_company = StringField(
        _l("Perusahaan / instansi"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Isi nama perusahaan atau instansi penerima.")),
            _too_long(300),
        ],
    )
    address = TextAreaField(_l("Alamat"), filters=[_strip], validators=[_too_long(2000)])
    body = TextAreaField(
        _l("Isi surat"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi surat tidak boleh kosong.")), _too_long(20000)],
    )


class NewLetterForm(LetterForm):
    account_id = HiddenField()
    interaction_id = HiddenField()
    letter_type = HiddenField()


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("Alasan pengembalian"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Tulis alasan pengembalian untuk penyusun surat.")),
            _too_long(2000),
        ],
    )


class ConfirmForm(FlaskForm):
    """A bare POST (submit, approve, retry) with its CSRF token."""


class CancelForm(FlaskForm):
    note = TextAreaField(_l("Alasan pembatalan"), filters=[_strip], validators=[_too_long(2000)])
    confirm = BooleanField(
        _l("Saya yakin surat ini dibatalkan."),
        validators=[InputRequired(_l("Centang untuk mengonfirmasi pembatalan."))],
    )


def channel_choices():
    return [("", _l("Pilih…")), *CHANNEL_LABELS.items()]


class DispatchForm(FlaskForm):
    channel = SelectField(
        _l("Cara pengiriman"),
        choices=channel_choices,
        validators=[DataRequired(_l("Pilih cara pengiriman."))],
    )
    tracking_number = StringField(
        _l("Nomor resi (wajib untuk kurir)"), filters=[_strip], validators=[_too_long(100)]
    )
    day = DayField(_l("Tanggal kirim"), validators=[DataRequired(_l("Isi tanggal yang valid."))])


class ReceiptForm(FlaskForm):
    day = DayField(_l("Tanggal diterima"), validators=[DataRequired(_l("Isi tanggal yang valid."))])
    recipient_name = StringField(
        _l("Nama penerima surat"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi nama penerima surat.")), _too_long(200)],
    )


class BulkApproveForm(FlaskForm):
    """The queue's checkboxes arrive as request.form.getlist("ids")."""


# -- admin -----------------------------------------------------------------------------------


class LetterheadForm(FlaskForm):
    office_name = StringField(
        _l("Nama kantor"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi nama kantor.")), _too_long(200)],
    )
    office_address = TextAreaField(
        _l("Alamat kantor"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi alamat kantor.")), _too_long(1000)],
    )
    signatory_name = StringField(
        _l("Nama penanda tangan"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi nama penanda tangan.")), _too_long(200)],
    )
    signatory_title = StringField(
        _l("Jabatan penanda tangan"),
        filters=[_strip],
        validators=[DataRequired(_l("Isi jabatan penanda tangan.")), _too_long(200)],
    )
    tembusan = TextAreaField(
        _l("Tembusan (satu per baris)"), filters=[_strip], validators=[_too_long(2000)]
    )


CODE_PATTERN = re.compile(r"^[A-Z0-9.\-]{1,20}$")


class LetterCodeForm(FlaskForm):
    """One type's number code and deadline; the form is repeated per type on the page."""

    letter_type = HiddenField(validators=[DataRequired()])
    code = StringField(
        _l("Kode nomor"),
        filters=[_strip, lambda v: v.upper() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Isi kode nomor.")),
            Regexp(
                CODE_PATTERN,
                message=_l("Kode 1 sampai 20 karakter: huruf A-Z, angka, titik atau tanda minus."),
            ),
        ],
    )
    deadline_days = WholeNumberField(
        _l("Tenggat (hari kerja)"),
        validators=[
            Optional(),
            NumberRange(1, 60, _l("Tenggat 1 sampai 60 hari kerja, atau kosongkan.")),
        ],
    )
