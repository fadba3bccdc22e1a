"""web.template_url_for: the templates' url_for, remembered, never mixing what differs per request."""
from __future__ import annotations

from flask import url_for

from beschikbaarheid import web


def test_remembered_urls_follow_the_script_root_and_options(app):
    web._TEMPLATE_URLS.clear()
    for root in ("", "/wijzer", "", "/ander"):
        with app.test_request_context("/zoeken/", environ_overrides={"SCRIPT_NAME": root}):
            for endpoint, values in (("static", {"filename": "css/app.css"}), ("search.index", {}), ("web.accessibility", {})):
                assert web.template_url_for(endpoint, **values) == url_for(endpoint, **values)
                assert web.template_url_for(endpoint, **values).startswith(root + "/")
            assert web.template_url_for("search.index", _external=True) == url_for("search.index", _external=True)
            assert web.template_url_for("search.index", q=["a", "b"]) == url_for("search.index", q=["a", "b"])
    assert web._TEMPLATE_URLS  # something was remembered


def test_relative_endpoints_are_remembered_per_blueprint(app):
    web._TEMPLATE_URLS.clear()
    with app.test_request_context("/zoeken/"):
        app.preprocess_request()
        assert web.template_url_for(".index") == url_for(".index") == url_for("search.index")
    with app.test_request_context("/toegankelijkheid"):
        app.preprocess_request()
        assert web.template_url_for(".index") == url_for(".index") == url_for("web.index")
