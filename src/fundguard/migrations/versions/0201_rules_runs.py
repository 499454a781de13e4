"""rules: visit month on findings, institution responses, audit runs, backtest runs

Revision ID: 0201_rules_runs
Revises: 0200_rules
Create Date: 2026-12-06 05:30:00
"""

import sqlalchemy as sa
from alembic import op

import fundguard.db

revision = "0201_rules_runs"
down_revision = "0200_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.add_column(sa.Column("visit_month", sa.String(length=7), nullable=True))
        batch.create_index(batch.f("ix_finding_visit_month"), ["visit_month"], unique=False)
    op.create_table(
        "finding_response",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.finding_id"], name=op.f("fk_finding_response_finding_id_finding")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_response")),
    )
    op.create_index(op.f("ix_finding_response_finding_id"), "finding_response", ["finding_id"], unique=False)
    op.create_table(
        "audit_run",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("selector", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("amount", fundguard.db.Money(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_audit_run")),
    )
    op.create_index(op.f("ix_audit_run_started_at"), "audit_run", ["started_at"], unique=False)
    op.create_table(
        "backtest_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("candidate", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_run")),
    )
    op.create_index(op.f("ix_backtest_run_ran_at"), "backtest_run", ["ran_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_backtest_run_ran_at"), table_name="backtest_run")
    op.drop_table("backtest_run")
    op.drop_index(op.f("ix_audit_run_started_at"), table_name="audit_run")
    op.drop_table("audit_run")
    op.drop_index(op.f("ix_finding_response_finding_id"), table_name="finding_response")
    op.drop_table("finding_response")
    with op.batch_alter_table("finding") as batch:
        batch.drop_index(batch.f("ix_finding_visit_month"))
        batch.drop_column("visit_month")
