"""sponsorships: SERTAKAN/GN Lingkaran, beneficiaries, payments, package prices

Revision ID: b2d8f6e01c22
Revises: a1c7e5d90b11
Create Date: 2026-11-30 22:10:00.000000
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import crm.db

# revision identifiers, used by Alembic.
revision = "b2d8f6e01c22"
down_revision = "a1c7e5d90b11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sponsorship_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package", sa.String(length=20), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "package IN ('jkk_jkm','jkk_jkm_jht')", name=op.f("ck_sponsorship_rate_package_known")
        ),
        sa.CheckConstraint("price > 0", name=op.f("ck_sponsorship_rate_price_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorship_rate")),
        sa.UniqueConstraint("package", "effective_from", name="uq_sponsorship_rate_package_start"),
    )
    rate = sa.table(
        "sponsorship_rate",
        sa.column("package", sa.String),
        sa.column("price", sa.Integer),
        sa.column("effective_from", sa.Date),
        sa.column("created_at", crm.db.UTCDateTime()),
    )
    now = datetime.now(UTC)
    # DOMAIN.md: JKK + JKM Rp 16,800 and with JHT Rp 36,800 per worker per month, SERTAKAN
    # since September 2022.
    op.bulk_insert(
        rate,
        [
            {
                "package": "jkk_jkm",
                "price": 16800,
                "effective_from": date(2022, 9, 1),
                "created_at": now,
            },
            {
                "package": "jkk_jkm_jht",
                "price": 36800,
                "effective_from": date(2022, 9, 1),
                "created_at": now,
            },
        ],
    )
    op.create_table(
        "sponsorship",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("package", sa.String(length=20), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("start_month", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("price_per_worker", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("beneficiary_count", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.BigInteger(), nullable=False),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("renewed_from_id", sa.Integer(), nullable=True),
        sa.Column("renewal_task_id", sa.Integer(), nullable=True),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "package IN ('jkk_jkm','jkk_jkm_jht')", name=op.f("ck_sponsorship_package_known")
        ),
        sa.CheckConstraint(
            "scheme IN ('sertakan','gn_lingkaran')", name=op.f("ck_sponsorship_scheme_known")
        ),
        sa.CheckConstraint(
            "status IN ('pledged','active','renewed','cancelled')",
            name=op.f("ck_sponsorship_status_known"),
        ),
        sa.CheckConstraint(
            "beneficiary_count >= 0 AND price_per_worker > 0 AND commitment >= 0"
            " AND paid_total >= 0",
            name=op.f("ck_sponsorship_figures_not_negative"),
        ),
        sa.CheckConstraint("end_on >= start_month", name=op.f("ck_sponsorship_end_after_start")),
        sa.CheckConstraint("months IN (1,3,6,12)", name=op.f("ck_sponsorship_months_known")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_sponsorship_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_sponsorship_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letter.id"],
            name=op.f("fk_sponsorship_letter_id_letter"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["renewal_task_id"],
            ["task.id"],
            name=op.f("fk_sponsorship_renewal_task_id_task"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["renewed_from_id"],
            ["sponsorship.id"],
            name=op.f("fk_sponsorship_renewed_from_id_sponsorship"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorship")),
        sa.UniqueConstraint("renewed_from_id", name="uq_sponsorship_renewed_from_id"),
    )
    with op.batch_alter_table("sponsorship", schema=None) as batch_op:
        batch_op.create_index("ix_sponsorship_account", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_sponsorship_end", ["end_on", "id"], unique=False)
        batch_op.create_index("ix_sponsorship_scheme", ["scheme", "id"], unique=False)
        batch_op.create_index("ix_sponsorship_start", ["start_month", "id"], unique=False)
        batch_op.create_index("ix_sponsorship_status_end", ["status", "end_on", "id"], unique=False)

    op.create_table(
        "sponsorship_beneficiary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("occupation", sa.String(length=100), nullable=False),
        sa.Column("kelurahan", sa.String(length=100), nullable=False),
        sa.Column("kecamatan", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("kpj", sa.String(length=11), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorship.id"],
            name=op.f("fk_sponsorship_beneficiary_sponsorship_id_sponsorship"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorship_beneficiary")),
        sa.UniqueConstraint("sponsorship_id", "nik", name="uq_sponsorship_beneficiary_nik"),
    )
    with op.batch_alter_table("sponsorship_beneficiary", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sponsorship_beneficiary_list", ["sponsorship_id", "name", "id"], unique=False
        )
        batch_op.create_index(
            "ix_sponsorship_beneficiary_nik", ["nik", "sponsorship_id"], unique=False
        )

    op.create_table(
        "sponsorship_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_sponsorship_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_sponsorship_payment_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorship.id"],
            name=op.f("fk_sponsorship_payment_sponsorship_id_sponsorship"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorship_payment")),
    )
    with op.batch_alter_table("sponsorship_payment", schema=None) as batch_op:
        batch_op.create_index("ix_sponsorship_payment_paid_on", ["paid_on", "id"], unique=False)
        batch_op.create_index(
            "ix_sponsorship_payment_sponsorship", ["sponsorship_id", "paid_on", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sponsorship_payment", schema=None) as batch_op:
        batch_op.drop_index("ix_sponsorship_payment_sponsorship")
        batch_op.drop_index("ix_sponsorship_payment_paid_on")

    op.drop_table("sponsorship_payment")
    with op.batch_alter_table("sponsorship_beneficiary", schema=None) as batch_op:
        batch_op.drop_index("ix_sponsorship_beneficiary_nik")
        batch_op.drop_index("ix_sponsorship_beneficiary_list")

    op.drop_table("sponsorship_beneficiary")
    with op.batch_alter_table("sponsorship", schema=None) as batch_op:
        batch_op.drop_index("ix_sponsorship_status_end")
        batch_op.drop_index("ix_sponsorship_start")
        batch_op.drop_index("ix_sponsorship_scheme")
        batch_op.drop_index("ix_sponsorship_end")
        batch_op.drop_index("ix_sponsorship_account")

    op.drop_table("sponsorship")
    op.drop_table("sponsorship_rate")
