"""escalation_case: stored arrears figures for the supervisor board

Revision ID: e5b2c7d4a913
Revises: 21c8aa52a114
Create Date: 2026-11-30 19:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b2c7d4a913'
down_revision = '21c8aa52a114'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalation_case', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('arrears_unpaid', sa.BigInteger(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('arrears_fine', sa.BigInteger(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('arrears_total', sa.BigInteger(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('arrears_as_of', sa.Date(), nullable=True))
        batch_op.create_index(
            'ix_escalation_case_status_arrears', ['status', 'arrears_total', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('escalation_case', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_case_status_arrears')
        batch_op.drop_column('arrears_as_of')
        batch_op.drop_column('arrears_total')
        batch_op.drop_column('arrears_fine')
        batch_op.drop_column('arrears_unpaid')
