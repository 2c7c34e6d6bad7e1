"""cases: the Denda rate and window as an effective-dated rule

Revision ID: d5e3f7a9b012
Revises: c4d2e6f8a901
Create Date: 2026-12-08 00:45:00.000000

The Denda stage's rate was a code constant and its 30-day window started when the case
entered Denda. PP 86/2013: a fine of 0.1 % a month of the unpaid contributions (fines
excluded), for at most 30 days after Teguran II's period ends. Seeded with those values.
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5e3f7a9b012'
down_revision = 'c4d2e6f8a901'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'denda_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('rate_bp_per_month', sa.Integer(), nullable=False),
        sa.Column('window_days', sa.Integer(), nullable=False),
        sa.Column('legal_basis', sa.String(length=200), nullable=False),
        sa.CheckConstraint('rate_bp_per_month BETWEEN 1 AND 1000', name=op.f('ck_denda_rule_rate_range')),
        sa.CheckConstraint('window_days BETWEEN 1 AND 90', name=op.f('ck_denda_rule_window_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_denda_rule')),
        sa.UniqueConstraint('effective_from', name=op.f('uq_denda_rule_effective_from')),
    )
    op.bulk_insert(table, [{
        'effective_from': date(2013, 1, 1),
        'rate_bp_per_month': 10,
        'window_days': 30,
        'legal_basis': 'PP 86/2013 Pasal 5-8',
    }])


def downgrade():
    op.drop_table('denda_rule')
