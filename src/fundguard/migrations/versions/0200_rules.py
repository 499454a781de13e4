"""rules: rule sets, versions, rules, knowledge rows, region settings, findings, verdicts

Revision ID: 0200_rules
Revises:
Create Date: 2026-11-23 11:45:00
"""

import sqlalchemy as sa
from alembic import op

import fundguard.db

revision = "0200_rules"
down_revision = None
branch_labels = ("rules",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "rule_set",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("current_version", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rule_set")),
    )
    op.create_table(
        "rule_set_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_set", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_set"], ["rule_set.name"], name=op.f("fk_rule_set_version_rule_set_rule_set")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_set_version")),
        sa.UniqueConstraint("rule_set", "version", name=op.f("uq_rule_set_version_rule_set_version")),
    )
    op.create_index(op.f("ix_rule_set_version_rule_set"), "rule_set_version", ["rule_set"], unique=False)
    op.create_table(
        "rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("rule_set", sa.String(length=32), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["rule_set_version.id"], name=op.f("fk_rule_version_id_rule_set_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule")),
        sa.UniqueConstraint("rule_code", "version_id", name=op.f("uq_rule_rule_code_version_id")),
    )
    op.create_index(op.f("ix_rule_version_id"), "rule", ["version_id"], unique=False)
    op.create_index(op.f("ix_rule_rule_code"), "rule", ["rule_code"], unique=False)
    op.create_table(
        "knowledge_row",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.String(length=200), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("region_scope", sa.String(length=12), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["rule_set_version.id"], name=op.f("fk_knowledge_row_version_id_rule_set_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_row")),
    )
    op.create_index(op.f("ix_knowledge_row_version_id"), "knowledge_row", ["version_id"], unique=False)
    op.create_index(op.f("ix_knowledge_row_rule_code"), "knowledge_row", ["rule_code"], unique=False)
    op.create_table(
        "rule_region_setting",
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=12), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("rule_code", "region", name=op.f("pk_rule_region_setting")),
    )
    op.create_table(
        "finding",
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("mdtrt_id", sa.String(length=64), nullable=False),
        sa.Column("setl_id", sa.String(length=64), nullable=True),
        sa.Column("feedetl_sn", sa.String(length=64), nullable=True),
        sa.Column("psn_no", sa.String(length=64), nullable=True),
        sa.Column("fixmedins_code", sa.String(length=32), nullable=True),
        sa.Column("prac_psn_code", sa.String(length=40), nullable=True),
        sa.Column("amount", fundguard.db.Money(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_finding")),
    )
    for col in ("rule_code", "category", "mdtrt_id", "psn_no", "fixmedins_code", "prac_psn_code"):
        op.create_index(op.f(f"ix_finding_{col}"), "finding", [col], unique=False)
    op.create_table(
        "finding_verdict",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.finding_id"], name=op.f("fk_finding_verdict_finding_id_finding")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_verdict")),
    )
    op.create_index(op.f("ix_finding_verdict_finding_id"), "finding_verdict", ["finding_id"], unique=False)


def downgrade() -> None:
    op.drop_table("finding_verdict")
    op.drop_table("finding")
    op.drop_table("rule_region_setting")
    op.drop_table("knowledge_row")
    op.drop_table("rule")
    op.drop_table("rule_set_version")
    op.drop_table("rule_set")
