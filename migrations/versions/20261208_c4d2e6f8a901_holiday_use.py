"""compliance: which holiday kinds count as non-working for payment dates and for deadlines

Revision ID: c4d2e6f8a901
Revises: b8e3f5a2c610
Create Date: 2026-12-08 00:30:00.000000

Cuti bersama moved payment due dates (January 2026 fell due on 18 February instead of the
16th), although banks are open on cuti bersama. One row per (purpose, kind) says whether
that kind of holiday is skipped: payment due dates skip national holidays only; letter and
case deadlines skip national holidays and cuti bersama (government offices are closed).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import crm.db

# revision identifiers, used by Alembic.
revision = 'c4d2e6f8a901'
down_revision = 'b8e3f5a2c610'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'holiday_use',
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('skipped', sa.Boolean(), nullable=False),
        sa.Column('updated_at', crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('national','collective_leave')", name=op.f('ck_holiday_use_kind_known')),
        sa.CheckConstraint("purpose IN ('payment','letter')", name=op.f('ck_holiday_use_purpose_known')),
        sa.PrimaryKeyConstraint('purpose', 'kind', name=op.f('pk_holiday_use')),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [
        {'purpose': 'payment', 'kind': 'national', 'skipped': True, 'updated_at': now},
        {'purpose': 'payment', 'kind': 'collective_leave', 'skipped': False, 'updated_at': now},
        {'purpose': 'letter', 'kind': 'national', 'skipped': True, 'updated_at': now},
        {'purpose': 'letter', 'kind': 'collective_leave', 'skipped': True, 'updated_at': now},
    ])


def downgrade():
    op.drop_table('holiday_use')
