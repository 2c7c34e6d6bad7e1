"""Indonesian by default, English complete; dates and Rupiah formatted the Indonesian way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from crm.config import ROOT
from crm.i18n import long_date, long_datetime, rupiah


def test_english_catalog_translates_every_message():
    method_map = [("crm/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = extract_from_dir(str(ROOT), method_map, keywords=keywords)
    wanted = {m[2] if isinstance(m[2], str) else m[2][0] for m in found}
    assert len(wanted) > 150  # the extraction really found the UI's messages
    catalog = read_po(BytesIO((ROOT / "crm/translations/en/LC_MESSAGES/messages.po").read_bytes()))
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run pybabel extract/update): {missing[:10]}"


def test_dates_read_like_22_november_2026(app):
    with app.test_request_context():
        assert long_date(date(2026, 11, 22)) == "22 November 2026"
        assert long_date(date(2026, 8, 17)) == "17 Agustus 2026"
        with force_locale("en"):
            assert long_date(date(2026, 8, 17)) == "17 August 2026"
        assert long_date(None) == "-"


def test_times_are_shown_in_jakarta_time(app):
    with app.test_request_context():
        assert long_datetime(datetime(2026, 11, 22, 7, 5, tzinfo=UTC)) == "22 November 2026 14.05"


def test_rupiah_uses_dots_for_thousands():
    assert rupiah(16800) == "Rp 16.800"
    assert rupiah(36800) == "Rp 36.800"
    assert rupiah(10547400) == "Rp 10.547.400"
    assert rupiah(0) == "Rp 0"
    assert rupiah(-2500.5) == "-Rp 2.501"
    assert rupiah(None) == "-"
