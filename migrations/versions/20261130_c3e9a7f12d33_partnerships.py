"""partnerships: agreements, covered branches, documents, implementation reports

Revision ID: c3e9a7f12d33
Revises: b2d8f6e01c22
Create Date: 2026-11-30 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e9a7f12d33'
down_revision = 'b2d8f6e01c22'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
