"""cadence: a maintained tally of the current month, the account's scope on account_cadence

Revision ID: f7a3d9c1b2e8
Revises: b91d4e6f2a07
Create Date: 2026-11-30 22:00:00.000000

cadence_tally holds this month's figures per (segment, RM, branch) and is kept in step by
crm.meetings.summary; cadence_tally_state says which month it counts (NULL: recompute on
the next read, which is what an upgrade leaves). account_cadence gets a copy of the
account's scope (segment while active or prospect, RM, branch) for two range indexes.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f7a3d9c1b2e8'
down_revision = 'b91d4e6f2a07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cadence_tally',
    sa.Column('segment', sa.String(length=20), nullable=False),
    sa.Column('rm_key', sa.Integer(), nullable=False),
    sa.Column('branch_key', sa.Integer(), nullable=False),
    sa.Column('in_scope', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('segment', 'rm_key', 'branch_key', name=op.f('pk_cadence_tally'))
    )
    state = op.create_table('cadence_tally_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cadence_tally_state'))
    )
    op.bulk_insert(state, [{'id': 1, 'month': None}])
    with op.batch_alter_table('account_cadence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope_segment', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('rm_key', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('branch_key', sa.Integer(), server_default='0', nullable=False)
        )
    # One statement per column, correlated through the account's primary key.
    for column, value in (
        ('scope_segment',
         "CASE WHEN a.status IN ('active', 'prospect') THEN a.segment END"),
        ('rm_key', 'COALESCE(a.rm_id, 0)'),
        ('branch_key', 'COALESCE(a.branch_office_id, 0)'),
    ):
        op.execute(
            f"UPDATE account_cadence SET {column} = (SELECT {value} FROM account a "
            "WHERE a.id = account_cadence.account_id)"
        )
    with op.batch_alter_table('account_cadence', schema=None) as batch_op:
        batch_op.create_index(
            'ix_account_cadence_held',
            ['scope_segment', 'last_held_on', 'rm_key', 'branch_key', 'account_id'],
            unique=False,
        )
        batch_op.create_index(
            'ix_account_cadence_bod1',
            ['scope_segment', 'last_bod1_on', 'rm_key', 'branch_key', 'account_id'],
            unique=False,
        )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index('ix_account_created', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index('ix_account_created')
    with op.batch_alter_table('account_cadence', schema=None) as batch_op:
        batch_op.drop_index('ix_account_cadence_bod1')
        batch_op.drop_index('ix_account_cadence_held')
        batch_op.drop_column('branch_key')
        batch_op.drop_column('rm_key')
        batch_op.drop_column('scope_segment')
    op.drop_table('cadence_tally_state')
    op.drop_table('cadence_tally')
