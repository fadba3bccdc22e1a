"""Every change to an offering lands in the append-only history; confirmations are recorded as such."""
import pytest

from beschikbaarheid.extensions import db
from beschikbaarheid.models import OfferingChange
from beschikbaarheid.services.offerings import apply_update, confirm_unchanged
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
