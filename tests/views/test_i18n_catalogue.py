"""The translation catalogue: extracted from the current sources, complete in English, and sound.

translations/messages.pot and translations/en/LC_MESSAGES/messages.po are source files; the
compiled messages.mo is a build product (`pybabel compile -d translations`).
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from beschikbaarheid import ROOT

POT = ROOT / "translations" / "messages.pot"
PO_EN = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PYBABEL = Path(sys.executable).with_name("pybabel")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
LONE_PERCENT = re.compile(r"%(?!\(\w+\)[sd]|%)")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _key(message):
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, msgid)


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


@pytest.fixture(scope="module")
def pot():
    return _read(POT)


@pytest.fixture(scope="module")
def english():
    return _read(PO_EN)


def test_the_template_is_up_to_date_with_the_sources(tmp_path):
    """Every _() in the code and templates is in messages.pot: re-extract and compare."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [str(PYBABEL), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(fresh), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    now = {_key(m) for m in _read(fresh) if m.id}
    committed = {_key(m) for m in _read(POT) if m.id}
    assert not now - committed, f"new texts not in messages.pot (run the extract step): {sorted(now - committed)[:10]}"
    assert not committed - now, f"messages.pot has texts no longer in the sources: {sorted(committed - now)[:10]}"


def test_every_message_has_an_english_translation(pot, english):
    translated = {_key(m): m for m in english if m.id}
    missing = [k for k in (_key(m) for m in pot if m.id) if k not in translated or not all(_forms(translated[k].string))]
    fuzzy = [_key(m) for m in english if m.id and m.fuzzy]
    assert not missing, f"{len(missing)} texts without English: {missing[:10]}"
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:10]}"


def test_translations_keep_their_placeholders(english):
    problems = []
    for m in english:
        if not m.id:
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(_forms(m.id))))
        for form in _forms(m.string):
            if set(PLACEHOLDER.findall(form)) - wanted - {"num"} or wanted - set(PLACEHOLDER.findall(form)) - {"num"}:
                problems.append((m.id, form))
            # A literal % is written %% in the msgid (Jinja always %-formats); the translation must follow.
            if bool(LONE_PERCENT.search(form)) != bool(LONE_PERCENT.search(" ".join(_forms(m.id)))):
                problems.append((m.id, form))
    assert not problems, problems[:10]
    assert not list(english.check()), list(english.check())[:5]


def test_the_english_catalogue_compiles_and_is_really_english(english):
    buffer = io.BytesIO()
    write_mo(buffer, english)
    assert buffer.tell() > 10_000
    messages = [m for m in english if m.id]
    same = [m.id for m in messages if _forms(m.string) == _forms(m.id)]
    # Names, codes and loan words ("Status", "Trauma", "Website", "P90") may stay the same; little else.
    assert len(same) <= len(messages) * 0.05, same
    assert len(messages) > 600
    by_id = {m.id: m.string for m in messages}
    assert by_id["Waar is plek in de jeugdhulp?"] == "Where is there a place in youth care?"
    assert by_id["Vul de leeftijd in als een heel getal, bijvoorbeeld 12."] == "Enter the age as a whole number, for example 12."
    assert english.plural_forms == "nplurals=2; plural=(n != 1);"


def test_python_texts_are_dutch_outside_a_request():
    """Jobs, the CLI and unit tests have no request: Flask-Babel gives the Dutch text, values filled in."""
    from flask_babel import gettext, ngettext

    from beschikbaarheid.models import INTAKE_STATUSES

    assert gettext("De leeftijd moet tussen 0 en %(n)d jaar liggen.", n=27) == "De leeftijd moet tussen 0 en 27 jaar liggen."
    assert ngettext("%(num)d week", "%(num)d weken", 3) == "3 weken"
    assert str(INTAKE_STATUSES["gesloten"]) == "Aanmeldstop"
