"""index on location coordinates (the search's bounding box)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.create_index('ix_location_lat_lon', ['lat', 'lon'], unique=False)


def downgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index('ix_location_lat_lon')
