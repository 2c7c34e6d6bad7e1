"""partner portal: invitations and the download log

Revision ID: d4fab8023e44
Revises: c3e9a7f12d33
Create Date: 2026-11-30 22:10:00.000000

Partner invitations (single-use links, only the token's hash stored) and the document
download log.
"""
import sqlalchemy as sa
from alembic import op

import crm.db


# revision identifiers, used by Alembic.
revision = 'd4fab8023e44'
down_revision = 'c3e9a7f12d33'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_partner_invitation_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_partner_invitation_invited_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_partner_invitation_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_partner_invitation_token_hash'))
    )
    with op.batch_alter_table('partner_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_partner_invitation_account', ['account_id', 'created_at'], unique=False)

    op.create_table('download_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_download_log_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['agreement_document.id'], name=op.f('fk_download_log_document_id_agreement_document'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_download_log_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download_log'))
    )
    with op.batch_alter_table('download_log', schema=None) as batch_op:
        batch_op.create_index('ix_download_log_agreement', ['agreement_id', 'at', 'id'], unique=False)
        batch_op.create_index('ix_download_log_user', ['user_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('download_log', schema=None) as batch_op:
        batch_op.drop_index('ix_download_log_user')
        batch_op.drop_index('ix_download_log_agreement')
    op.drop_table('download_log')
    with op.batch_alter_table('partner_invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_invitation_account')
    op.drop_table('partner_invitation')
