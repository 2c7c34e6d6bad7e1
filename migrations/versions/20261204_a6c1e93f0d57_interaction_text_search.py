"""meetings: word search over agenda, minutes and outcome (FTS5 / tsvector), and an ordered
index of the meetings that have minutes

Revision ID: a6c1e93f0d57
Revises: d4fab8023e44
Create Date: 2026-12-04 22:00:00.000000

The structures are declared in crm.fulltext (INTERACTION_TEXT): on SQLite an FTS5
external-content table kept in step by triggers, on PostgreSQL two stored tsvector columns
with GIN indexes. Both are built from the rows already there.
"""
import sqlalchemy as sa
from alembic import op

from crm.fulltext import INTERACTION_TEXT, create_statements, drop_statements

# revision identifiers, used by Alembic.
revision = 'a6c1e93f0d57'
down_revision = 'd4fab8023e44'
branch_labels = None
depends_on = None

HAS_PRIVATE_TEXT = sa.text("minutes <> '' OR outcome <> ''")


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in create_statements(INTERACTION_TEXT, dialect):
        op.execute(statement)
    op.create_index(
        'ix_interaction_starts_private', 'interaction', ['starts_at', 'id'], unique=False,
        sqlite_where=HAS_PRIVATE_TEXT, postgresql_where=HAS_PRIVATE_TEXT,
    )


def downgrade():
    op.drop_index('ix_interaction_starts_private', table_name='interaction')
    for statement in drop_statements(INTERACTION_TEXT, op.get_bind().dialect.name):
        op.execute(statement)
