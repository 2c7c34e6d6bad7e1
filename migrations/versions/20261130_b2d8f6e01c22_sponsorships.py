"""sponsorships: SERTAKAN/GN Lingkaran, beneficiaries, payments, package prices

Revision ID: b2d8f6e01c22
Revises: a1c7e5d90b11
Create Date: 2026-11-30 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b2d8f6e01c22'
down_revision = 'a1c7e5d90b11'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
