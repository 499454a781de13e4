"""analytics: runs, risk scores, indicator alerts, collusion rings

Revision ID: 0600_analytics
Revises:
Create Date: 2026-11-23 12:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0600_analytics"
down_revision = None
branch_labels = ("analytics",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "analytics_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_run")),
    )
    op.create_table(
        "analytics_risk_score",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analytics_run.id"], name=op.f("fk_analytics_risk_score_run_id_analytics_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_risk_score")),
    )
    op.create_index(op.f("ix_analytics_risk_score_run_id"), "analytics_risk_score", ["run_id"], unique=False)
    op.create_table(
        "analytics_indicator_alert",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("peer_median", sa.Float(), nullable=False),
        sa.Column("band_low", sa.Float(), nullable=False),
        sa.Column("band_high", sa.Float(), nullable=False),
        sa.Column("robust_z", sa.Float(), nullable=False),
        sa.Column("peer_n", sa.Integer(), nullable=False),
        sa.Column("peer_key", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analytics_run.id"], name=op.f("fk_analytics_indicator_alert_run_id_analytics_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_indicator_alert")),
    )
    op.create_index(op.f("ix_analytics_indicator_alert_run_id"), "analytics_indicator_alert", ["run_id"], unique=False)
    op.create_table(
        "analytics_ring",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ring_id", sa.String(length=16), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("view", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analytics_run.id"], name=op.f("fk_analytics_ring_run_id_analytics_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_ring")),
    )
    op.create_index(op.f("ix_analytics_ring_run_id"), "analytics_ring", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_analytics_ring_run_id"), table_name="analytics_ring")
    op.drop_table("analytics_ring")
    op.drop_index(op.f("ix_analytics_indicator_alert_run_id"), table_name="analytics_indicator_alert")
    op.drop_table("analytics_indicator_alert")
    op.drop_index(op.f("ix_analytics_risk_score_run_id"), table_name="analytics_risk_score")
    op.drop_table("analytics_risk_score")
    op.drop_table("analytics_run")
