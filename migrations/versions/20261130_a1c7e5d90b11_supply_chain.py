"""supply chain: vendor links, vendor imports, coverage snapshots

Revision ID: a1c7e5d90b11
Revises: 4cb6ed4f7cb6
Create Date: 2026-11-30 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c7e5d90b11'
down_revision = '4cb6ed4f7cb6'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
