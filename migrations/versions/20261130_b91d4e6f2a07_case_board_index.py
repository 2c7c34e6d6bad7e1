"""escalation_case: a covering index for the supervisor board, and (status, id) for its lists

Revision ID: b91d4e6f2a07
Revises: e5b2c7d4a913
Create Date: 2026-11-30 21:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b91d4e6f2a07'
down_revision = 'e5b2c7d4a913'
branch_labels = None
depends_on = None

COLUMNS = [
    'status',
    'stage',
    'stage_due_on',
    'id',
    'arrears_total',
    'stage_started_on',
    'owner_id',
    'branch_office_id',
    'reason',
]


def upgrade():
    with op.batch_alter_table('escalation_case', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_case_board', COLUMNS, unique=False)
        batch_op.create_index('ix_escalation_case_status_id', ['status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('escalation_case', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_case_status_id')
        batch_op.drop_index('ix_escalation_case_board')
