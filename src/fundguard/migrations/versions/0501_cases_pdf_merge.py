"""cases: PDF copy of each enforcement document, clue merged into another clue

Revision ID: 0501_cases_pdf_merge
Revises: 0500_cases
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0501_cases_pdf_merge"
down_revision = "0500_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_document") as batch:
        batch.add_column(sa.Column("pdf_path", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("clue") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clue") as batch:
        batch.drop_column("merged_into")
    with op.batch_alter_table("case_document") as batch:
        batch.drop_column("pdf_sha256")
        batch.drop_column("pdf_path")
