"""The schema comes only from migrations, and the models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from crm.extensions import db
from crm.fulltext import compared_by_alembic


def test_models_and_migrations_do_not_drift(app):
    """The migrated test database has exactly the schema the models describe."""
    ctx = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "include_object": compared_by_alembic}
    )
    diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_every_model_table_exists_after_upgrade(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_upgrade_from_empty_then_downgrade_to_base(app, tmp_path):
    """A fresh SQLite file goes up to head and back down cleanly."""
    from flask_migrate import downgrade, upgrade

    from crm.config import ROOT

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    engine = create_engine(url)
    original = db.engines[None]
    try:
        db.engines[None] = engine
        upgrade(directory=str(ROOT / "migrations"))
        assert "user" in inspect(engine).get_table_names()
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
    finally:
        db.engines[None] = original
        engine.dispose()
