"""supply chain: vendor links, vendor imports, coverage snapshots

Also the invitation-to-register letter type (ajakan_kepesertaan): the letter type checks
of `letter` and `letter_type_setting` accept it, and its number code is seeded.

Revision ID: a1c7e5d90b11
Revises: 4cb6ed4f7cb6
Create Date: 2026-11-30 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

import crm.db

# revision identifiers, used by Alembic.
revision = 'a1c7e5d90b11'
down_revision = '4cb6ed4f7cb6'
branch_labels = None
depends_on = None

OLD_TYPES = (
    'pemberitahuan', 'teguran_1', 'teguran_2', 'undangan', 'pengantar_mou',
    'rekomendasi_tmp2t', 'piagam_sertakan',
)
NEW_TYPES = (*OLD_TYPES, 'ajakan_kepesertaan')


def _types_check(types):
    return "letter_type IN (" + ",".join(f"'{t}'" for t in types) + ")"


def _letter_type_checks(types):
    for table in ('letter', 'letter_type_setting'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_type_known'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_type_known'), _types_check(types))


def upgrade():
    op.create_table('supply_chain_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('vendor_account_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('search_name', sa.String(length=200), nullable=False),
    sa.Column('npwp', sa.String(length=16), nullable=True),
    sa.Column('contact_name', sa.String(length=150), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('estimated_workers', sa.Integer(), nullable=True),
    sa.Column('contract', sa.String(length=200), nullable=False),
    sa.Column('campaign_status', sa.String(length=20), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("campaign_status IN ('not_contacted','invited','in_progress','registered','refused')", name=op.f('ck_supply_chain_link_status_known')),
    sa.CheckConstraint('estimated_workers IS NULL OR estimated_workers >= 0', name=op.f('ck_supply_chain_link_workers_not_negative')),
    sa.CheckConstraint('vendor_account_id IS NULL OR vendor_account_id <> parent_id', name=op.f('ck_supply_chain_link_not_self')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_supply_chain_link_letter_id_letter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['account.id'], name=op.f('fk_supply_chain_link_parent_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vendor_account_id'], ['account.id'], name=op.f('fk_supply_chain_link_vendor_account_id_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_chain_link'))
    )
    with op.batch_alter_table('supply_chain_link', schema=None) as batch_op:
        batch_op.create_index('ix_supply_chain_link_letter', ['letter_id'], unique=False)
        batch_op.create_index('ix_supply_chain_link_parent_name', ['parent_id', 'search_name', 'id'], unique=False)
        batch_op.create_index('ix_supply_chain_link_parent_status', ['parent_id', 'campaign_status', 'search_name', 'id'], unique=False)
        batch_op.create_index('ix_supply_chain_link_vendor', ['vendor_account_id'], unique=False)
        batch_op.create_index('uq_supply_chain_link_parent_npwp', ['parent_id', 'npwp'], unique=True)
        batch_op.create_index('uq_supply_chain_link_parent_vendor', ['parent_id', 'vendor_account_id'], unique=True)

    op.create_table('supply_chain_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('created','imported','updated','status_changed','letter_drafted','invited','registered')", name=op.f('ck_supply_chain_event_kind_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_supply_chain_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['supply_chain_link.id'], name=op.f('fk_supply_chain_event_link_id_supply_chain_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_chain_event'))
    )
    with op.batch_alter_table('supply_chain_event', schema=None) as batch_op:
        batch_op.create_index('ix_supply_chain_event_link', ['link_id', 'id'], unique=False)

    op.create_table('supply_chain_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('vendors_total', sa.Integer(), nullable=False),
    sa.Column('vendors_registered', sa.Integer(), nullable=False),
    sa.Column('workers_estimated', sa.BigInteger(), nullable=False),
    sa.Column('workers_registered', sa.BigInteger(), nullable=False),
    sa.Column('taken_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['account.id'], name=op.f('fk_supply_chain_snapshot_parent_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_chain_snapshot'))
    )
    with op.batch_alter_table('supply_chain_snapshot', schema=None) as batch_op:
        batch_op.create_index('uq_supply_chain_snapshot_parent_month', ['parent_id', 'month'], unique=True)

    _letter_type_checks(NEW_TYPES)
    types = sa.table(
        'letter_type_setting',
        sa.column('letter_type', sa.String),
        sa.column('code', sa.String),
        sa.column('deadline_days', sa.Integer),
    )
    # The vendor is asked to register its workers within 30 days (DOMAIN.md), ~20 working days.
    op.bulk_insert(types, [{'letter_type': 'ajakan_kepesertaan', 'code': 'AJK', 'deadline_days': 20}])


def downgrade():
    op.execute("DELETE FROM letter_type_setting WHERE letter_type = 'ajakan_kepesertaan'")
    ajakan = "SELECT id FROM letter WHERE letter_type = 'ajakan_kepesertaan'"
    op.execute(f"DELETE FROM letter_event WHERE letter_id IN ({ajakan})")
    op.execute("UPDATE supply_chain_link SET letter_id = NULL")
    op.execute("DELETE FROM letter WHERE letter_type = 'ajakan_kepesertaan'")
    _letter_type_checks(OLD_TYPES)
    with op.batch_alter_table('supply_chain_snapshot', schema=None) as batch_op:
        batch_op.drop_index('uq_supply_chain_snapshot_parent_month')
    op.drop_table('supply_chain_snapshot')
    with op.batch_alter_table('supply_chain_event', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_chain_event_link')
    op.drop_table('supply_chain_event')
    with op.batch_alter_table('supply_chain_link', schema=None) as batch_op:
        batch_op.drop_index('uq_supply_chain_link_parent_vendor')
        batch_op.drop_index('uq_supply_chain_link_parent_npwp')
        batch_op.drop_index('ix_supply_chain_link_vendor')
        batch_op.drop_index('ix_supply_chain_link_parent_status')
        batch_op.drop_index('ix_supply_chain_link_parent_name')
        batch_op.drop_index('ix_supply_chain_link_letter')
    op.drop_table('supply_chain_link')
