"""Browser fixtures: the demo region served on loopback (once per module), pages in fresh browser
contexts, and an axe checker for the served site."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from beschikbaarheid import ROOT, create_app
from beschikbaarheid.extensions import db
from tests.browser.support import DEMO_PASSWORD, Checker
from tests.plugins.smtp import free_port


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo region served on loopback; yields the base URL, the app and a few ids."""
    from beschikbaarheid.demo import load_demo
    from beschikbaarheid.models import Offering, Provider, User

    path = tmp_path_factory.mktemp("a11y") / "demo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "DEMO_PASSWORD": DEMO_PASSWORD,
                      "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations")}, env="test")
    with app.app_context():
        db.create_all()
        load_demo()
        provider_user = db.session.scalar(db.select(User).where(User.email == "aanbieder-delinde@demo.example"))
        offerings = db.session.scalars(
            db.select(Offering).where(Offering.provider_id == provider_user.provider_id).order_by(Offering.id)
        ).all()
        provider = db.session.get(Provider, provider_user.provider_id)
        ids = SimpleNamespace(provider=provider.id, offerings=[o.id for o in offerings])
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app, ids=ids)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts = []

    def _new(**options):
        context = browser.new_context(locale="nl-NL", **options)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def checker(site):
    return Checker(site.url)
