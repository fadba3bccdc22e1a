"""The audit trail: every administrative change is appended with who, what and old -> new, and never rewritten."""
import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent
from beschikbaarheid.services import audit
from tests import factories


def test_a_change_is_recorded_with_its_author_and_old_and_new_values(app):
    with app.app_context():
        product = factories.product()
        before = audit.snapshot(product, ("name", "keywords", "active"))
        product.name, product.active = "Gezinshuis (nieuw)", False
        audit.record("cli", region_id=product.region_id, action="product.update", entity="product", entity_id=product.id,
                     summary=product.code, changes=audit.diff(before, audit.snapshot(product, ("name", "keywords", "active"))))
        db.session.commit()
        event = db.session.scalars(sa.select(AuditEvent)).one()
        assert (event.actor, event.action, event.entity_id) == ("cli", "product.update", product.id)
        assert event.changes == {"active": ["ja", "nee"], "name": [before["name"], "Gezinshuis (nieuw)"]}


def test_the_trail_cannot_be_rewritten_or_deleted(app):
    with app.app_context():
        event = audit.record("cli", region_id=None, action="region.update", entity="region")
        db.session.commit()
        event.actor = "someone else"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
