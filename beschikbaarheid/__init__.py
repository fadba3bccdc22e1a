"""The Beschikbaarheidswijzer: where referrers find a free place in contracted youth care."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, env: str | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI. Nothing else happens here."""
    from config import load_config

    from beschikbaarheid import auth, cli, web
    from beschikbaarheid.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(load_config(env, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=lambda: "Europe/Amsterdam")
    login_manager.init_app(app)
    auth.init_login(login_manager)
    auth.init_app(app)

    # Blueprints whose pages live in several modules: each module adds its routes when imported.
    from beschikbaarheid.aanbieder import contacts as _provider_contacts, gezinshuis as _provider_gezinshuis  # noqa: F401
    from beschikbaarheid.alerts.views import bp as alerts_bp
    from beschikbaarheid.aanbieder.colleagues import bp as colleagues_bp
    from beschikbaarheid.aanbieder.views import bp as aanbieder_bp
    from beschikbaarheid.beheer import catalogue as _catalogue_pages, register as _register_pages  # noqa: F401
    from beschikbaarheid.api.views import bp as api_bp
    from beschikbaarheid.beheer.audit import bp as beheer_audit_bp
    from beschikbaarheid.beheer.users import bp as beheer_users_bp
    from beschikbaarheid.beheer.views import bp as beheer_bp
    from beschikbaarheid.contract.views import bp as contract_bp
    from beschikbaarheid.gezinshuis import overview as _gezinshuis_overview, requests as _gezinshuis_requests  # noqa: F401
    from beschikbaarheid.gezinshuis.access import bp as gezinshuis_bp
    from beschikbaarheid.search.views import bp as search_bp

    app.register_blueprint(web.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(aanbieder_bp)
    app.register_blueprint(colleagues_bp)
    app.register_blueprint(contract_bp)
    app.register_blueprint(gezinshuis_bp)
    app.register_blueprint(beheer_bp)
    app.register_blueprint(beheer_users_bp)
    app.register_blueprint(beheer_audit_bp)
    app.register_blueprint(api_bp)
    web.init_app(app)
    cli.init_app(app)
    return app
