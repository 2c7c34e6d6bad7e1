"""cases: a stage letter sent outside the system, with its number and a scan

Revision ID: f7a5b9c1d234
Revises: e6f4a8b0c123
Create Date: 2026-12-08 01:20:00.000000

A supervisor may record that a stage's letter went out on paper made outside Relasi: its
number, its date and a scan (a private file in the store). The draft the case made is
cancelled; the stage clock runs from the recorded date as for any letter.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f7a5b9c1d234'
down_revision = 'e6f4a8b0c123'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_letter_request') as batch_op:
        batch_op.add_column(sa.Column('external_number', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('scan_key', sa.String(length=64), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('case_letter_request') as batch_op:
        batch_op.drop_column('scan_key')
        batch_op.drop_column('external_number')
