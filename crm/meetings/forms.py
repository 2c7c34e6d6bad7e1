"""Forms for interactions (full, mark held, quick log), next-step rows and the cadence policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.forms_common import DayField, IdMultipleField, IdSelectField, WholeNumberField
from crm.i18n import local_zone

REQUIRED = _l("Wajib diisi.")


def type_choices():
    return [
        ("formal_meeting", _l("Pertemuan formal")),
        ("coordination_meeting", _l("Rapat koordinasi")),
        ("lunch_meeting", _l("Makan siang")),
        ("power_lunch", _l("Power lunch")),
        ("online_meeting", _l("Pertemuan daring")),
        ("phone_call", _l("Telepon")),
        ("correspondence", _l("Korespondensi tertulis")),
        ("site_visit", _l("Kunjungan lapangan")),
        ("socialization", _l("Sosialisasi/edukasi")),
    ]


def topic_choices():
    return [
        ("compliance", _l("Kepatuhan iuran")),
        ("supply_chain", _l("Rantai pasok")),
        ("sertakan", "SERTAKAN"),
        ("mou_pks", "MoU/PKS"),
        ("regulation", _l("Edukasi regulasi")),
        ("complaint", _l("Keluhan")),
        ("other", _l("Lainnya")),
    ]


def sentiment_choices():
    return [
        ("", _l("— belum dinilai —")),
        ("positive", _l("Positif")),
        ("neutral", _l("Netral")),
        ("negative", _l("Negatif")),
    ]


def status_choices():
    return [
        ("planned", _l("Direncanakan")),
        ("held", _l("Terlaksana")),
        ("cancelled", _l("Dibatalkan")),
    ]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IdCheckboxField(IdMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def local_moment(day: date | None, clock: time | None) -> datetime | None:
    """A local date and wall-clock time as an aware UTC datetime."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=local_zone()).astimezone(UTC)


class NextStepForm(Form):
    """One next-step row; a row without a title is ignored."""

    title = StringField(_l("Langkah lanjut"), validators=[Optional(), Length(max=300)])
    assignee_id = IdSelectField(_l("Penanggung jawab"), validate_choice=False)
    due_date = DayField(_l("Jatuh tempo"), validators=[Optional()])


class WhenMixin:
    day = DayField(_l("Tanggal"), validators=[DataRequired(REQUIRED)])
    start = TimeField(_l("Mulai"), validators=[DataRequired(REQUIRED)])
    end = TimeField(_l("Selesai"), validators=[Optional()])


class InteractionForm(WhenMixin, FlaskForm):
    type = SelectField(_l("Jenis"), choices=type_choices)
    status = SelectField(_l("Status"), choices=lambda: status_choices()[:2])
    place = StringField(_l("Tempat"), validators=[Length(max=300)])
    online_link = StringField(_l("Tautan daring"), validators=[Length(max=500)])
    agenda = StringField(_l("Agenda"), validators=[Length(max=500)])
    person_ids = IdCheckboxField(_l("Key person yang hadir"), validate_choice=False)
    user_ids = IdMultipleField(_l("Staf yang hadir"), validate_choice=False)
    topics = MultiCheckboxField(_l("Topik"), choices=topic_choices)
    minutes = TextAreaField(_l("Notulen"), validators=[Length(max=20000)])
    outcome = TextAreaField(_l("Hasil"), validators=[Length(max=5000)])
    sentiment = SelectField(_l("Sikap mitra"), choices=sentiment_choices, default="")
    confidential = BooleanField(_l("Rahasia (notulen hanya untuk penulis, RM akun dan supervisor)"))
    next_steps = FieldList(FormField(NextStepForm), min_entries=3, max_entries=20)
    add_row = SubmitField(_l("Tambah baris"))
    submit = SubmitField(_l("Simpan"))


class HeldForm(WhenMixin, FlaskForm):
    person_ids = IdCheckboxField(_l("Key person yang hadir"), validate_choice=False)
    minutes = TextAreaField(_l("Notulen"), validators=[DataRequired(REQUIRED), Length(max=20000)])
    outcome = TextAreaField(_l("Hasil"), validators=[Length(max=5000)])
    sentiment = SelectField(_l("Sikap mitra"), choices=sentiment_choices, default="")
    next_steps = FieldList(FormField(NextStepForm), min_entries=3, max_entries=20)
    add_row = SubmitField(_l("Tambah baris"))
    submit = SubmitField(_l("Tandai terlaksana"))


class QuickForm(FlaskForm):
    account_id = IdSelectField(_l("Akun"), validators=[DataRequired(REQUIRED)])
    person_id = IdSelectField(_l("Key person"), validate_choice=False)
    minutes = StringField(
        _l("Notulen satu baris"), validators=[DataRequired(REQUIRED), Length(max=500)]
    )
    type = SelectField(_l("Jenis"), choices=type_choices, default="formal_meeting")
    submit = SubmitField(_l("Catat"))


class CadencePolicyForm(FlaskForm):
    corporate_mode = SelectField(_l("Korporasi"))
    corporate_days = WholeNumberField(
        _l("Setiap berapa hari (korporasi)"),
        validators=[Optional(), NumberRange(7, 366, _l("Antara 7 dan 366 hari."))],
    )
    institutional_mode = SelectField(_l("Institusi"))
    institutional_days = WholeNumberField(
        _l("Setiap berapa hari (institusi)"),
        validators=[Optional(), NumberRange(7, 366, _l("Antara 7 dan 366 hari."))],
    )
    submit = SubmitField(_l("Simpan kebijakan"))


def mode_choices():
    return [
        ("monthly_bod1", _l("Setiap bulan kalender, dengan BOD-1")),
        ("days", _l("Setiap N hari, interaksi apa pun yang terlaksana")),
    ]


def state_choices():
    return [
        ("on_track", _l("Sesuai jadwal")),
        ("due", _l("Segera jatuh tempo")),
        ("overdue", _l("Terlambat")),
        ("inactive", _l("Tidak dipantau")),
        ("met", _l("Sudah memenuhi kadens")),
        ("not_met", _l("Belum memenuhi kadens")),
    ]


def task_status_choices():
    return [("open", _l("Terbuka")), ("done", _l("Selesai")), ("cancelled", _l("Dibatalkan"))]
