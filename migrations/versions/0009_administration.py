"""administration in the browser: audit_event; product active and norm; region reminder and search settings; user invitations, last login, organisation admin

Products gain `active` (all existing ones active) and their own waiting-time norm; regions their
own reminder follow-up and escalation days and default search radius (empty: the installation's
settings, as before); users the organisation-admin flag, the last invitation and the last login.
Table audit_event is the append-only trail of administrative changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:40:22.447825

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_event_actor_id_user')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_audit_event_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_region_at', ['region_id', 'at'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('waiting_norm_weeks', sa.Integer(), nullable=True))

    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_followup_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reminder_escalate_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('search_default_km', sa.Float(), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_org_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('invited_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('is_org_admin')

    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_column('search_default_km')
        batch_op.drop_column('reminder_escalate_days')
        batch_op.drop_column('reminder_followup_days')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('waiting_norm_weeks')
        batch_op.drop_column('active')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_region_at')

    op.drop_table('audit_event')
