"""core: master-data version history (valid-from/valid-to)

Revision ID: 0002_master_versions
Revises: 0001_core
Create Date: 2026-11-24 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_master_versions'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('master_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('entity_key', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('batch_id', sa.String(length=40), nullable=False),
    sa.Column('superseded_by', sa.String(length=40), nullable=True),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=8), nullable=False),
    sa.Column('row_hash', sa.String(length=24), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_master_version'))
    )
    with op.batch_alter_table('master_version', schema=None) as batch_op:
        batch_op.create_index('ix_master_version_entity', ['table_name', 'entity_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_master_version_batch_id'), ['batch_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('master_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_master_version_batch_id'))
        batch_op.drop_index('ix_master_version_entity')

    op.drop_table('master_version')
