"""Form field types shared by every feature: numbers and dates bounded at one place.

A select of ids, a typed number and a date all go through crm.inputs, so a 2**63 id or
the year 9999 is a field error on the form, never an OverflowError in a query.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import StopValidation

from crm.inputs import MAX_DATE, MAX_ID, MIN_DATE, parse_date, parse_int

CHOICE_MESSAGE = _l("Pilih salah satu pilihan yang tersedia.")


def db_id(value) -> int:
    """coerce= for a select of ids: 0 means "none"; typed text must fit an id column (the
    choices' own values, already ints, are compared as they are)."""
    if isinstance(value, int):
        return value
    number = parse_int(value, minimum=0, maximum=MAX_ID)
    if number is None:
        raise ValueError(str(CHOICE_MESSAGE))
    return number


class _FirstErrorOnly:
    def pre_validate(self, form):
        if self.process_errors:  # the one message from process_formdata is enough
            raise StopValidation()
        super().pre_validate(form)


class IdSelectField(_FirstErrorOnly, SelectField):
    """A select of ids (0 = none); an id out of range is a field error in Indonesian."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("coerce", db_id)
        kwargs.setdefault("invalid_value_message", CHOICE_MESSAGE)
        super().__init__(*args, **kwargs)


class IdMultipleField(_FirstErrorOnly, SelectMultipleField):
    """Several ids (checkboxes or a multiple select), each bounded as in IdSelectField."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("coerce", db_id)
        kwargs.setdefault("invalid_value_message", CHOICE_MESSAGE)
        super().__init__(*args, **kwargs)


class WholeNumberField(_FirstErrorOnly, IntegerField):
    """An integer between minimum and maximum (default: what an INTEGER column holds);
    empty is no value (left to the validators), anything else a clear message."""

    def __init__(self, *args, minimum: int = -MAX_ID, maximum: int = MAX_ID, **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0], minimum=self.minimum, maximum=self.maximum)
        if self.data is None and parse_int(valuelist[0], minimum=-(10**21), maximum=10**21) is None:
            raise ValueError(str(_l("Isi bilangan bulat.")))
        if self.data is None:
            raise ValueError(
                str(
                    _l(
                        "Isi bilangan bulat antara %(lo)s dan %(hi)s.",
                        lo=f"{self.minimum:,}".replace(",", "."),
                        hi=f"{self.maximum:,}".replace(",", "."),
                    )
                )
            )


class DayField(_FirstErrorOnly, DateField):
    """A date between earliest and latest (default 1900-2100); empty is no value (left to
    the validators), a bad or far date a clear message."""

    def __init__(self, *args, earliest: date = MIN_DATE, latest: date = MAX_DATE, **kwargs) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata([v.strip() for v in valuelist])
        except ValueError as exc:
            raise ValueError(str(_l("Isi tanggal yang valid."))) from exc
        if parse_date(self.data, earliest=self.earliest, latest=self.latest) is None:
            self.data = None
            raise ValueError(
                str(
                    _l(
                        "Isi tanggal antara %(a)s dan %(b)s.",
                        a=self.earliest.strftime("%d-%m-%Y"),
                        b=self.latest.strftime("%d-%m-%Y"),
                    )
                )
            )


class ConfirmForm(FlaskForm):
    """A yes/no step before a change that cannot simply be typed back (CSRF-protected)."""

    submit = SubmitField(_l("Ya, lanjutkan"))
