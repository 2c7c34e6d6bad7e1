"""Letters print the arrears rule in force on their date (fine rate, due day) and the
sanction ladder's figures from their context: no rate, day or count literal in a template."""

from __future__ import annotations

import re
from datetime import date

import pytest

from crm.compliance import rules as arrears_rules_admin
from crm.compliance.models import ArrearsRule
from crm.letters import template_context
from crm.letters.context import letter_context, rule_in_force
from crm.letters.render import render_letter
from crm.letters.samples import sample_context
from crm.letters.services import draft_letter
from crm.letters.template_context import LETTERS_DIR, rule_text, terbilang_angka
from tests.factories import AccountFactory, UserFactory, case_for_letter
from tests.support.letters import arrears_months
from tests.support.pdf import page_texts

LITERALS = (
    re.compile(r"\d+(?:,\d+)? ?%"),  # a rate: 2%, 0,1 %
    re.compile(r"tanggal \d+"),  # a day of the month: tanggal 15
    re.compile(r"\b\d+ \([a-z ]+\)"),  # a count spelled out: 2 (dua), 30 (tiga puluh)
)


def text(ctx: dict) -> str:
    return " ".join(page_texts(render_letter(ctx)))


def header(printed: str) -> str:
    """The arrears table's header wraps inside its cells: compare without spaces."""
    return printed.replace(" ", "")


@pytest.mark.parametrize("path", sorted(LETTERS_DIR.glob("*.html")), ids=lambda p: p.name)
def test_no_letter_template_holds_a_rate_day_or_count_literal(path):
    source = path.read_text(encoding="utf-8")
    found = [m.group(0) for pattern in LITERALS for m in pattern.finditer(source)]
    assert not found, f"{path.name}: {found}"


def test_rule_text_spells_the_rate_and_names_the_due_month():
    assert rule_text(None) == {
        "fine_percent": "2", "fine_words": "dua", "due_day": 15,
        "due_day_words": "lima belas", "due_month": "bulan berikutnya",
    }  # fmt: skip
    other = rule_text({"fine_bp_per_month": 150, "due_day": 10, "due_months_after": 0})
    assert other["fine_percent"] == "1,5" and other["fine_words"] == "satu koma lima"
    assert other["due_month"] == "bulan yang sama"
    assert terbilang_angka("0,1") == "nol koma satu"


def test_samples_print_domain_md_rule_by_default():
    printed = text(sample_context("pemberitahuan"))
    assert "paling lambat tanggal 15 bulan berikutnya" in printed
    assert "Denda2%/bulan" in header(printed) and "2% (dua persen)" in printed


def test_a_letter_prints_the_rule_given_in_its_context():
    ctx = sample_context("pemberitahuan")
    ctx["arrears_rule"] = {"fine_bp_per_month": 150, "due_day": 10, "due_months_after": 1}
    printed = text(ctx)
    assert "paling lambat tanggal 10 bulan berikutnya" in printed
    assert "Denda1,5%/bulan" in header(printed) and "1,5% (satu koma lima persen)" in printed
    assert "2% (dua persen)" not in printed


def test_teguran_2_prints_the_denda_from_its_context_with_the_laws_fallback():
    ctx = sample_context("teguran_2")
    printed = text(ctx)
    assert "Denda sebesar 0,1% (nol koma satu persen)" in printed
    assert "30 (tiga puluh) hari" in printed and "paling banyak 2 (dua) kali" in printed
    ctx |= {"denda_rate_text": "0,2% (nol koma dua persen)", "denda_days": 45}
    printed = text(ctx)
    assert "0,2% (nol koma dua persen)" in printed and "45 (empat puluh lima) hari" in printed
    assert template_context.DEFAULTS["denda_rate_text"] == "0,1% (nol koma satu persen)"


def test_the_letter_context_carries_the_rule_in_force_on_the_letters_date(db):
    db.session.add(
        ArrearsRule(
            effective_from=date(2099, 1, 1), due_day=10, due_months_after=1, fine_bp_per_month=150
        )
    )
    db.session.flush()
    arrears_rules_admin.forget_rules()
    assert rule_in_force(date(2098, 12, 31))["fine_bp_per_month"] == 200
    assert rule_in_force(date(2099, 1, 2)) == {
        "fine_bp_per_month": 150, "due_day": 10, "due_months_after": 1,
    }  # fmt: skip
    rm = UserFactory(role="rm")
    account = AccountFactory(rm=rm)
    arrears_months(account)
    letter = draft_letter(
        account, "pemberitahuan", rm, case=case_for_letter(account, "pemberitahuan")
    )
    letter.letter_date = date(2099, 2, 1)
    printed = text(letter_context(letter))
    assert "tanggal 10 bulan berikutnya" in printed and "Denda1,5%/bulan" in header(printed)
