"""revocable sessions and login throttling: user.session_generation, tables ended_login and login_throttle

Every session and remember-me cookie carries the user's session generation; raising it ends them
all. A login ended with "Uitloggen" in one browser is listed in ended_login, so a copy of its
cookies stops working too. Existing users start at 0. Cookies written by earlier versions hold a plain user id, which the
new user loader does not accept: everybody logs in once more after this upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import beschikbaarheid.models.core  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    op.create_table(
        'ended_login',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('login_id', sa.String(length=16), nullable=False),
        sa.Column('login_at', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ended_login_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'login_id', name=op.f('pk_ended_login')),
    )
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', beschikbaarheid.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_last_failure_at'), ['last_failure_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_last_failure_at'))
    op.drop_table('login_throttle')
    op.drop_table('ended_login')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
