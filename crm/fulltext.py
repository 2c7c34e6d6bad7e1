"""Word search on both engines: SQLite FTS5 tables, PostgreSQL stored tsvector columns.

A text index is declared once here (TEXT_INDEXES); its migration creates the engine's
structures and keeps them in step with every write (FTS5 triggers on SQLite, generated
columns on PostgreSQL), so no service has to remember it.

Matching is by words, as typed: every word of the query must be a word of the group's
columns, and the last may be the start of one ("iuran tungga" finds "tunggakan iuran"),
case-insensitive; punctuation and LIKE wildcards are not operators. Only the last word is a
prefix because a prefix costs a scan of every word it starts (50 ms for a common one), and
the last word is the one still being typed. A group is a set of columns searched together
(e.g. a meeting's public agenda, and its minutes that confidentiality may hide).

How a search runs: first the text index alone lists the matching ids, up to a cap. When
they fit, the caller's query takes them as `id IN (...)` and sorts a few rows (a rare
word: index lookups only). When there are more, the caller's ordered scan (newest first)
tests each row and stops at the first page. On SQLite the test is membership of the FTS
match set, built once, while it is small enough (its cost grows with the number of
matches); for a word in more rows than that, the row's own text is tested with the same
idea of a word as FTS5 (crm.textmatch), and the scan reads only a few hundred rows. On
PostgreSQL the test is the stored tsvector.
Measured on 2 million meetings in bench/RESULTS.md.

Changing a group's columns needs a migration that drops and creates the structures again
(drop_statements, create_statements); so does an Alembic batch migration of an indexed
SQLite table, which re-creates the table without its triggers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    any_,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)

from crm import textmatch
from crm.extensions import db

MAX_WORDS = 8
MAX_WORD_LENGTH = 64
SPARSE_CAP = 2000  # SQLite: up to this many matches, look the ids up
SQLITE_SET_CAP = 50_000  # SQLite: up to this many, a set of them; more: test each row's text
PG_SPARSE_CAP = 2000  # PostgreSQL: the same, probed through the GIN index
# PostgreSQL: a word the planner's statistics put in at least this share of rows is common
# enough for the ordered scan at once; its estimate for an unknown word is 0.5 %.
PG_DENSE_SHARE = 0.02
PG_CONFIG = "simple"  # no stemming: Indonesian and English words alike, as typed


@dataclass(frozen=True)
class TextGroup:
    """Columns searched together, and where each engine keeps their words."""

    columns: tuple[str, ...]
    pg_column: str  # stored tsvector column (PostgreSQL)


@dataclass(frozen=True)
class TextIndex:
    table: str
    fts_table: str  # FTS5 external-content table over every group's columns (SQLite)
    groups: dict[str, TextGroup]

    @property
    def fts_columns(self) -> tuple[str, ...]:
        return tuple(c for g in self.groups.values() for c in g.columns)

    @property
    def pg_columns(self) -> tuple[str, ...]:
        return tuple(g.pg_column for g in self.groups.values())


INTERACTION_TEXT = TextIndex(
    table="interaction",
    fts_table="interaction_fts",
    groups={
        "public": TextGroup(("agenda",), "search_public"),
        "private": TextGroup(("minutes", "outcome"), "search_private"),
    },
)
TEXT_INDEXES = (INTERACTION_TEXT,)


def words(query: str) -> list[str]:
    """The query's words, lower-cased and without diacritics, as the index stores them."""
    return [w[:MAX_WORD_LENGTH] for w in textmatch.tokens(query)[:MAX_WORDS]]


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _fts_query(group: TextGroup, terms: list[str], prefix: bool = True) -> str:
    columns = " ".join(group.columns)
    star = ["*" if prefix and i == len(terms) - 1 else "" for i in range(len(terms))]
    return " AND ".join(f'{{{columns}}} : "{t}"{s}' for t, s in zip(terms, star, strict=True))


def _pg_query(terms: list[str], prefix: bool = True):
    star = [":*" if prefix and i == len(terms) - 1 else "" for i in range(len(terms))]
    return func.to_tsquery(
        PG_CONFIG, " & ".join(f"{t}{s}" for t, s in zip(terms, star, strict=True))
    )


def _fts_table(index: TextIndex):
    return table(index.fts_table, column("rowid"))


def _fts_match(index: TextIndex, group: TextGroup, terms: list[str], prefix=True) -> ColumnElement:
    return literal_column(index.fts_table).op("MATCH")(_fts_query(group, terms, prefix))


def _fts_ids(index: TextIndex, group: TextGroup, terms: list[str], prefix: bool = True):
    fts = _fts_table(index)
    return select(fts.c.rowid).where(_fts_match(index, group, terms, prefix))


def _pg_match(index: TextIndex, group: TextGroup, terms: list[str]) -> ColumnElement:
    column = literal_column(f"{index.table}.{group.pg_column}")
    return column.op("@@")(_pg_query(terms))


def match_condition(index: TextIndex, group_name: str, id_column, query: str) -> ColumnElement:
    """A WHERE condition: the row's group matches every word of `query` (false for none).

    The text index first counts the matches (capped); the condition then takes the form
    that is cheapest for that count, as the module docstring explains.
    """
    terms = words(query)
    if not terms:
        return false()
    group = index.groups[group_name]
    if _is_sqlite():
        return _sqlite_condition(index, group, terms, id_column)
    return _pg_condition(index, group, terms, id_column)


def _sqlite_condition(index: TextIndex, group: TextGroup, terms, id_column) -> ColumnElement:
    # FTS5 reads a prefix term's whole doclist before the first row (50 ms for a word in
    # every row); an exact term streams. Every exact match is a prefix match, so many
    # exact matches already say "common" at the price of a few thousand index entries.
    if _fts_count(index, group, terms, SQLITE_SET_CAP + 1, prefix=False) > SQLITE_SET_CAP:
        return _own_text_matches(index, group, terms)
    matching = _fts_ids(index, group, terms)
    ids = db.session.scalars(matching.limit(SPARSE_CAP + 1)).all()
    if len(ids) <= SPARSE_CAP:
        return id_column.in_(ids) if ids else false()
    if _fts_count(index, group, terms, SQLITE_SET_CAP + 1) > SQLITE_SET_CAP:
        return _own_text_matches(index, group, terms)
    # Build the match set once; "+ 0" keeps the caller's ordered scan testing each row.
    return (id_column + 0).in_(matching)


def _fts_count(index: TextIndex, group: TextGroup, terms, cap: int, *, prefix=True) -> int:
    matching = _fts_ids(index, group, terms, prefix=prefix).limit(cap)
    return db.session.scalar(select(func.count()).select_from(matching.subquery()))


def _own_text_matches(index: TextIndex, group: TextGroup, terms) -> ColumnElement:
    """So common that the ordered scan meets a match every few rows: test each row's own
    text (crm.textmatch, registered on every SQLite connection) rather than build a set of
    every match. (A per-row FTS5 probe was tried: each reads the word's whole doclist.)"""
    own_text = literal_column(
        " || ' ' || ".join(f"coalesce({index.table}.{c}, '')" for c in group.columns)
    )
    return func.relasi_words_match(own_text, " ".join(terms)) == 1


def _pg_condition(index: TextIndex, group: TextGroup, terms, id_column) -> ColumnElement:
    key = literal_column(f"{index.table}.id")
    matching = select(key).select_from(text(index.table)).where(_pg_match(index, group, terms))
    # Exact words: the statistics know them (a prefix gets a flat 2 %), and every exact
    # match is also a prefix match, so a common exact word means a common prefix.
    column = literal_column(f"{index.table}.{group.pg_column}")
    exact = select(key).select_from(text(index.table))
    exact = exact.where(column.op("@@")(_pg_query(terms, prefix=False)))
    # One word only: for several, the planner multiplies their shares as if independent,
    # and two common words that never meet would send the scan through every row.
    if len(terms) == 1 and _pg_estimated_share(index, exact) >= PG_DENSE_SHARE:
        return _pg_match(index, group, terms)  # a common word: no probe needed
    ids = _through_gin(matching.limit(PG_SPARSE_CAP + 1))
    if len(ids) <= PG_SPARSE_CAP:
        return id_column == any_(literal(ids, ARRAY(Integer))) if ids else false()
    # The stored tsvector is tested row by row in the caller's order, stopping at a page.
    return _pg_match(index, group, terms)


def _pg_estimated_share(index: TextIndex, stmt) -> float:
    """The planner's estimate of the share of rows that match, from its word statistics
    (ANALYZE keeps the most common words of a tsvector column with their frequencies)."""
    conn = db.session.connection()
    compiled = stmt.compile(conn)
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    rows = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE relname = %(t)s", {"t": index.table}
    ).scalar()
    return plan[0]["Plan"]["Plan Rows"] / rows if rows and rows > 0 else 0.0


def _through_gin(stmt) -> list[int]:
    """Run the probe as a bitmap scan of the GIN index. With a LIMIT and an unknown word the
    planner otherwise bets on a sequential scan finding matches early, and reads all 2
    million rows when there are none (350 ms)."""
    plain = ("enable_seqscan", "enable_indexscan")
    for setting in plain:
        db.session.execute(select(func.set_config(setting, "off", True)))
    try:
        return list(db.session.scalars(stmt))
    finally:
        for setting in plain:
            db.session.execute(select(func.set_config(setting, "on", True)))


def rebuild(index: TextIndex) -> None:
    """Rebuild the engine's structures from the table (`flask search rebuild`)."""
    if _is_sqlite():
        fts = index.fts_table
        db.session.execute(text(f"INSERT INTO {fts}({fts}) VALUES('rebuild')"))
    else:
        for column in index.pg_columns:
            db.session.execute(text(f"REINDEX INDEX ix_{index.table}_{column}"))


# -- the migrations' side -------------------------------------------------------------------


def _pg_expression(group: TextGroup) -> str:
    parts = " || ' ' || ".join(f"coalesce({c}, '')" for c in group.columns)
    return f"to_tsvector('{PG_CONFIG}', {parts})"


def create_statements(index: TextIndex, dialect: str) -> list[str]:
    """DDL that builds the index's structures from the rows already there."""
    t, fts = index.table, index.fts_table
    if dialect != "sqlite":
        out = []
        for g in index.groups.values():
            out.append(
                f"ALTER TABLE {t} ADD COLUMN {g.pg_column} tsvector "
                f"GENERATED ALWAYS AS ({_pg_expression(g)}) STORED"
            )
            out.append(f"CREATE INDEX ix_{t}_{g.pg_column} ON {t} USING gin ({g.pg_column})")
        return out
    cols = ", ".join(index.fts_columns)
    new = ", ".join(f"new.{c}" for c in index.fts_columns)
    old = ", ".join(f"old.{c}" for c in index.fts_columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES('delete', old.id, {old});"
    # Names from TEXT_INDEXES only, never from input.
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{t}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {t} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {t} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {t} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES('rebuild')",
    ]


def drop_statements(index: TextIndex, dialect: str) -> list[str]:
    t, fts = index.table, index.fts_table
    if dialect != "sqlite":
        return [f"ALTER TABLE {t} DROP COLUMN {c}" for c in index.pg_columns]
    return [f"DROP TRIGGER {fts}_{s}" for s in ("ai", "ad", "au")] + [f"DROP TABLE {fts}"]


def compared_by_alembic(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic include_object: hide the text indexes' structures from model comparison."""
    if not reflected:
        return True
    for index in TEXT_INDEXES:
        if type_ == "table" and name and name.startswith(index.fts_table):
            return False
        if type_ == "column" and name in index.pg_columns and obj.table.name == index.table:
            return False
        if type_ == "index" and name in {f"ix_{index.table}_{c}" for c in index.pg_columns}:
            return False
    return True
