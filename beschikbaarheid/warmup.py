"""Warm a new web worker before it takes requests: the work every first search would otherwise do.

A gunicorn worker starts cold. Its first search page compiles the search templates (once per
language, with the fixed texts folded in: see i18n.LocalisedEnvironment), builds the search index
and the place resolver from the database, and matches the typed need against the catalogue. On the
demo region that is some hundreds of milliseconds, paid by whichever referrer happens to reach the
new worker first (after every deploy or restart, once per worker), and under load those first
requests queue behind it.

`warm_up(app)` does that work up front (config/gunicorn.conf.py calls it in `post_worker_init`,
before the worker accepts connections):

1. builds the search index and the place resolver (service.get_index, places.place_index);
2. matches every catalogue product's label ("43A10 Gezinshuis", what the search form's product
   list sends), name and code in each region, so those need matches are in the index memo;
3. compiles the search page's templates, and every template they include, extend or import, in
   every configured language.

It renders nothing, runs no search and writes nothing: no search is logged, no session is saved.
A failure (PostgreSQL unreachable at boot, say) is logged and the worker starts anyway: it then
does the same work lazily on its first requests, exactly as without warm-up.
"""
from __future__ import annotations

import logging
import time

from flask import Flask
from jinja2 import meta

log = logging.getLogger(__name__)

# The templates of the hot path; their includes, imports and parents are followed.
SEARCH_TEMPLATES = ("search/index.html", "search/_results.html")


def template_tree(env, names: tuple[str, ...]) -> list[str]:
    """`names` and every template they reference with a literal name, transitively, in a stable order."""
    seen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        source = env.loader.get_source(env, name)[0]
        todo.extend(ref for ref in meta.find_referenced_templates(env.parse(source)) if ref is not None)
    return seen


def _compile_templates(app: Flask) -> dict[str, int]:
    """Compile the search templates for every language (each request context selects its catalogue)."""
    names = template_tree(app.jinja_env, SEARCH_TEMPLATES)
    compiled = {}
    for lang in app.config["LANGUAGES"]:
        # ?lang= is how select_locale chooses a language; the test request context is never sent.
        with app.test_request_context(f"/zoeken/?lang={lang}"):
            for name in names:
                app.jinja_env.get_template(name)
        compiled[lang] = len(names)
    return compiled


def _match_catalogue_needs(index) -> int:
    """Match each region's product labels, names and codes, so the index memo holds them."""
    from beschikbaarheid.domain.matching import NeedNotFound
    from beschikbaarheid.search import service

    matched = 0
    for region_id, products in index.catalogues.items():
        for product in products:
            for text in dict.fromkeys((product.label, product.name, product.code)):
                try:
                    service._match_need(index, region_id, text, None)
                except NeedNotFound:
                    pass  # an ambiguous code or name: the memo keeps that answer too
                matched += 1
    return matched


def warm_up(app: Flask) -> dict | None:
    """Do the search page's first-request work now; returns what was done (the caller reports it),
    or None after a failure (logged here, with its traceback)."""
    started = time.perf_counter()
    try:
        with app.app_context():
            from beschikbaarheid.extensions import db
            from beschikbaarheid.places import place_index
            from beschikbaarheid.search import service

            index = service.get_index()
            place_index()
            needs = _match_catalogue_needs(index)
            db.session.remove()  # give the connection back to the pool before the worker serves
        templates = _compile_templates(app)
    except Exception:  # noqa: BLE001 - warm-up is an optimisation; the worker must start regardless
        log.warning("warm-up failed; this worker builds its caches on its first requests instead", exc_info=True)
        return None
    return {
        "offerings": index.size,
        "needs_matched": needs,
        "templates": templates,
        "ms": round((time.perf_counter() - started) * 1000.0, 1),
    }
