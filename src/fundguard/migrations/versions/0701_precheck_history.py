"""precheck: history store (patients' visits, lines, main diagnoses, trace codes sold; synced batches)

Revision ID: 0701_precheck_history
Revises: 0700_precheck
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0701_precheck_history"
down_revision = "0700_precheck"
branch_labels = None
depends_on = None

CODE = sa.String(length=200)


def upgrade() -> None:
    op.create_table(
        "precheck_history_visit",
        sa.Column("mdtrt_id", CODE, nullable=False),
        sa.Column("psn_no", CODE, nullable=False),
        sa.Column("fixmedins_code", CODE, nullable=False),
        sa.Column("gend", CODE, nullable=True),
        sa.Column("med_type", CODE, nullable=True),
        sa.Column("begntime", sa.DateTime(), nullable=False),
        sa.Column("endtime", sa.DateTime(), nullable=True),
        sa.Column("dscg_maindiag_code", CODE, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("mdtrt_id", name=op.f("pk_precheck_history_visit")),
    )
    op.create_index(
        "ix_precheck_history_visit_psn_begntime", "precheck_history_visit", ["psn_no", "begntime"]
    )
    op.create_index(op.f("ix_precheck_history_visit_batch_id"), "precheck_history_visit", ["batch_id"])
    op.create_table(
        "precheck_history_diag",
        sa.Column("mdtrt_id", CODE, nullable=False),
        sa.Column("diag_code", CODE, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("mdtrt_id", "diag_code", name=op.f("pk_precheck_history_diag")),
    )
    op.create_index(op.f("ix_precheck_history_diag_batch_id"), "precheck_history_diag", ["batch_id"])
    op.create_table(
        "precheck_history_line",
        sa.Column("mdtrt_id", CODE, nullable=False),
        sa.Column("feedetl_sn", CODE, nullable=False),
        sa.Column("psn_no", CODE, nullable=False),
        sa.Column("fixmedins_code", CODE, nullable=False),
        sa.Column("fee_ocur_time", sa.DateTime(), nullable=False),
        sa.Column("med_list_codg", CODE, nullable=False),
        sa.Column("cnt", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("mdtrt_id", "feedetl_sn", name=op.f("pk_precheck_history_line")),
    )
    op.create_index("ix_precheck_history_line_psn_time", "precheck_history_line", ["psn_no", "fee_ocur_time"])
    op.create_index(op.f("ix_precheck_history_line_batch_id"), "precheck_history_line", ["batch_id"])
    op.create_table(
        "precheck_history_trace",
        sa.Column("mdtrt_id", CODE, nullable=False),
        sa.Column("feedetl_sn", CODE, nullable=False),
        sa.Column("drug_trac_codg", CODE, nullable=False),
        sa.Column("sort_time", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "mdtrt_id", "feedetl_sn", "drug_trac_codg", name=op.f("pk_precheck_history_trace")
        ),
    )
    op.create_index(
        op.f("ix_precheck_history_trace_drug_trac_codg"), "precheck_history_trace", ["drug_trac_codg"]
    )
    op.create_index(op.f("ix_precheck_history_trace_batch_id"), "precheck_history_trace", ["batch_id"])
    op.create_table(
        "precheck_history_batch",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("traces", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_precheck_history_batch")),
    )


def downgrade() -> None:
    for table in (
        "precheck_history_batch",
        "precheck_history_trace",
        "precheck_history_line",
        "precheck_history_diag",
        "precheck_history_visit",
    ):
        op.drop_table(table)
