"""Translating texts written in Python: Dutch msgids, in the user's language during a request.

Flask-Babel's gettext asks the locale selector, which reads the request. Code that also runs in the
scheduler, the CLI and unit tests (form parsing, search messages, labels) uses these wrappers: in a
request they translate, elsewhere they give the Dutch text. Fixed labels defined at import time are
marked with `N_` (extracted by pybabel, translated where they are shown).
"""
from __future__ import annotations

import threading
import weakref

from flask import g, has_app_context, has_request_context
from flask.templating import Environment
from flask_babel import get_locale, get_translations
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


# --- translating fixed template texts when a template is compiled ------------------------------

_FOLDABLE = {"_": 1, "gettext": 1, "pgettext": 2}  # the template callables and their argument count


class _FoldConstantTexts:
    """Replace ``_('fixed text')`` (and gettext/pgettext with only literal arguments) in a parsed
    template by its translation, marked safe when autoescaping, exactly what the runtime callables of
    install_template_gettext return: the translation is trusted markup and is always ``%``-formatted,
    so a text is folded only when that formatting has nothing to fill in (no ``%`` but ``%%``).
    Calls with variables, and every call in a template that binds one of these names itself (set,
    macro argument, loop variable, import), stay runtime calls.
    """

    def __init__(self, translations):
        self.translations = translations

    def apply(self, tree):
        from jinja2 import nodes

        bound = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        for imported in tree.find_all((nodes.FromImport, nodes.Import)):
            if isinstance(imported, nodes.Import):
                bound.add(imported.target)
            else:
                bound.update(n[1] if isinstance(n, tuple) else n for n in imported.names)
        names = {name for name in _FOLDABLE if name not in bound}
        if names:
            self._visit(tree, names, nodes)
        return tree

    def _visit(self, node, names, nodes):
        # Under `~` Jinja's compile-time folding turns the parts into plain strings (and would then
        # escape a translation's markup), so calls directly inside a Concat stay runtime calls.
        foldable = not isinstance(node, nodes.Concat)
        for field, value in node.iter_fields():
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, nodes.Node):
                        value[i] = self._fold(child, names, nodes, foldable)
            elif isinstance(value, nodes.Node):
                setattr(node, field, self._fold(value, names, nodes, foldable))

    def _fold(self, node, names, nodes, foldable=True):
        self._visit(node, names, nodes)
        if not (foldable and isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in names):
            return node
        args = node.args
        if (node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None
                or len(args) != _FOLDABLE[node.node.name]
                or not all(isinstance(a, nodes.Const) and isinstance(a.value, str) for a in args)):
            return node
        if node.node.name == "pgettext":
            text = self.translations.upgettext(args[0].value, args[1].value)
        else:
            text = self.translations.ugettext(args[0].value)
        if "%" in text.replace("%%", ""):
            return node
        folded = nodes.MarkSafeIfAutoescape(nodes.Const(text.replace("%%", "%"), lineno=node.lineno), lineno=node.lineno)
        folded.set_environment(node.environment)
        return folded


class LocalisedEnvironment(Environment):
    """Flask's Jinja environment, compiling each template once per catalogue with its fixed texts
    already translated (see _FoldConstantTexts).

    A page has some 50 fixed texts; as runtime calls each cost a template call, a catalogue lookup,
    a Markup and an escape, and they split the static HTML around them into separate pieces. Folded,
    the text becomes part of the template's static HTML. The template cache key includes the
    catalogue of the current context (one per language), so Dutch and English pages each get their
    own compiled template. Without an app context (or with a bytecode cache, which is keyed by name
    only) templates compile as usual, and so do `from_string` templates. This overrides Jinja's
    internal ``_load_template`` (Jinja 3.1, pinned in pyproject.toml); tests compare folded and
    runtime rendering in both languages.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._compiling = threading.local()
        self._catalogues: dict[int, object] = {}  # keeps the catalogues in the cache keys alive

    def _load_template(self, name, globals):
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        translations = _context_translations() if has_app_context() and self.bytecode_cache is None else None
        catalogue = id(translations) if translations is not None else None
        cache_key = (weakref.ref(self.loader), name, catalogue)
        if self.cache is not None:
            template = self.cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template
        if translations is not None:
            self._catalogues.setdefault(catalogue, translations)
        previous = getattr(self._compiling, "translations", None)
        self._compiling.translations = translations
        try:
            template = self.loader.load(self, name, self.make_globals(globals))
        finally:
            self._compiling.translations = previous
        if self.cache is not None:
            self.cache[cache_key] = template
        return template

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        translations = getattr(self._compiling, "translations", None)
        return _FoldConstantTexts(translations).apply(tree) if translations is not None else tree
