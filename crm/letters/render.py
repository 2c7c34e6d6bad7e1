"""Render a formal letter to PDF: Jinja templates in letters/, one print stylesheet, WeasyPrint.

The context a letter takes is checked and completed by crm.letters.template_context.

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
from functools import cache
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from crm.i18n import rupiah
from crm.letters.samples import sample_context
from crm.letters.template_context import (
    ALLOWED_ROOTS,
    LETTERS_DIR,
    bulan,
    hari_tanggal,
    jam,
    lines,
    paragraphs,
    prepare_context,
    tanggal,
    tanggal_angka,
    terbilang,
)

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
DEFAULT_TIMEOUT = 30.0


class RenderError(RuntimeError):
    """The letter could not be rendered (bad template data, refused resource, engine error)."""


class RenderTimeout(RenderError):
    """The render took longer than its time limit."""


class URLRefused(ValueError):
    """The letter asked for a resource outside letters/ and static/."""


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
