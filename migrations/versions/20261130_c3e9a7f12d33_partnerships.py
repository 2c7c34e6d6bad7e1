"""partnerships: agreements, covered branches, documents, implementation reports

Revision ID: c3e9a7f12d33
Revises: b2d8f6e01c22
Create Date: 2026-11-30 22:10:00.000000

Agreements (MoU, PKS/TKS under an MoU) with the branch offices that implement them, their
versioned documents, implementation reports per branch and period, and expiry alerts.
"""
import sqlalchemy as sa
from alembic import op

import crm.db


# revision identifiers, used by Alembic.
revision = 'c3e9a7f12d33'
down_revision = 'b2d8f6e01c22'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('our_number', sa.String(length=120), nullable=False),
    sa.Column('partner_number', sa.String(length=120), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('rm_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('internal_notes', sa.Text(), nullable=False),
    sa.Column('terminated_reason', sa.String(length=500), nullable=False),
    sa.Column('renewed_from_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('mou','pks')", name=op.f('ck_agreement_kind_known')),
    sa.CheckConstraint("status IN ('draft','negotiation','signed','active','expiring','expired','terminated','renewed')", name=op.f('ck_agreement_status_known')),
    sa.CheckConstraint('valid_to > valid_from', name=op.f('ck_agreement_valid_range')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_agreement_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_agreement_created_by_id_user')),
    sa.ForeignKeyConstraint(['parent_id'], ['agreement.id'], name=op.f('fk_agreement_parent_id_agreement')),
    sa.ForeignKeyConstraint(['renewed_from_id'], ['agreement.id'], name=op.f('fk_agreement_renewed_from_id_agreement')),
    sa.ForeignKeyConstraint(['rm_id'], ['user.id'], name=op.f('fk_agreement_rm_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_account_valid_to', ['account_id', 'valid_to', 'id'], unique=False)
        batch_op.create_index('ix_agreement_parent', ['parent_id'], unique=False)
        batch_op.create_index('ix_agreement_renewed_from', ['renewed_from_id'], unique=False)
        batch_op.create_index('ix_agreement_rm_valid_to', ['rm_id', 'valid_to', 'id'], unique=False)
        batch_op.create_index('ix_agreement_status_valid_to', ['status', 'valid_to', 'id'], unique=False)
        batch_op.create_index('ix_agreement_valid_to', ['valid_to', 'id'], unique=False)

    op.create_table('agreement_branch',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('branch_office_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_branch_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['branch_office_id'], ['branch_office.id'], name=op.f('fk_agreement_branch_branch_office_id_branch_office')),
    sa.PrimaryKeyConstraint('agreement_id', 'branch_office_id', name=op.f('pk_agreement_branch'))
    )
    with op.batch_alter_table('agreement_branch', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_branch_branch', ['branch_office_id', 'agreement_id'], unique=False)

    op.create_table('implementation_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('branch_office_id', sa.Integer(), nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('blocked_reason', sa.String(length=500), nullable=False),
    sa.Column('workers_covered', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("period_kind IN ('month','quarter')", name=op.f('ck_implementation_report_period_kind_known')),
    sa.CheckConstraint("status IN ('not_started','socialized','in_progress','implemented','blocked')", name=op.f('ck_implementation_report_status_known')),
    sa.CheckConstraint('workers_covered >= 0', name=op.f('ck_implementation_report_workers_not_negative')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_implementation_report_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['branch_office_id'], ['branch_office.id'], name=op.f('fk_implementation_report_branch_office_id_branch_office')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user.id'], name=op.f('fk_implementation_report_reported_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_implementation_report')),
    sa.UniqueConstraint('agreement_id', 'branch_office_id', 'period_kind', 'period_start', name='one_per_period')
    )
    with op.batch_alter_table('implementation_report', schema=None) as batch_op:
        batch_op.create_index('ix_implementation_report_branch', ['branch_office_id', 'period_start'], unique=False)
        batch_op.create_index('ix_implementation_report_status', ['status', 'period_start'], unique=False)

    op.create_table('agreement_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_alert_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_agreement_alert_task_id_task'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_alert')),
    sa.UniqueConstraint('agreement_id', 'days_before', name='once_per_offset')
    )
    with op.batch_alter_table('agreement_alert', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_alert_open', ['dismissed_at', 'created_at'], unique=False)

    op.create_table('agreement_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('signed','annex','guideline','cover_letter','evidence')", name=op.f('ck_agreement_document_kind_known')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_document_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_agreement_document_letter_id_letter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['implementation_report.id'], name=op.f('fk_agreement_document_report_id_implementation_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_agreement_document_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_document')),
    sa.UniqueConstraint('agreement_id', 'kind', 'title', 'version', name='version_once')
    )
    with op.batch_alter_table('agreement_document', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_document_agreement', ['agreement_id', 'kind', 'title', 'version'], unique=False)
        batch_op.create_index('ix_agreement_document_letter', ['letter_id'], unique=False)
        batch_op.create_index('ix_agreement_document_report', ['report_id'], unique=False)


def downgrade():
    with op.batch_alter_table('agreement_document', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_document_report')
        batch_op.drop_index('ix_agreement_document_letter')
        batch_op.drop_index('ix_agreement_document_agreement')
    op.drop_table('agreement_document')
    with op.batch_alter_table('agreement_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_alert_open')
    op.drop_table('agreement_alert')
    with op.batch_alter_table('implementation_report', schema=None) as batch_op:
        batch_op.drop_index('ix_implementation_report_status')
        batch_op.drop_index('ix_implementation_report_branch')
    op.drop_table('implementation_report')
    with op.batch_alter_table('agreement_branch', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_branch_branch')
    op.drop_table('agreement_branch')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_valid_to')
        batch_op.drop_index('ix_agreement_status_valid_to')
        batch_op.drop_index('ix_agreement_rm_valid_to')
        batch_op.drop_index('ix_agreement_renewed_from')
        batch_op.drop_index('ix_agreement_parent')
        batch_op.drop_index('ix_agreement_account_valid_to')
    op.drop_table('agreement')
    # ### end Alembic commands ###
