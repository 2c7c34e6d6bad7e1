"""NPP, NPWP, NIB, NIK and KPJ: validation, normalization and display."""

from __future__ import annotations

import pytest

from crm.accounts import identifiers as ids
from crm.services import ServiceError


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("12345678", "12345678"),
        (" 1234-5678 ", "12345678"),
        ("", None),
        (None, None),
    ],
)
def test_npp_is_eight_digits(app, raw, stored):
    assert ids.normalize_npp(raw) == stored


@pytest.mark.parametrize("raw", ["1234567", "123456789", "1234567a"])
def test_bad_npp_is_refused_with_a_reason(app, raw):
    with app.test_request_context(), pytest.raises(ServiceError, match="NPP"):
        ids.normalize_npp(raw)


def test_old_and_new_npwp_are_the_same_number(app):
    assert ids.normalize_npwp("01.234.567.8-901.234") == "0012345678901234"
    assert ids.normalize_npwp("0012345678901234") == "0012345678901234"
    assert ids.normalize_npwp("1234567890123456") == "1234567890123456"


def test_npwp_is_shown_in_its_usual_format():
    assert ids.format_npwp("0012345678901234") == "01.234.567.8-901.234"
    assert ids.format_npwp("1234567890123456") == "1234 5678 9012 3456"
    assert ids.format_npwp(None) == ""


@pytest.mark.parametrize("raw", ["12345678901234", "12.345.678.9-012", "abc"])
def test_bad_npwp_is_refused(app, raw):
    with app.test_request_context(), pytest.raises(ServiceError):
        ids.normalize_npwp(raw)


def test_nib_nik_kpj_lengths(app):
    assert ids.normalize_nib("1234567890123") == "1234567890123"
    assert ids.normalize_nik("3171 0101 0101 0001") == "3171010101010001"
    assert ids.normalize_kpj("12345678901") == "12345678901"
    with app.test_request_context(), pytest.raises(ServiceError, match="13 digit"):
        ids.normalize_nib("123")
