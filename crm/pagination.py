"""Keyset (seek) pagination: pages stay as fast at page 1000 as at page 1.

Cursors are signed with the app's secret key: a link can only carry values a page of ours
wrote, so a tampered one (huge numbers, nulls, the wrong types) never reaches a query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import current_app, flash, g, has_request_context
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from crm.extensions import db


@dataclass
class Page:
    items: list
    next_cursor: str | None
    has_prev: bool


class _Json:
    """json as the unsigned cursors wrote it: dates and decimals as their text."""

    dumps = staticmethod(partial(json.dumps, separators=(",", ":"), default=str))
    loads = staticmethod(json.loads)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="pagination.cursor", serializer=_Json)


def encode_cursor(values: list[Any]) -> str:
    """The signed link value for the page after the row with these key values."""
    return _signer().dumps(values)


def decode_cursor(cursor: str | None, width: int) -> list[Any] | None:
    """The cursor's values, or None when absent or not one of ours (page 1, with a notice)."""
    if not cursor:
        return None
    try:
        values = _signer().loads(cursor[:2000])
    except (BadData, ValueError, UnicodeError):
        values = None
    if not isinstance(values, list) or len(values) != width:
        _bad_cursor_notice()
        return None
    return values


def _bad_cursor_notice() -> None:
    """Once per request: the link was changed or is from an older version of the page."""
    if has_request_context() and not g.get("bad_cursor_noticed"):
        g.bad_cursor_noticed = True
        flash(_("Tautan halaman tidak valid; menampilkan halaman pertama."), "info")


def _after(columns: list[ColumnElement], values: list[Any], descending: bool) -> ColumnElement:
    """(c1, c2, ...) > (v1, v2, ...) spelled out so every database uses the index.

    The redundant leading `c1 >= v1` lets SQLite seek into the index even when the query
    also joins other tables (eager loads); without it, it scans from the first row.
    """
    clauses = []
    for i, col in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        step = col < values[i] if descending else col > values[i]
        clauses.append(and_(*equal, step))
    if len(columns) == 1:
        return clauses[0]
    bound = columns[0] <= values[0] if descending else columns[0] >= values[0]
    return and_(bound, or_(*clauses))


def _cursor_values(cursor: str | None, width: int, parse) -> list[Any] | None:
    values = decode_cursor(cursor, width)
    if values is not None and parse is not None:
        values = parse(values)
    return values


def keyset_page(
    stmt: Select,
    columns: list[ColumnElement],
    cursor: str | None,
    per_page: int,
    *,
    descending: bool = False,
    key=None,
    parse=None,
) -> Page:
    """One page of stmt ordered by `columns` (the last must be unique), after `cursor`.

    key(row) returns the cursor values of a row; by default the columns' attribute names.
    parse(values) turns decoded cursor values back into column values (e.g. datetimes),
    or returns None for a tampered cursor (page 1).
    """
    values = _cursor_values(cursor, len(columns), parse)
    if values is not None:
        stmt = stmt.where(_after(columns, values, descending))
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = list(db.session.scalars(stmt.order_by(*order).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more and rows:
        key = key or (lambda r: [getattr(r, c.key) for c in columns])
        next_cursor = encode_cursor(key(rows[-1]))
    return Page(items=rows, next_cursor=next_cursor, has_prev=values is not None)


def keyset_merge_page(
    stmts: list[Select],
    columns: list[ColumnElement],
    cursor: str | None,
    per_page: int,
    *,
    load,
    descending: bool = False,
    parse=None,
) -> Page:
    """keyset_page over the union of several statements, each run in its own index order.

    An OR whose branches need different indexes (a word in the agenda, or in minutes the
    viewer may read) becomes one short ordered scan per branch, merged here. Each
    statement selects `columns` (the last is the unique id); load(ids) returns the page's
    objects, and the cursor is made of the same column values.
    """
    values = _cursor_values(cursor, len(columns), parse)
    order = [c.desc() if descending else c.asc() for c in columns]
    keys: set[tuple] = set()
    for stmt in stmts:
        stmt = stmt.with_only_columns(*columns)
        if values is not None:
            stmt = stmt.where(_after(columns, values, descending))
        keys.update(tuple(r) for r in db.session.execute(stmt.order_by(*order).limit(per_page + 1)))
    ordered = sorted(keys, reverse=descending)
    more = len(ordered) > per_page
    ordered = ordered[:per_page]
    by_id = {obj.id: obj for obj in load([k[-1] for k in ordered])} if ordered else {}
    items = [by_id[k[-1]] for k in ordered if k[-1] in by_id]
    next_cursor = encode_cursor([_plain(v) for v in ordered[-1]]) if more and ordered else None
    return Page(items=items, next_cursor=next_cursor, has_prev=values is not None)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
