"""Letter forms: the draft's text, the return comment, dispatch, receipt, cancel, the
queue's bulk approval, and (admin) the letterhead and the number codes per type."""

from __future__ import annotations

import re
from io import BytesIO

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from crm.forms_common import DayField, WholeNumberField
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


LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 2000
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


class LetterheadLogoForm(FlaskForm):
    """The letterhead logo: a PNG or JPEG judged by its content, never by its name.
    After validation `image` holds the checked bytes and `mimetype` their type."""

    logo = FileField(
        _l("Logo (PNG atau JPEG)"), validators=[FileRequired(_l("Pilih file logo PNG atau JPEG."))]
    )
    image: bytes = b""
    mimetype: str = ""

    def validate_logo(self, field) -> None:
        data = field.data.read(LOGO_MAX_BYTES + 1)
        if not data:
            raise ValidationError(_l("Pilih file logo PNG atau JPEG."))
        if len(data) > LOGO_MAX_BYTES:
            raise ValidationError(_l("Logo paling besar 1 MB; perkecil file lalu unggah lagi."))
        from PIL import Image, UnidentifiedImageError

        not_png_jpeg = _l("File ini bukan gambar PNG atau JPEG (SVG dan format lain ditolak).")
        damaged = _l("Gambar rusak atau tidak lengkap; simpan ulang sebagai PNG atau JPEG.")
        try:
            # Only the PNG and JPEG parsers see the upload, never Pillow's many others.
            with Image.open(BytesIO(data), formats=tuple(LOGO_FORMATS)) as probe:
                kind, (width, height) = probe.format, probe.size
                if kind not in LOGO_FORMATS:
                    raise ValidationError(not_png_jpeg)
                if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                    raise ValidationError(
                        _l(
                            "Logo paling besar 2000×2000 piksel; file ini %(w)d×%(h)d piksel.",
                            w=width,
                            h=height,
                        )
                    )
                probe.verify()  # a PNG's chunks and checksums
            with Image.open(BytesIO(data), formats=tuple(LOGO_FORMATS)) as image:
                image.load()  # the pixels themselves decode
            # WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process, so
            # load() pads a cut-off JPEG: check its end-of-image marker ourselves.
            if kind == "JPEG" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
                raise ValidationError(damaged)
        except ValidationError:
            raise  # a ValueError too: keep its own message
        except UnidentifiedImageError as exc:
            raise ValidationError(not_png_jpeg) from exc
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ValidationError(damaged) from exc
        self.image, self.mimetype = data, LOGO_FORMATS[kind]


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
    self_approval = BooleanField(_l("Penyusun boleh menyetujui sendiri (tanpa empat mata)"))
