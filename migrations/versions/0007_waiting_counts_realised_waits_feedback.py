"""figures practice believes: waiting counts, realised waits and waits per target group on offering; table feedback

Offerings gain the number of children waiting, the realised wait of the last two full months (average
and n, with the period's last day) and expected waits per target group ("ASS=20|LVB=30"). Existing
offerings start with all of them unknown. Table feedback holds referrers' "Klopt dit niet?" reports
and the provider's answers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:20:31.666176

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('created_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('referrer_type', sa.String(length=30), nullable=True),
    sa.Column('answered_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.String(length=10), nullable=True),
    sa.Column('answer_text', sa.String(length=300), nullable=False),
    sa.Column('answered_by', sa.String(length=254), nullable=True),
    sa.Column('escalated_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("answer IS NULL OR answer IN ('update','klopt')", name=op.f('ck_feedback_answer')),
    sa.CheckConstraint("reason IN ('geen_plek','wachttijd','intake_dicht','contact','past_niet','anders')", name=op.f('ck_feedback_reason')),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_feedback_offering_id_offering')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_feedback_offering_open', ['offering_id', 'answered_at'], unique=False)

    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('realised_wait_weeks', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('realised_started', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('realised_period_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('group_waits', sa.String(length=400), server_default='', nullable=False))
        batch_op.create_check_constraint('waiting_count', 'waiting_count IS NULL OR waiting_count >= 0')
        batch_op.create_check_constraint('realised_started', 'realised_started IS NULL OR realised_started >= 0')
        batch_op.create_check_constraint('realised_wait_weeks', 'realised_wait_weeks IS NULL OR realised_wait_weeks >= 0')



def downgrade():
    with op.batch_alter_table('offering', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offering_realised_wait_weeks'), type_='check')
        batch_op.drop_constraint(op.f('ck_offering_realised_started'), type_='check')
        batch_op.drop_constraint(op.f('ck_offering_waiting_count'), type_='check')
        batch_op.drop_column('group_waits')
        batch_op.drop_column('realised_period_end')
        batch_op.drop_column('realised_started')
        batch_op.drop_column('realised_wait_weeks')
        batch_op.drop_column('waiting_count')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_offering_open')
        batch_op.drop_index(batch_op.f('ix_feedback_created_at'))

    op.drop_table('feedback')
