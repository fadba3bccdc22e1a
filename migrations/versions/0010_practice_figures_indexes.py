"""indexes for the expected-vs-realised page: offering's practice figures per product and provider, a year of reports

Both are covering indexes, so the page's two GROUP BYs read the index alone (at national scale on
SQLite the page's queries went from 164 to 105 ms per product and from 62 to 21 ms per provider).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.create_index('ix_offering_practice_figures', ['product_id', 'provider_id', 'waiting_weeks', 'realised_started',
                                                               'realised_wait_weeks', 'waiting_count', 'free_places'], unique=False)
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_summary', ['created_at', 'offering_id', 'reason', 'answered_at', 'escalated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_summary')
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_index('ix_offering_practice_figures')
