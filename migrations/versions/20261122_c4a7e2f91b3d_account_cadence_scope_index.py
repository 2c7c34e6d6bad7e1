"""account: a covering index for the cadence figures (segment, status, RM, branch, created)

Revision ID: c4a7e2f91b3d
Revises: 41882b592177
Create Date: 2026-11-22 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a7e2f91b3d'
down_revision = '41882b592177'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(
            'ix_account_cadence_scope',
            ['segment', 'status', 'rm_id', 'branch_office_id', 'created_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index('ix_account_cadence_scope')
