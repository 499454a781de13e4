"""analytics: 医保区划 (admdvs) and institution on stored rows, institution indicator series, the
physician ranking (region scope and the analytics pages, decision 0013)

Revision ID: 0601_analytics_scope
Revises: 0600_analytics
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0601_analytics_scope"
down_revision = "0600_analytics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_risk_score", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fixmedins_code", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("components", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.create_index(batch_op.f("ix_analytics_risk_score_admdvs"), ["admdvs"], unique=False)
    with op.batch_alter_table("analytics_indicator_alert", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fixmedins_code", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("volume", sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f("ix_analytics_indicator_alert_admdvs"), ["admdvs"], unique=False)
    with op.batch_alter_table("analytics_ring", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admdvs", sa.String(length=12), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("regions", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.create_index(batch_op.f("ix_analytics_ring_admdvs"), ["admdvs"], unique=False)
    op.create_table(
        "analytics_indicator_value",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("admdvs", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("peer_median", sa.Float(), nullable=True),
        sa.Column("band_low", sa.Float(), nullable=True),
        sa.Column("band_high", sa.Float(), nullable=True),
        sa.Column("robust_z", sa.Float(), nullable=True),
        sa.Column("peer_n", sa.Integer(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["analytics_run.id"], name=op.f("fk_analytics_indicator_value_run_id_analytics_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_indicator_value")),
    )
    with op.batch_alter_table("analytics_indicator_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analytics_indicator_value_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            "ix_analytics_indicator_value_entity", ["run_id", "entity_id", "indicator"], unique=False
        )
    op.create_table(
        "analytics_ranking",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("prac_psn_code", sa.String(length=40), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=False),
        sa.Column("admdvs", sa.String(length=12), nullable=False),
        sa.Column("peer_key", sa.String(length=128), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("cost_per_visit", sa.Float(), nullable=True),
        sa.Column("total_cost", sa.Float(), nullable=True),
        sa.Column("rank_cost_per_visit", sa.Integer(), nullable=True),
        sa.Column("rank_total_cost", sa.Integer(), nullable=True),
        sa.Column("group_n", sa.Integer(), nullable=False),
        sa.Column("group_median_cost_per_visit", sa.Float(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("focus", sa.Boolean(), nullable=False),
        sa.Column("trend", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["analytics_run.id"], name=op.f("fk_analytics_ranking_run_id_analytics_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_ranking")),
    )
    with op.batch_alter_table("analytics_ranking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analytics_ranking_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_analytics_ranking_admdvs"), ["admdvs"], unique=False)
        batch_op.create_index("ix_analytics_ranking_group", ["run_id", "peer_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("analytics_ranking", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_ranking_group")
        batch_op.drop_index(batch_op.f("ix_analytics_ranking_admdvs"))
        batch_op.drop_index(batch_op.f("ix_analytics_ranking_run_id"))
    op.drop_table("analytics_ranking")
    with op.batch_alter_table("analytics_indicator_value", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_indicator_value_entity")
        batch_op.drop_index(batch_op.f("ix_analytics_indicator_value_run_id"))
    op.drop_table("analytics_indicator_value")
    with op.batch_alter_table("analytics_ring", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_ring_admdvs"))
        batch_op.drop_column("regions")
        batch_op.drop_column("admdvs")
    with op.batch_alter_table("analytics_indicator_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_indicator_alert_admdvs"))
        batch_op.drop_column("volume")
        batch_op.drop_column("admdvs")
        batch_op.drop_column("fixmedins_code")
    with op.batch_alter_table("analytics_risk_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_risk_score_admdvs"))
        batch_op.drop_column("components")
        batch_op.drop_column("admdvs")
        batch_op.drop_column("fixmedins_code")
