"""auth: drop the per-email lockout table; failed sign-ins are rate limited in Redis

Revision ID: b8e3f5a2c610
Revises: a6c1e93f0d57
Create Date: 2026-12-05 09:00:00.000000

Five wrong passwords used to lock an email for 15 minutes, so anyone could lock anyone
out. Sign-ins are now throttled per account and address, per account and per address by
Flask-Limiter, whose counters live in Redis. Sessions were already versioned per user
(user.session_version); signing out now bumps it too, which needs no schema change.
"""
import sqlalchemy as sa
from alembic import op

import crm.db

# revision identifiers, used by Alembic.
revision = 'b8e3f5a2c610'
down_revision = 'a6c1e93f0d57'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('login_throttle')


def downgrade():
    op.create_table(
        'login_throttle',
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('locked_until', crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('email', name=op.f('pk_login_throttle')),
    )
