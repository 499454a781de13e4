"""precheck: institution feedback on pre-check findings

Revision ID: 0700_precheck
Revises:
Create Date: 2026-11-23 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0700_precheck"
down_revision = None
branch_labels = ("precheck",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "precheck_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("precheck_id", sa.String(length=32), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=64), nullable=False),
        sa.Column("mdtrt_id", sa.String(length=64), nullable=False),
        sa.Column("feedetl_sn", sa.String(length=64), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("doctor_code", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_precheck_feedback")),
    )
    op.create_index(op.f("ix_precheck_feedback_precheck_id"), "precheck_feedback", ["precheck_id"])
    op.create_index(op.f("ix_precheck_feedback_fixmedins_code"), "precheck_feedback", ["fixmedins_code"])
    op.create_index(op.f("ix_precheck_feedback_rule_code"), "precheck_feedback", ["rule_code"])


def downgrade() -> None:
    op.drop_table("precheck_feedback")
