""""Current this month" has one rule, freshness.is_stale; Offering.is_stale(now) is its SQL form.
Both pick the same offerings, on SQLite and PostgreSQL, around the month's edges in Amsterdam time."""
import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.domain import freshness
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering
from tests import factories

# Moments just after a month began in Amsterdam, when UTC still shows the previous month (winter
# and summer time), and one in the middle of a month.
MOMENTS = [
    dt.datetime(2026, 12, 1, 0, 30, tzinfo=TZ),
    dt.datetime(2026, 4, 1, 1, 30, tzinfo=TZ),
    dt.datetime(2026, 11, 15, 12, 0, tzinfo=TZ),
]


def stamps_around(moment: dt.datetime) -> list[dt.datetime]:
    """Update times on both sides of the Amsterdam month start of `moment` (which is not the UTC one)."""
    start = freshness.month_start(moment)
    one = dt.timedelta(microseconds=1)
    return [start - one, start, start + one, start - dt.timedelta(days=20), start + dt.timedelta(minutes=30),
            start + dt.timedelta(hours=5)]


def test_sql_form_of_is_stale_agrees_with_the_rule(app):
    with app.app_context():
        region = factories.region()
        product = factories.product("43A10", "Gezinshuis", region)
        provider = factories.provider("Grens BV")
        stamps = [None] + [s for m in MOMENTS for s in stamps_around(m)]
        offerings = []
        for i, stamp in enumerate(stamps):
            o = factories.offering(factories.location(provider, name=f"Locatie {i}"), product)
            o.updated_at = stamp
            offerings.append(o)
        db.session.commit()
        for moment in MOMENTS:
            in_sql = set(db.session.scalars(sa.select(Offering.id).where(Offering.is_stale(moment))))
            in_python = {o.id for o in offerings if freshness.is_stale(o.updated_at, moment)}
            assert in_sql == in_python, moment
            assert in_sql and in_sql != {o.id for o in offerings}  # both stale and current offerings are there
            assert {o.id for o in offerings if o.is_stale(moment)} == in_python
