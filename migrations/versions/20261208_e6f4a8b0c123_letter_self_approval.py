"""letters: four eyes, relaxable per letter type by an admin

Revision ID: e6f4a8b0c123
Revises: d5e3f7a9b012
Create Date: 2026-12-08 01:00:00.000000

The approver of a letter is never its author; letter_type_setting.self_approval lets an
admin relax that for one type (audited). Off for every type.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e6f4a8b0c123'
down_revision = 'd5e3f7a9b012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter_type_setting') as batch_op:
        batch_op.add_column(
            sa.Column('self_approval', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('letter_type_setting') as batch_op:
        batch_op.drop_column('self_approval')
