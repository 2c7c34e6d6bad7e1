"""account: the name index carries search_name (name-fragment search without row lookups)

Revision ID: 7d3e9a1c4b52
Revises: 02651c682eea
Create Date: 2026-11-22 08:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d3e9a1c4b52'
down_revision = '02651c682eea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_name_search', ['name', 'id', 'search_name'], unique=False)
        batch_op.drop_index('ix_account_name_id')


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_name_id', ['name', 'id'], unique=False)
        batch_op.drop_index('ix_account_name_search')
