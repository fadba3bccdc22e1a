"""Fixed template texts translated when a template is compiled (i18n.LocalisedEnvironment).

The folded template must render exactly what the runtime ``_()`` callables render, in both
languages, with and without autoescaping; calls that need the runtime stay calls.
"""
from __future__ import annotations

import pytest
from jinja2 import DictLoader

from beschikbaarheid.i18n import LocalisedEnvironment, _FoldConstantTexts
from tests.test_i18n_pages import app, compiled_translations  # noqa: F401 - fixtures: the app with the compiled catalogue

SOURCES = {
    "plain": "<h1>{{ _('Zoek een plek in de jeugdhulp') }}</h1><a>{{ _('Naar de inhoud') }}</a>",
    "attribute": '<nav aria-label="{{ _(\'Hoofdmenu\') }}">{{ gettext("Zoeken") }}</nav>',
    "context": "<html lang=\"{{ pgettext('html lang attribute: the language code of this translation', 'nl') }}\">",
    "percent_and_markup": "{{ _('Tekst met 100%% en <b>vet</b>') }}|{{ _('Zoeken') }}",
    "variables": "{{ _('U noemde %(groups)s. Aanbod dat daarop gericht is, scoort hoger.', groups='<ASS>') }}",
    "concat": "{{ _('Tekst met <b>vet</b>') ~ '<i>' ~ _('Zoeken') }}",
    "set_and_filter": "{% set t = _('Zoeken') %}{{ t }}|{{ t|upper }}|{{ [_('Zoeken'), _('Hoofdmenu')]|join(', ') }}",
    "condition": "{{ _('Zoeken') if flag else _('Hoofdmenu') }}",
    "shadowed": "{% set _ = gettext %}{{ _('Zoeken') }}",
    "macro_param": "{% macro m(gettext) %}{{ gettext('Zoeken') }}{% endmacro %}{{ m(_) }}",
    "ngettext": "{{ ngettext('%(num)d week', '%(num)d weken', n) }}",
}


def _environment(app, autoescape: bool):
    names = {f"{key}.{'html' if autoescape else 'txt'}": source for key, source in SOURCES.items()}
    env = LocalisedEnvironment(app, loader=DictLoader(names), autoescape=autoescape)
    env.globals.update({k: app.jinja_env.globals[k] for k in ("_", "gettext", "ngettext", "pgettext", "npgettext")})
    return env, names


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_folded_templates_render_what_the_runtime_calls_render(app, lang, autoescape):  # noqa: F811
    env, names = _environment(app, autoescape)
    with app.test_request_context(f"/?lang={lang}"):
        for name, source in names.items():
            for flag in (True, False):
                folded = env.get_template(name).render(flag=flag, n=3)
                runtime = env.from_string(source).render(flag=flag, n=3)  # from_string is never folded
                assert folded == runtime, (name, lang, autoescape)
        if lang == "en":
            assert env.get_template(next(iter(names))).render().startswith("<h1>Find a place in youth care</h1>")


def test_fixed_texts_become_static_html_and_the_rest_stays_a_call(app):  # noqa: F811
    env, _names = _environment(app, True)
    with app.test_request_context("/?lang=en"):
        from flask_babel import get_translations

        def code(key):
            return env.compile(_FoldConstantTexts(get_translations()).apply(env.parse(SOURCES[key])), raw=True)

        plain = code("plain")
        assert "Find a place in youth care" in plain and "Skip to content" in plain and "context.call" not in plain
        assert "100% en <b>vet</b>" in code("percent_and_markup")
        assert "context.call" in code("variables")  # %(groups)s is filled in at run time
        assert "context.call" in code("ngettext")
        assert "context.call" in code("shadowed") and "Search" not in code("shadowed")
        assert "context.call" in code("concat")


def test_each_language_compiles_its_own_template_once(app):  # noqa: F811
    env, _names = _environment(app, True)
    with app.test_request_context("/?lang=nl"):
        dutch = env.get_template("plain.html")
        assert env.get_template("plain.html") is dutch
    with app.test_request_context("/?lang=en"):
        english = env.get_template("plain.html")
        assert english is not dutch and "Find a place" in english.render()
    with app.test_request_context("/"):
        assert env.get_template("plain.html") is dutch and "Zoek een plek" in dutch.render()
    with app.app_context():  # no request: the default (Dutch) catalogue, compiled like any other
        assert "Zoek een plek" in env.get_template("plain.html").render()


def test_the_app_uses_the_localised_environment_and_alternates_languages(client):
    for lang, heading in (("nl", "Zoek een plek in de jeugdhulp"), ("en", "Find a place in youth care"), ("nl", "Zoek een plek in de jeugdhulp")):
        html = client.get(f"/zoeken/?lang={lang}").get_data(as_text=True)
        assert f"<h1>{heading}</h1>" in html and f'<html lang="{lang}">' in html
    assert isinstance(client.application.jinja_env, LocalisedEnvironment)
