"""URL converters shared by every blueprint."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: an id past 64 bits is a 404, not an overflow in the driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
