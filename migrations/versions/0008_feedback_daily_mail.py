"""feedback: daily provider mail log, mailed_at per report, index of open reports

A report gains `mailed_at` (listed in a daily mail to the provider). Table feedback_mail holds one
row per provider per day: claimed before the mail goes out, so a second mail that day is impossible
and a failed one is retried. A partial index holds only the open reports, which the search reads.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:50:00

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=True),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=36), nullable=True),
    sa.Column('claimed_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('sending','sent','failed')", name=op.f('ck_feedback_mail_status')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_feedback_mail_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_mail')),
    sa.UniqueConstraint('provider_id', 'day', name=op.f('uq_feedback_mail_provider_id_day'))
    )
    with op.batch_alter_table('feedback_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_mail_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_feedback_open', ['offering_id'], unique=False,
                              postgresql_where=sa.text('answered_at IS NULL'), sqlite_where=sa.text('answered_at IS NULL'))


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_open', postgresql_where=sa.text('answered_at IS NULL'), sqlite_where=sa.text('answered_at IS NULL'))
        batch_op.drop_column('mailed_at')

    with op.batch_alter_table('feedback_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_mail_provider_id'))

    op.drop_table('feedback_mail')
