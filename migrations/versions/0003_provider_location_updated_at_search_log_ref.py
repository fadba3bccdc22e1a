"""updated_at on provider and location (watched by the search index), search log ref (batched upserts)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:28:44.727532

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=24), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_search_log_ref'), ['ref'])


def downgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_search_log_ref'), type_='unique')
        batch_op.drop_column('ref')

    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
