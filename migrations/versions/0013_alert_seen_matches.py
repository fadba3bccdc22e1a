"""plek-alerts watch every matching offering: alert_seen.matches, search_alert.catalogue_key

An alert's snapshot now holds every offering that matches its search (not only the first results
the page shows), and keeps an offering that stops matching with `matches` false, so the daily run
decides openings from the day's changes without running the searches again; catalogue_key says
which catalogue the need was matched against, so a catalogue change compares the whole search again. Existing snapshots
held only the shown results: every alert takes a new baseline at the next run (checked_at NULL).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alert_seen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matches', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('search_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('catalogue_key', sa.String(length=64), nullable=True))
    op.execute("UPDATE search_alert SET checked_at = NULL")


def downgrade():
    with op.batch_alter_table('search_alert', schema=None) as batch_op:
        batch_op.drop_column('catalogue_key')
    with op.batch_alter_table('alert_seen', schema=None) as batch_op:
        batch_op.drop_column('matches')
