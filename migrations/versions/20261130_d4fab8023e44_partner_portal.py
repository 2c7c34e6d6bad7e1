"""partner portal: invitations and the download log

Revision ID: d4fab8023e44
Revises: c3e9a7f12d33
Create Date: 2026-11-30 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4fab8023e44'
down_revision = 'c3e9a7f12d33'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
