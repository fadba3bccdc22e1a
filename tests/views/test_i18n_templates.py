"""Every text a user reads in a template goes through Flask-Babel: a scanner for literal text.

A heuristic, kept simple on purpose: drop Jinja comments, expressions and statements, parse what is
left as HTML, and report every text node (and every title, alt, aria-label, placeholder or value of
a button) that still holds a word. What is allowed is listed below, each with its reason.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from beschikbaarheid import ROOT

TEMPLATES = ROOT / "templates"

# Words that are the same in every language of the app (units, names of formats and languages).
ALLOWED_WORDS = {"km", "CSV", "Excel", "API", "demo", "English", "Nederlands", "P90"}

# Whole files not (yet) translated, with the reason. Keep this list short and honest.
UNTRANSLATED_FILES = {
    # Sent by the scheduler outside any request, where Flask-Babel's locale selector (web.py) cannot
    # run yet; always Dutch, as providers have no language setting. See the i18n report.
    "email/reminder.html",
    "email/reminder.txt",
    "email/feedback.html",  # the daily "Klopt dit niet?" mail: sent by the scheduler too
    "email/feedback.txt",
    "email/alert.html",  # the daily plek-alert mail: sent by the scheduler too
    "email/alert.txt",
}

VISIBLE_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (what to report, the words to check)
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and value.strip() and (name in VISIBLE_ATTRIBUTES or (name == "value" and attrs.get("type") in ("submit", "button", "reset"))):
                self.found.append((f'{name}="{value.strip()}"', value))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            text = " ".join(data.split())
            self.found.append((text, text))


def literal_texts(source: str) -> list[str]:
    """Texts in a template outside {{ }}, {% %} and {# #} that contain a word not in ALLOWED_WORDS."""
    parser = _TextCollector()
    parser.feed(JINJA.sub(" ", source))
    parser.close()
    return [shown for shown, text in parser.found if any(w not in ALLOWED_WORDS for w in WORD.findall(text))]


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def test_the_scanner_finds_literal_text_and_ignores_translated_text():
    source = """{# een commentaar #}<h1>{{ _('Zoeken') }}</h1><p>Nog niet vertaald</p>
      <a title="Uitleg" href="{{ url }}">{{ _('Meer') }}</a> <span>{{ r.km }} km</span>
      <input type="submit" value="Verstuur"><input type="hidden" value="geheim">
      {% if x %}<em>{% endif %} 12 / 100 <script>var tekst = 'geen UI';</script>"""
    assert literal_texts(source) == ["Nog niet vertaald", 'title="Uitleg"', 'value="Verstuur"']


def test_every_template_is_scanned():
    names = {p.relative_to(TEMPLATES).as_posix() for p in template_files()}
    assert {"base.html", "index.html", "search/index.html", "auth/reset_mail.txt"} <= names
    assert UNTRANSLATED_FILES <= names, "a whitelisted file no longer exists: drop it from the list"


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_template_has_no_untranslated_text(path):
    name = path.relative_to(TEMPLATES).as_posix()
    found = literal_texts(path.read_text(encoding="utf-8"))
    if name in UNTRANSLATED_FILES:
        assert found, f"{name} is translated now: remove it from UNTRANSLATED_FILES"
        return
    assert not found, f"text outside _() in {name}: {found}"
