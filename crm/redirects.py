"""The one rule for following a `next` parameter: a path on this site, nothing else."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import redirect


def safe_local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None.

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
    `/\\t/evil.example` and `/\\\\evil` lead off-site; percent-encoded forms of those are
    refused too, as a later decode or a proxy might undo them.
    """
    if not target or len(target) > 2000:
        return None
    for text in (target, unquote(target)):
        if any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in text):
            return None
        if not text.startswith("/") or text.startswith("//"):
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return None
    return target


def redirect_to_next(target: str | None, fallback: str):
    """Redirect to `target` when it is safe, else to `fallback` (a URL we built)."""
    return redirect(safe_local_path(target) or fallback)
