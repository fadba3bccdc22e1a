"""gezinshuis coordination point: profiles, unplanned endings, anonymous placement requests

A gezinshuis (a location with product Gezinshuis) gets a profile its provider keeps: places allowed
and taken, ages, the household as counts per age band, siblings, target groups, specialisms, "plek
vrij per" and practical notes. Providers report unplanned endings as a monthly count. The region's
coordinator (a contract manager or administrator with the new right user.is_coordinator) logs
placement requests anonymously; details older than two years become monthly counts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:13:19.770481

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('placement_request_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('age_band', sa.String(length=5), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('weeks_to_outcome_total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_placement_request_month_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_request_month')),
    sa.UniqueConstraint('region_id', 'month', 'age_band', 'outcome', name=op.f('uq_placement_request_month_region_id_month_age_band_outcome'))
    )
    op.create_table('placement_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.String(length=5), nullable=False),
    sa.Column('target_groups', sa.String(length=400), nullable=False),
    sa.Column('siblings', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('requested_week', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('outcome_week', sa.Date(), nullable=True),
    sa.Column('created_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome = 'wachtend' OR outcome_week IS NOT NULL", name=op.f('ck_placement_request_outcome_week')),
    sa.CheckConstraint("outcome IN ('wachtend','gezinshuis','pleegzorg','woongroep','segment1','anders')", name=op.f('ck_placement_request_outcome')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_placement_request_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_placement_request_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_request'))
    )
    with op.batch_alter_table('placement_request', schema=None) as batch_op:
        batch_op.create_index('ix_placement_request_region_week', ['region_id', 'requested_week'], unique=False)

    op.create_table('gezinshuis_ending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('reported_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_gezinshuis_ending_count')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_gezinshuis_ending_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gezinshuis_ending')),
    sa.UniqueConstraint('location_id', 'month', name=op.f('uq_gezinshuis_ending_location_id_month'))
    )
    with op.batch_alter_table('gezinshuis_ending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gezinshuis_ending_location_id'), ['location_id'], unique=False)

    op.create_table('gezinshuis_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('places_allowed', sa.Integer(), nullable=False),
    sa.Column('places_taken', sa.Integer(), nullable=False),
    sa.Column('age_min', sa.Integer(), nullable=False),
    sa.Column('age_max', sa.Integer(), nullable=False),
    sa.Column('household', sa.String(length=400), nullable=False),
    sa.Column('siblings_together', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('siblings_max', sa.Integer(), nullable=False),
    sa.Column('target_groups', sa.String(length=400), nullable=False),
    sa.Column('specialisms', sa.String(length=200), nullable=False),
    sa.Column('free_from', sa.Date(), nullable=True),
    sa.Column('vacant_since', sa.Date(), nullable=True),
    sa.Column('notes', sa.String(length=300), nullable=False),
    sa.Column('updated_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=254), nullable=True),
    sa.CheckConstraint('age_min >= 0 AND age_max <= 27 AND age_min <= age_max', name=op.f('ck_gezinshuis_profile_age_range')),
    sa.CheckConstraint('places_allowed >= 0 AND places_taken >= 0 AND places_taken <= places_allowed', name=op.f('ck_gezinshuis_profile_places')),
    sa.CheckConstraint('siblings_max >= 0', name=op.f('ck_gezinshuis_profile_siblings_max')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_gezinshuis_profile_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gezinshuis_profile')),
    sa.UniqueConstraint('location_id', name=op.f('uq_gezinshuis_profile_location_id'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_coordinator', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('is_coordinator')

    op.drop_table('gezinshuis_profile')
    with op.batch_alter_table('gezinshuis_ending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gezinshuis_ending_location_id'))

    op.drop_table('gezinshuis_ending')
    with op.batch_alter_table('placement_request', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_request_region_week')

    op.drop_table('placement_request')
    op.drop_table('placement_request_month')
