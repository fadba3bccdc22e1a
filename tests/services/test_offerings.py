"""Every change to an offering lands in the append-only history; confirmations are recorded as such."""
import datetime as dt

import pytest

from beschikbaarheid.extensions import db
from beschikbaarheid.models import OfferingChange
from beschikbaarheid.services.offerings import Actor, apply_update, confirm_all, confirm_unchanged
from tests import factories


def _offering():
    prov = factories.provider()
    loc = factories.location(prov)
    return factories.offering(loc, factories.product(), waiting_weeks=4, free_places=1)


def test_update_appends_one_row_per_changed_field(app):
    with app.app_context():
        o = _offering()
        rows = apply_update(o, {"waiting_weeks": 6, "free_places": 1, "note": "x"}, author="a@b.nl", via="form")
        db.session.commit()
        assert {(r.field, r.old_value, r.new_value) for r in rows} == {("waiting_weeks", "4", "6"), ("note", "", "x")}
        assert o.last_update_kind == "update" and o.updated_by == "a@b.nl"


def test_save_without_changes_is_a_confirmation(app):
    with app.app_context():
        o = _offering()
        rows = apply_update(o, {"waiting_weeks": 4}, author="a@b.nl", via="form")
        db.session.commit()
        assert [r.kind for r in rows] == ["confirm"] and o.last_update_kind == "confirm"


def test_history_cannot_be_rewritten(app):
    with app.app_context():
        o = _offering()
        row = confirm_unchanged(o, author="a@b.nl", via="form")
        db.session.commit()
        row.author = "someone else"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(db.select(OfferingChange.author)) == "a@b.nl"


def test_wait_figures_are_saved_with_a_history_row_each_and_the_period_before_the_report(app):
    december = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)
    with app.app_context():
        o = _offering()
        o.target_groups = ["ASS"]
        changes = {"waiting_count": 5, "realised_wait_weeks": 9.5, "realised_started": 3, "group_waits": {"ASS": 20}}
        rows = apply_update(o, changes, author="a@b.nl", via="form", now=december)
        db.session.commit()
        assert {(r.field, r.old_value, r.new_value) for r in rows} == {
            ("waiting_count", None, "5"), ("realised_wait_weeks", None, "9.5"), ("realised_started", None, "3"),
            ("group_waits", "", "ASS=20"), ("realised_period_end", None, "2026-11-30"),
        }
        assert (o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits_raw) == (5, 9.5, 3, "ASS=20")
        # The same figures saved again in the same month: nothing changed, a confirmation.
        again = apply_update(o, {**changes, "group_waits": {"ASS": 20}}, author="a@b.nl", via="form", now=december + dt.timedelta(days=20))
        assert [r.kind for r in again] == ["confirm"]
        # Reported again a month later: the same figures now cover November and December.
        january = apply_update(o, {"realised_wait_weeks": 9.5, "realised_started": 3}, author="a@b.nl", via="form",
                               now=dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.timezone.utc))
        assert [(r.field, r.new_value) for r in january] == [("realised_period_end", "2026-12-31")]
        # Cleared: no period either.
        cleared = apply_update(o, {"realised_wait_weeks": None, "realised_started": None}, author="a@b.nl", via="form")
        assert {r.field for r in cleared} == {"realised_wait_weeks", "realised_started", "realised_period_end"}
        assert o.realised_period_end is None


def test_confirming_unchanged_keeps_the_wait_figures_and_their_period(app):

    with app.app_context():
        o = _offering()
        o.target_groups = ["ASS"]
        apply_update(o, {"waiting_count": 2, "realised_wait_weeks": 3.0, "realised_started": 1, "group_waits": {"ASS": 9}},
                     author="a@b.nl", via="form", now=dt.datetime(2026, 11, 10, tzinfo=dt.timezone.utc))
        db.session.commit()
        result = confirm_all([o], {o.id: o.version}, actor=Actor("a@b.nl", "form"))
        db.session.commit()
        assert result.confirmed == [o] and o.last_update_kind == "confirm"
        assert (o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits, o.realised_period_end) == (
            2, 3.0, 1, {"ASS": 9}, dt.date(2026, 10, 31))
