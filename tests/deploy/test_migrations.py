"""`flask db upgrade` builds, from an empty database, exactly the schema the models describe."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from beschikbaarheid import create_app
from beschikbaarheid.extensions import db


@pytest.fixture
def empty_app(database_url):
    """An app whose database has no tables at all (not even alembic_version)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


def _diffs(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, db.metadata)]


def test_upgrade_from_empty_matches_models(empty_app):
    with empty_app.app_context():
        upgrade()
    assert _diffs(empty_app) == []


def test_downgrade_to_base_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert "offering" not in db.inspect(db.engine).get_table_names()
        upgrade()
    assert _diffs(empty_app) == []


def test_upgrade_from_previous_schema_keeps_data(empty_app):
    """A database at the first release's schema (0001) upgrades to head without losing rows."""
    with empty_app.app_context():
        upgrade(revision="0001")
        db.session.execute(db.text("INSERT INTO region (name, compliance_target, waiting_norm_weeks, created_at) VALUES ('Oude regio', 0.9, 14, CURRENT_TIMESTAMP)"))
        db.session.commit()
        upgrade()
        assert db.session.execute(db.text("SELECT name FROM region")).scalar_one() == "Oude regio"
    assert _diffs(empty_app) == []


def test_upgrade_from_0002_keeps_search_logs_and_providers(empty_app):
    """The previous release's schema (0002) gains provider/location updated_at and search_log.ref."""
    with empty_app.app_context():
        upgrade(revision="0002")
        db.session.execute(db.text("INSERT INTO provider (name, created_at) VALUES ('Oude aanbieder', CURRENT_TIMESTAMP)"))
        db.session.execute(db.text(
            "INSERT INTO search_log (source, day, need_kind, age_band, result_count, within_radius_count)"
            " VALUES ('web', '2026-11-02', 'code', '12-17', 3, 2)"))
        db.session.commit()
        upgrade()
        assert db.session.execute(db.text("SELECT name, updated_at FROM provider")).one() == ("Oude aanbieder", None)
        assert db.session.execute(db.text("SELECT result_count, ref FROM search_log")).one() == (3, None)
    assert _diffs(empty_app) == []


def test_upgrade_to_0005_knows_when_each_offerings_figures_last_changed(empty_app):
    """Existing offerings get the moment of their latest create/update row, so months of mere
    confirmations show up on the data-quality page right after the upgrade."""
    with empty_app.app_context():
        upgrade(revision="0004")
        for statement in (
            "INSERT INTO region (id, name, compliance_target, waiting_norm_weeks, created_at) VALUES (1, 'R', 0.9, 14, CURRENT_TIMESTAMP)",
            "INSERT INTO product (id, region_id, code, name, category, segment, form, description, keywords)"
            " VALUES (1, 1, '43A10', 'Gezinshuis', '43', 2, 'wonen', '', '')",
            "INSERT INTO provider (id, name, created_at) VALUES (1, 'Oud BV', CURRENT_TIMESTAMP)",
            "INSERT INTO location (id, provider_id, name, lat, lon) VALUES (1, 1, 'Huis', 51.5, 5.6)",
            "INSERT INTO offering (id, provider_id, location_id, product_id, intake_status, age_min, age_max, target_groups, note,"
            " unusual_confirmed, stale, version) VALUES (1, 1, 1, 1, 'open', 0, 18, '', '', false, false, 1)",
        ):
            db.session.execute(db.text(statement))
        for kind, moment in (("create", "2026-01-05 10:00:00"), ("update", "2026-02-05 10:00:00"), ("confirm", "2026-03-05 10:00:00")):
            db.session.execute(db.text("INSERT INTO offering_change (offering_id, changed_at, author, via, kind, unusual_confirmed)"
                                       " VALUES (1, :at, 'a', 'form', :kind, false)"), {"at": moment, "kind": kind})
        db.session.commit()
        upgrade()
        from beschikbaarheid.models import Offering

        assert db.session.get(Offering, 1).values_changed_at.strftime("%Y-%m-%d %H:%M") == "2026-02-05 10:00"
    assert _diffs(empty_app) == []
