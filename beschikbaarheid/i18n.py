"""Translating texts written in Python: Dutch msgids, in the user's language during a request.

Flask-Babel's gettext asks the locale selector, which reads the request. Code that also runs in the
scheduler, the CLI and unit tests (form parsing, search messages, labels) uses these wrappers: in a
request they translate, elsewhere they give the Dutch text. Fixed labels defined at import time are
marked with `N_` (extracted by pybabel, translated where they are shown).
"""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import get_translations
from flask_babel import gettext as _babel_gettext
from flask_babel import ngettext as _babel_ngettext


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a Dutch text for extraction only; it is translated where it is shown."""
    return text


def gettext(text: str, **values) -> str:
    """`text` in the request's language (Dutch outside a request), with %(name)s values filled in."""
    if has_request_context():
        return _babel_gettext(text, **values)
    return text % values if values else text


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """Singular or plural by `num` (available as %(num)d), translated like `gettext`."""
    if has_request_context():
        return _babel_ngettext(singular, plural, num, **values)
    return (singular if num == 1 else plural) % {"num": num, **values}


def per_locale(cache: dict, build):
    """`build()` once per locale of the current request (Dutch outside one), kept in `cache`.

    For texts that are fixed while the app runs (labels, a page's static phrases): the result is
    shared by all requests in that language, so callers must treat it as read-only.
    """
    from flask_babel import get_locale

    locale = str(get_locale()) if has_request_context() else None
    found = cache.get(locale)
    if found is None:
        found = cache[locale] = build()
    return found


def nl_number(value: float | None, digits: int = 1) -> str:
    """1234.5 -> '1.234,5' (Dutch notation; also the template filter `nl_number`)."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def translated(labels: dict) -> dict:
    """A label dictionary (code -> Dutch label marked with N_) in the request's language."""
    return {code: gettext(label) for code, label in labels.items()}


_ = gettext


def _context_translations():
    """The catalogue of this request (or app context), looked up once and kept on `g`."""
    try:
        return g._bw_translations
    except AttributeError:
        found = g._bw_translations = get_translations()
        return found


def install_template_gettext(app) -> None:
    """Let templates translate through the context's catalogue directly, in one template call.

    Flask-Babel's template callables resolve the locale and the domain again for every text (a page
    has some 50), and Jinja's newstyle wrappers around them make each ``_()`` three template calls
    (the alias, the wrapper, the callable). These do exactly what the newstyle wrappers do (escape
    the translation when autoescaping, then always ``%``-format with the variables, ``num`` and
    ``context`` included) with the catalogue looked up once per request. The locale is fixed per
    request (select_locale); nothing in the app switches it half-way (no force_locale).
    """
    from jinja2 import pass_eval_context
    from markupsafe import Markup

    def finish(eval_ctx, rv: str, variables: dict):
        return (Markup(rv) if eval_ctx.autoescape else rv) % variables

    @pass_eval_context
    def gettext_(eval_ctx, string, **variables):
        return finish(eval_ctx, _context_translations().ugettext(string), variables)

    @pass_eval_context
    def ngettext_(eval_ctx, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return finish(eval_ctx, _context_translations().ungettext(singular, plural, num), variables)

    @pass_eval_context
    def pgettext_(eval_ctx, context, string, **variables):
        variables.setdefault("context", context)
        return finish(eval_ctx, _context_translations().upgettext(context, string), variables)

    @pass_eval_context
    def npgettext_(eval_ctx, context, singular, plural, num, **variables):
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        return finish(eval_ctx, _context_translations().unpgettext(context, singular, plural, num), variables)

    app.jinja_env.globals.update(_=gettext_, gettext=gettext_, ngettext=ngettext_, pgettext=pgettext_, npgettext=npgettext_)
