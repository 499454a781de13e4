"""institutions: 中止/暂停 periods of agreements; 医保区划 on flight plans, credit events and lists,
publications (role checks and region scope of the institutions domains)

Revision ID: 0401_institutions_access
Revises: 0400_institutions
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0401_institutions_access"
down_revision = "0400_institutions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agr_interruption",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("scheduled_end", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agr_agreement.id"],
            name=op.f("fk_agr_interruption_agreement_id_agr_agreement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agr_interruption")),
    )
    with op.batch_alter_table("agr_interruption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agr_interruption_agreement_id"), ["agreement_id"], unique=False)
    with op.batch_alter_table("insp_flight_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_insp_flight_plan_admdvs"), ["admdvs"], unique=False)
    with op.batch_alter_table("credit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
    with op.batch_alter_table("credit_list_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_credit_list_entry_admdvs"), ["admdvs"], unique=False)
    with op.batch_alter_table("disclosure_publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_disclosure_publication_admdvs"), ["admdvs"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disclosure_publication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_publication_admdvs"))
        batch_op.drop_column("admdvs")
    with op.batch_alter_table("credit_list_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_list_entry_admdvs"))
        batch_op.drop_column("admdvs")
    with op.batch_alter_table("credit_event", schema=None) as batch_op:
        batch_op.drop_column("admdvs")
    with op.batch_alter_table("insp_flight_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insp_flight_plan_admdvs"))
        batch_op.drop_column("admdvs")
    with op.batch_alter_table("agr_interruption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agr_interruption_agreement_id"))
    op.drop_table("agr_interruption")
