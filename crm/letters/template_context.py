"""The plain data a letter template receives: its keys, defaults and formatting filters.

render_letter() takes plain data only (dicts, lists, str, int, bool, None, date, datetime;
a Decimal amount is rounded to whole rupiah) and never an ORM object, so a job can build
the context from ids inside its own session and the templates cannot lazy-load anything.

The context (keys marked * are required; the others default to None / [] / False / "-"):

    {"type"*: one of LETTER_TYPES,
     "number": str | None            (None: a draft, printed with a DRAF watermark),
     "date"*: date, "place": str, "lampiran": str, "perihal": str,
     "addressee"*: {"name": str, "title": str, "company": str, "address": str (multi-line)},
     "body": str                     (the RM's plain text; blank lines separate paragraphs),
     "arrears": None | {"as_of": date, "unpaid": int, "fine": int, "total": int,
                        "rows": [{"period": date (first of month), "due_on": date,
                                  "contribution_due": int, "paid": int, "unpaid": int,
                                  "months_late": int, "fine": int, "total": int}]},
     "pds": [str]                    (PDS findings, may be empty),
     "deadline": date | None, "deadline_days": int | None,
     "meeting": None | {"when": datetime, "place": str, "agenda": str},
     "agreement": None | {"title": str, "number": str, "partner": str},
     "sponsorship": None | {"sponsor": str, "workers": int, "amount": int, "period": str,
                            "program": str},
     "employer": None | {"name": str, "npp": str, "address": str}
                                     (optional: the employer a rekomendasi_tmp2t is about),
     "previous": [{"type": str, "number": str, "date": date}]
                                     (the case's earlier letters a warning cites),
     "letterhead"*: {"agency": str (default BPJS Ketenagakerjaan), "office_name": str,
                     "office_address": str (multi-line),
                     "logo": str (a path under letters/ or static/, e.g. "img/letter-logo.svg",
                                  or an uploaded logo as a data:image/png|jpeg;base64 URI),
                     "signatory_name": str, "signatory_title": str, "tembusan": [str]},
     "verify_url"*: str, "verify_code"*: str, "copy": bool (prints a SALINAN stamp),
     "arrears_rule": None | {"fine_bp_per_month": int, "due_day": int, "due_months_after": int}
                                     (the rule in force on the letter's date; DOMAIN.md's
                                      2 % and the 15th of the next month when None),
     "denda_rate_text": str, "denda_days": int, "max_warnings": int (the sanction ladder)}
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import qrcode
from markupsafe import Markup, escape

from crm.compliance.rules import percent
from crm.config import ROOT

LETTERS_DIR = (ROOT / "letters").resolve()
STATIC_DIR = (ROOT / "static").resolve()
ALLOWED_ROOTS = (LETTERS_DIR, STATIC_DIR)

LETTER_TYPES: dict[str, str] = {
    "pemberitahuan": "Surat Pemberitahuan",
    "teguran_1": "Surat Teguran I",
    "teguran_2": "Surat Teguran II",
    "undangan": "Surat Undangan",
    "pengantar_mou": "Surat Pengantar MoU/PKS",
    "rekomendasi_tmp2t": "Surat Rekomendasi TMP2T",
    "piagam_sertakan": "Piagam Tanda Terima SERTAKAN",
    "ajakan_kepesertaan": "Surat Ajakan Pendaftaran Kepesertaan",
}

# The types whose template prints the arrears table (letters/_macros.html arrears_section).
PRINTS_ARREARS = frozenset({"pemberitahuan", "teguran_1", "teguran_2", "rekomendasi_tmp2t"})

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_UNITS = (
    "", "satu", "dua", "tiga", "empat", "lima", "enam",
    "tujuh", "delapan", "sembilan", "sepuluh", "sebelas",
)  # fmt: skip
REQUIRED = ("type", "date", "addressee", "letterhead", "verify_url", "verify_code")
# Up to this many months the arrears table sits in the body; a longer one is the letter's
# attachment (Lampiran), on a page of its own after the signature.
ARREARS_INLINE_ROWS = 12
ARREARS_ATTACHMENT = "1 (satu) lembar rincian tunggakan iuran"
# What drafting prefilled before attachments were counted: it names no real attachment.
AUTO_LAMPIRAN = ("", "-", "1 (satu) berkas")
DRAFT_NUMBER = "…/…/…"  # a draft's number, given at approval
# The arrears rule DOMAIN.md states, for a context that brings none (the samples).
RULE_DEFAULTS = {"fine_bp_per_month": 200, "due_day": 15, "due_months_after": 1}
DEFAULTS = {
    "number": None, "place": "", "perihal": "", "lampiran": "-", "body": "", "arrears": None,
    "pds": (), "deadline": None, "deadline_days": None, "meeting": None, "agreement": None,
    "sponsorship": None, "employer": None, "previous": (), "copy": False, "arrears_rule": None,
    # The sanction after Teguran II (PP 86/2013): the cases feature may fill these from
    # its settings; the law's figures otherwise.
    "denda_rate_text": "0,1% (nol koma satu persen)", "denda_days": 30,
    # At most two written warnings exist by law (PP 86/2013).
    "max_warnings": 2,
}  # fmt: skip
AGENCY = "BPJS Ketenagakerjaan"  # the agency every office writes for, printed atop the kop
LETTERHEAD_DEFAULTS = {
    "agency": AGENCY, "office_name": "", "office_address": "", "signatory_name": "",
    "signatory_title": "", "tembusan": (),
}  # fmt: skip


# ---------------------------------------------------------------- formatting for templates


def tanggal(value: date | datetime | None) -> str:
    """`22 November 2026`, always in Indonesian (no locale involved)."""
    if value is None:
        return "-"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def hari_tanggal(value: date | datetime | None) -> str:
    """`Senin, 23 November 2026`."""
    return "-" if value is None else f"{DAYS[value.weekday()]}, {tanggal(value)}"


def bulan(value: date | None) -> str:
    """`Oktober 2025`: the contribution month."""
    return "-" if value is None else f"{MONTHS[value.month - 1]} {value.year}"


def tanggal_angka(value: date | None) -> str:
    """`15-11-2025`: a short date for narrow table columns."""
    return "-" if value is None else f"{value.day:02d}-{value.month:02d}-{value.year}"


def jam(value: datetime | None) -> str:
    """`10.00`: clock time as Indonesian letters write it."""
    return "-" if value is None else f"{value.hour:02d}.{value.minute:02d}"


def terbilang(n: int) -> str:
    """Indonesian number words, as formal letters write `10 (sepuluh) hari kerja`."""
    if n < 0:
        return "minus " + terbilang(-n)
    if n < 12:
        return _UNITS[n] or "nol"
    if n < 20:
        return f"{_UNITS[n - 10]} belas"
    for size, word in ((10**9, "miliar"), (10**6, "juta"), (1000, "ribu"), (100, "ratus")):
        if n >= size:
            head, rest = divmod(n, size)
            if size == 100 or (size == 1000 and head == 1):
                lead = "se" + word if head == 1 else f"{terbilang(head)} {word}"
            else:
                lead = f"{terbilang(head)} {word}"
            return lead if not rest else f"{lead} {terbilang(rest)}"
    tens, rest = divmod(n, 10)
    return f"{_UNITS[tens]} puluh" + (f" {_UNITS[rest]}" if rest else "")


def terbilang_angka(text: str) -> str:
    """A number written with a decimal comma in words: `1,5` -> `satu koma lima`."""
    whole, _sep, decimals = text.partition(",")
    words = terbilang(int(whole or 0))
    if decimals:
        words += " koma " + " ".join(terbilang(int(d)) for d in decimals)
    return words


def rule_text(rule: dict | None) -> dict:
    """The arrears rule in force as letters print it: the fine rate (in figures and words)
    and the payment due day."""
    rule = {**RULE_DEFAULTS, **(rule or {})}
    fine = percent(int(rule["fine_bp_per_month"]))
    day, months = int(rule["due_day"]), int(rule["due_months_after"])
    if months == 0:
        due_month = "bulan yang sama"
    elif months == 1:
        due_month = "bulan berikutnya"
    else:
        due_month = f"{months} ({terbilang(months)}) bulan berikutnya"
    return {
        "fine_percent": fine,
        "fine_words": terbilang_angka(fine),
        "due_day": day,
        "due_day_words": terbilang(day),
        "due_month": due_month,
    }


def arrears_attached(letter_type: str, arrears: dict | None) -> bool:
    """Whether the letter prints its arrears table as an attachment page."""
    rows = (arrears or {}).get("rows") or []
    return letter_type in PRINTS_ARREARS and len(rows) > ARREARS_INLINE_ROWS


def lampiran_text(given: str | None, arrears_attached: bool) -> str:
    """What the Lampiran line prints: the author's own text when they named an enclosure,
    else the arrears attachment when the table is one, else `-`."""
    text = (given or "").strip()
    if text not in AUTO_LAMPIRAN:
        return text
    return ARREARS_ATTACHMENT if arrears_attached else "-"


def paragraphs(text: str | None) -> Markup:
    """Plain text to escaped <p> paragraphs (blank lines split them, newlines become <br>)."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return Markup("").join(
        Markup("<p>{}</p>\n").format(Markup("<br>").join(escape(b).split("\n")))
        for b in blocks
        if b
    )


def lines(text: str | None) -> Markup:
    """A multi-line address, escaped, with <br> between its lines."""
    parts = [escape(line.strip()) for line in (text or "").splitlines() if line.strip()]
    return Markup("<br>").join(parts)


def qr_svg(data: str) -> Markup:
    """The verification QR code as inline SVG: one path, runs of dark modules merged."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size, path = len(matrix), []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            path.append(f"M{start} {y}h{x - start}v1h{start - x}z")
    return Markup(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 {0} {0}" '
        'shape-rendering="crispEdges"><path fill="#000" d="{1}"/></svg>'
    ).format(size + 4, "".join(path))  # a 2-module quiet zone around the code


# ----------------------------------------------------------------------- plain-data guard


def _plain(value, where: str = "context"):
    """A checked copy of `value` made of plain data; anything else (an ORM object) is refused."""
    if value is None or isinstance(value, str | bool | int | float | date):
        return value  # datetime is a date
    if isinstance(value, Decimal):
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, not {key!r}")
        return {k: _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: letters take plain data only, not {type(value).__name__}")


def prepare_context(context: dict) -> dict:
    """Check the context and fill the defaults; raises TypeError or ValueError."""
    if not isinstance(context, dict):
        raise TypeError("the letter context must be a dict")
    ctx = {**DEFAULTS, **_plain(context)}
    missing = [key for key in REQUIRED if not ctx.get(key)]
    if missing:
        raise ValueError(f"letter context lacks {', '.join(missing)}")
    if ctx["type"] not in LETTER_TYPES:
        raise ValueError(f"unknown letter type {ctx['type']!r}")
    if not isinstance(ctx["date"], date):
        raise ValueError("context.date must be a date")
    head = ctx["letterhead"] = {**LETTERHEAD_DEFAULTS, **ctx["letterhead"]}
    logo = head.get("logo") or "img/letter-logo.svg"
    ctx["logo_url"] = (
        logo if logo.startswith(("data:image/png;", "data:image/jpeg;")) else asset_url(logo)
    )
    ctx["rule"] = rule_text(ctx["arrears_rule"])
    ctx["arrears_attached"] = arrears_attached(ctx["type"], ctx["arrears"])
    ctx["lampiran"] = lampiran_text(ctx["lampiran"], ctx["arrears_attached"])
    ctx["draft_number"] = DRAFT_NUMBER
    ctx["title"] = LETTER_TYPES[ctx["type"]]
    ctx["draft"] = not ctx["number"]
    ctx["qr"] = qr_svg(ctx["verify_url"])
    name = (ctx["addressee"].get("name") or "").strip()
    ctx["addressee"] = {"title": "", "company": "", "address": "", **ctx["addressee"]}
    ctx["addressee"]["name"] = name.removeprefix("Yth.").strip()
    when = (ctx["meeting"] or {}).get("when")
    if isinstance(when, datetime) and when.tzinfo is not None:  # printed in WIB
        ctx["meeting"]["when"] = when.astimezone(ZoneInfo("Asia/Jakarta"))
    return ctx


def asset_url(relative: str) -> str:
    """The file:// URL of an image under letters/ or static/ (letters/ wins)."""
    for root in ALLOWED_ROOTS:
        path = (root / relative).resolve()
        if path.is_relative_to(root) and path.is_file():
            return path.as_uri()
    raise ValueError(f"letter asset not found under letters/ or static/: {relative!r}")
