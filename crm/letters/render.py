"""Render a formal letter to PDF: Jinja templates in letters/, one print stylesheet, WeasyPrint.

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
     "letterhead"*: {"office_name": str, "office_address": str (multi-line),
                     "logo": str (a path under letters/ or static/, e.g. "img/letter-logo.svg",
                                  or an uploaded logo as a data:image/png|jpeg;base64 URI),
                     "signatory_name": str, "signatory_title": str, "tembusan": [str]},
     "verify_url"*: str, "verify_code"*: str, "copy": bool (prints a SALINAN stamp)}

Shared per process (warm_up() fills them before the worker forks): the parsed stylesheet,
one FontConfiguration and the image cache. WeasyPrint's font and layout state is not
documented as thread-safe, so renders in one process take turns behind a lock. Each render
has a time limit (config LETTER_RENDER_TIMEOUT, 30 s by default): a SIGALRM timer in the
main thread (an RQ work horse), which keeps any outer alarm such as RQ's job timeout, and
a watched thread elsewhere (a threaded web server), whose overrun is abandoned.
"""

from __future__ import annotations

import mimetypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

import qrcode
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup, escape

from crm.config import ROOT
from crm.i18n import rupiah
from crm.letters.samples import sample_context

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

LETTERS_DIR = (ROOT / "letters").resolve()
STATIC_DIR = (ROOT / "static").resolve()
ALLOWED_ROOTS = (LETTERS_DIR, STATIC_DIR)
DEFAULT_TIMEOUT = 30.0

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
DEFAULTS = {
    "number": None, "place": "", "perihal": "", "lampiran": "-", "body": "", "arrears": None,
    "pds": (), "deadline": None, "deadline_days": None, "meeting": None, "agreement": None,
    "sponsorship": None, "employer": None, "copy": False,
}  # fmt: skip
LETTERHEAD_DEFAULTS = {
    "office_name": "", "office_address": "", "signatory_name": "", "signatory_title": "",
    "tembusan": (),
}  # fmt: skip


class RenderError(RuntimeError):
    """The letter could not be rendered (bad template data, refused resource, engine error)."""


class RenderTimeout(RenderError):
    """The render took longer than its time limit."""


class URLRefused(ValueError):
    """The letter asked for a resource outside letters/ and static/."""


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


# ------------------------------------------------------------- the restricted URL fetcher


@cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LetterURLFetcher(URLFetcher):
        """Serves files under letters/ and static/ and data: URIs; refuses everything else.

        fail_on_errors turns a refusal into a fatal error, so a letter that asks for anything
        else fails instead of printing without it."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)

        def fetch(self, url: str, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                raise URLRefused(f"letters may not fetch {url[:80]!r}")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in ALLOWED_ROOTS) or not path.is_file():
                raise URLRefused(f"letters may only use files under letters/ or static/: {url!r}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    return LetterURLFetcher


def __getattr__(name: str):
    # WeasyPrint loads on first render, not when a web process imports LETTER_TYPES.
    if name == "LetterURLFetcher":
        return _fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------ shared engine state


class _Engine:
    """What every render in this process shares, built once (lazily or by warm_up())."""

    def __init__(self) -> None:
        self.build_lock = threading.Lock()
        self.render_lock = threading.Lock()
        self.env: Environment | None = None
        self.fetcher = None
        self.fonts: FontConfiguration | None = None
        self.stylesheet: CSS | None = None
        self.images: dict = {}

    def ready(self) -> _Engine:
        if self.stylesheet is None:
            with self.build_lock:
                if self.stylesheet is None:
                    self._build()
        return self

    def _build(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        env = Environment(
            loader=FileSystemLoader(str(LETTERS_DIR)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            rupiah=rupiah, tanggal=tanggal, hari_tanggal=hari_tanggal, bulan=bulan,
            tanggal_angka=tanggal_angka, jam=jam, terbilang=terbilang,
            paragraphs=paragraphs, lines=lines,
        )  # fmt: skip
        self.env = env
        self.fetcher = _fetcher_class()()
        self.fonts = FontConfiguration()
        self.stylesheet = CSS(
            filename=str(LETTERS_DIR / "print.css"),
            url_fetcher=self.fetcher,
            font_config=self.fonts,
        )


_ENGINE = _Engine()


def warm_up() -> None:
    """Parse the stylesheet, load fonts and images once (the worker calls it before forking)."""
    render_letter(sample_context("teguran_1"), timeout=120)


def subset_backend() -> str:
    """Which font subsetter WeasyPrint uses: `harfbuzz` (libharfbuzz-subset0) or the
    ~1.85x slower `fonttools` fallback."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


# ------------------------------------------------------------------------------ rendering


def render_html(context: dict) -> str:
    """The letter's HTML (checked context, autoescaped template)."""
    ctx = prepare_context(context)
    try:
        return _ENGINE.ready().env.get_template(f"{ctx['type']}.html").render(**ctx)
    except TemplateError as exc:  # e.g. a key missing from a nested dict
        raise RenderError(f"letter template failed: {exc}") from exc


def render_letter(context: dict, timeout: float | None = None) -> bytes:
    """The letter as PDF bytes; RenderTimeout past the time limit, RenderError on failure."""
    return write_pdf(render_html(context), timeout)


def write_pdf(html: str, timeout: float | None = None) -> bytes:
    """Letter HTML to PDF with the shared stylesheet, fonts, image cache and URL fetcher."""
    limit = float(timeout if timeout is not None else _configured_timeout())
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(limit):
            return _locked_pdf(html, limit)
    return _pdf_in_thread(html, limit)


def _configured_timeout() -> float:
    from flask import current_app, has_app_context

    if has_app_context():
        return float(current_app.config.get("LETTER_RENDER_TIMEOUT", DEFAULT_TIMEOUT))
    return DEFAULT_TIMEOUT


def _locked_pdf(html: str, limit: float) -> bytes:
    from weasyprint import HTML

    engine = _ENGINE.ready()
    if not engine.render_lock.acquire(timeout=limit):
        raise RenderTimeout(f"another letter render held the engine for over {limit:g} s")
    try:
        document = HTML(string=html, base_url=str(LETTERS_DIR) + "/", url_fetcher=engine.fetcher)
        return document.write_pdf(
            stylesheets=[engine.stylesheet], font_config=engine.fonts, cache=engine.images
        )
    except RenderError:
        raise
    except BaseException as exc:  # FatalURLFetchingError is a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise RenderError(f"letter render failed: {exc}") from exc
    finally:
        engine.render_lock.release()


@contextmanager
def _alarm(limit: float) -> Iterator[None]:
    """SIGALRM after `limit` seconds, repeated every 50 ms until it lands outside any code
    that swallows exceptions. An outer timer (RQ's job timeout) keeps its deadline: its
    handler runs when it falls due, and its exception reaches the caller unwrapped."""
    started = monotonic()
    outer_handler = signal.getsignal(signal.SIGALRM)
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    state: dict = {"outer_due": bool(outer_left), "fired": False}

    def on_alarm(signum, frame):
        elapsed = monotonic() - started
        if state["outer_due"] and elapsed >= outer_left - 0.001:
            state["outer_due"] = False
            if elapsed < limit:  # our own deadline is still ahead
                signal.setitimer(signal.ITIMER_REAL, limit - elapsed, 0.05)
            if callable(outer_handler):
                try:
                    outer_handler(signum, frame)
                except BaseException as exc:
                    state["outer_exc"] = exc
                    raise
            if elapsed < limit:
                return
        state["fired"] = True
        raise RenderTimeout(f"letter render took longer than {limit:g} s")

    first = min(limit, outer_left) if outer_left else limit
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(first, 0.001), 0.05)
    try:
        yield
        if state["fired"]:  # swallowed somewhere inside the engine: still over time
            raise RenderTimeout(f"letter render took longer than {limit:g} s")
    except BaseException:
        if "outer_exc" in state:
            raise state["outer_exc"] from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if state["outer_due"]:
            left = outer_left - (monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _pdf_in_thread(html: str, limit: float) -> bytes:
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["pdf"] = _locked_pdf(html, limit)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="letter-render", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise RenderTimeout(f"letter render took longer than {limit:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["pdf"]
