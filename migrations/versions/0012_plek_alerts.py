"""plek-alerts: saved searches of referrers, their snapshot and their daily mail

Table search_alert holds a referrer's saved search (normalised query string, its account, expiry,
stop, last mail, and where the last evaluation looked); alert_seen the figures each result had at
the last evaluation; alert_mail one row per alert per day, claimed before the mail goes out.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:40:00

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=600), nullable=False),
    sa.Column('created_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_mailed_day', sa.Date(), nullable=True),
    sa.Column('checked_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('reach_km', sa.Float(), nullable=True),
    sa.Column('product_ids', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_search_alert_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_alert'))
    )
    with op.batch_alter_table('search_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_alert_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_search_alert_active', ['stopped_at', 'expires_at'], unique=False)

    op.create_table('alert_seen',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('free_places', sa.Integer(), nullable=True),
    sa.Column('intake_status', sa.String(length=10), nullable=False),
    sa.Column('waiting_weeks', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['search_alert.id'], name=op.f('fk_alert_seen_alert_id_search_alert')),
    sa.ForeignKeyConstraint(['offering_id'], ['offering.id'], name=op.f('fk_alert_seen_offering_id_offering')),
    sa.PrimaryKeyConstraint('alert_id', 'offering_id', name=op.f('pk_alert_seen'))
    )
    with op.batch_alter_table('alert_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_seen_offering_id'), ['offering_id'], unique=False)

    op.create_table('alert_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opening_count', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=36), nullable=True),
    sa.Column('claimed_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('sending','sent','failed')", name=op.f('ck_alert_mail_status')),
    sa.ForeignKeyConstraint(['alert_id'], ['search_alert.id'], name=op.f('fk_alert_mail_alert_id_search_alert')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_mail')),
    sa.UniqueConstraint('alert_id', 'day', name=op.f('uq_alert_mail_alert_id_day'))
    )
    with op.batch_alter_table('alert_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_mail_alert_id'), ['alert_id'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_mail_alert_id'))
    op.drop_table('alert_mail')
    with op.batch_alter_table('alert_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_seen_offering_id'))
    op.drop_table('alert_seen')
    with op.batch_alter_table('search_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_search_alert_active')
        batch_op.drop_index(batch_op.f('ix_search_alert_user_id'))
    op.drop_table('search_alert')
