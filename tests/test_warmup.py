"""Worker warm-up (beschikbaarheid/warmup.py): after it, a search page compiles nothing and builds
no index; it writes nothing; and a failure does not stop the worker."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from jinja2 import Environment

from beschikbaarheid.extensions import db
from beschikbaarheid.models import SearchLog
from beschikbaarheid.search import service
from beschikbaarheid.warmup import SEARCH_TEMPLATES, template_tree, warm_up
from tests.test_search_views import HTMX, SEARCH, build_world


@pytest.fixture
def compiles(monkeypatch):
    """The names of the templates Jinja compiles from here on."""
    seen: list[str] = []
    original = Environment.compile

    def counting(self, source, name=None, *args, **kwargs):
        seen.append(name)
        return original(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting)
    return seen


def test_template_tree_follows_extends_and_includes(app):
    names = template_tree(app.jinja_env, SEARCH_TEMPLATES)
    assert names[: len(SEARCH_TEMPLATES)] == list(SEARCH_TEMPLATES)
    assert "base.html" in names  # search/index.html extends it
    assert len(names) == len(set(names))


def test_after_warm_up_search_pages_compile_nothing_and_reuse_the_index(app, client, compiles, monkeypatch):
    with app.app_context():
        build_world()
    done = warm_up(app)
    assert done is not None and done["offerings"] > 0 and done["needs_matched"] > 0
    assert set(done["templates"]) == set(app.config["LANGUAGES"])
    assert compiles, "warm-up compiled the search templates"
    compiles.clear()
    with app.app_context():
        warmed_index = service.get_index()
        # The catalogue's own labels are matched already: the memo answers without matching again.
        label = next(iter(warmed_index.catalogues.values()))[0].label
        assert warmed_index.memo.get(("need", next(iter(warmed_index.catalogues)), label, None)) is not None

    builds = []
    monkeypatch.setattr(service, "build_index", lambda *a, **k: builds.append(1) or pytest.fail("index rebuilt"))
    for url in (SEARCH, SEARCH + "&lang=en", SEARCH + "&lang=nl"):
        assert client.get(url).status_code == 200
        assert client.get(url, headers=HTMX).status_code == 200
    assert compiles == [] and builds == []


def test_without_warm_up_the_first_search_compiles(app, client, compiles):
    """The counterpart: the fixture does see compiles, so the test above can fail."""
    with app.app_context():
        build_world()
    assert client.get(SEARCH).status_code == 200
    assert "search/index.html" in compiles


def test_warm_up_writes_nothing(app):
    with app.app_context():
        build_world()
        before = db.session.scalar(sa.select(sa.func.count()).select_from(SearchLog))
        db.session.remove()
    assert warm_up(app) is not None
    from beschikbaarheid.search.log_writer import writer_for

    writer_for(app).close()  # anything a search would have queued reaches the database now
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchLog)) == before


def test_a_failed_warm_up_is_logged_and_the_app_still_serves(app, client, monkeypatch, caplog):
    with app.app_context():
        build_world()
    real_get_index = service.get_index

    def unreachable():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(service, "get_index", unreachable)
    with caplog.at_level(logging.WARNING, logger="beschikbaarheid.warmup"):
        assert warm_up(app) is None
    assert "warm-up failed" in caplog.text
    monkeypatch.setattr(service, "get_index", real_get_index)  # the database is back
    page = client.get(SEARCH)
    assert page.status_code == 200 and "De Linde" in page.get_data(as_text=True)
