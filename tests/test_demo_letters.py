"""The demo's letters: each carries its facts (arrears table, "per tanggal", PDS) as of its
own letter date, and all print on a realistic letterhead, not the migration's placeholders."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.letters.context import letter_context
from crm.letters.letterhead import placeholder_fields
from crm.letters.models import Letter, LetterheadSetting
from crm.letters.services import arrears_facts

# Every user any test here makes is hashed cheaply (the demo makes several).
pytestmark = pytest.mark.usefixtures("cheap_password_hash")


def test_each_dated_demo_letter_shows_arrears_as_of_its_own_date(demo):
    dated = demo.session.scalars(
        select(Letter).where(Letter.letter_date.is_not(None)).order_by(Letter.letter_date)
    ).all()
    with_arrears = [x for x in dated if (x.facts or {}).get("arrears")]
    assert with_arrears, "the demo issues letters with an arrears table"
    today = max(x.letter_date for x in dated)
    assert any(x.letter_date < today for x in with_arrears)  # some are back-dated
    for letter in with_arrears:
        facts = letter.facts["arrears"]
        day = letter.letter_date
        assert facts["as_of"] == day.isoformat(), letter.number
        assert all(date.fromisoformat(r["due_on"]) < day for r in facts["rows"]), letter.number
        assert facts == arrears_facts(letter.account_id, day), letter.number
        printed = letter_context(letter)["arrears"]
        assert printed["as_of"] == day


def test_the_demo_prints_on_a_realistic_letterhead(demo):
    head = demo.session.get(LetterheadSetting, 1)
    assert placeholder_fields(head) == []
    assert "Kepesertaan Korporasi dan Institusi" in head.office_name
    assert head.signatory_name and head.signatory_title
