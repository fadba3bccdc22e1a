"""contract pages: when an offering's figures last changed; indexes for waiting times, jumps and supply gaps; stored months lose their check columns

offering.values_changed_at is filled from the history (the latest create/update row), so the data
quality page needs no history to find figures that were only confirmed for months. The stored
closed months are now deleted by the writes that change them, so the columns that let a page view
detect such writes (history high-water mark, contract fingerprint) are dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

WAITING_TIME_UPDATE = sa.text("field = 'waiting_weeks' AND kind = 'update'")


def upgrade():
    with op.batch_alter_table('compliance_snapshot', schema=None) as batch_op:
        batch_op.drop_column('history_high_water')
        batch_op.drop_column('contract_fingerprint')

    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.add_column(sa.Column('values_changed_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_offering_product_id_waiting_weeks', ['product_id', 'waiting_weeks', 'provider_id', 'updated_at'],
                              unique=False)
    op.execute(
        "UPDATE offering SET values_changed_at = (SELECT max(offering_change.changed_at) FROM offering_change"
        " WHERE offering_change.offering_id = offering.id AND offering_change.kind <> 'confirm')"
    )

    with op.batch_alter_table('offering_change', schema=None) as batch_op:
        batch_op.create_index('ix_offering_change_waiting_time_updates',
                              ['changed_at', 'offering_id', 'old_value', 'new_value', 'unusual_confirmed'],
                              unique=False, sqlite_where=WAITING_TIME_UPDATE, postgresql_where=WAITING_TIME_UPDATE)

    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.create_index('ix_search_log_region_id_municipality_code_need',
                              ['region_id', 'municipality_code', 'need_kind', 'product_id', 'product_code', 'segment', 'category',
                               'age_band', 'day', 'within_radius_count'], unique=False)


def downgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_index('ix_search_log_region_id_municipality_code_need')

    with op.batch_alter_table('offering_change', schema=None) as batch_op:
        batch_op.drop_index('ix_offering_change_waiting_time_updates')

    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_index('ix_offering_product_id_waiting_weeks')
        batch_op.drop_column('values_changed_at')

    with op.batch_alter_table('compliance_snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_fingerprint', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('history_high_water', sa.Integer(), nullable=False, server_default='0'))
