"""URL converters shared by every blueprint."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: every primary key is an INTEGER column (32 bits on
    PostgreSQL), so a larger number is a 404 here, not an out-of-range error in the driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def refuse_nul_bytes():
    """400 for a NUL character in the query string or a form field: PostgreSQL refuses it in
    text, so it would otherwise surface as a 500 deep in a query."""
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, description=_("Permintaan berisi karakter yang tidak valid (NUL)."))
