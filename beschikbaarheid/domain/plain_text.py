"""Text as people type it and as spreadsheets read it: control characters and formula-like cells.

Pure Python, no Flask. One definition of each rule, used by the forms, the register import and
every export:

- Control characters (Unicode category Cc: C0, DEL and C1) are refused where text comes in; only
  tab and line breaks are allowed, and only in multi-line fields. Nobody types them; they break
  XLSX files (openpyxl refuses them) and reach terminals raw (an escape sequence in a provider name
  could rewrite an operator's screen). Exports strip them as a second line of defence, for rows
  stored by older versions.
- Spreadsheet formulas: a cell that starts with =, +, -, @, tab or carriage return is run as a
  formula by Excel and LibreOffice. Dutch Excel splits a CSV line on ';' (its list separator), so
  every ';'-separated part of a cell is a cell start too: `X;=1+1` is a formula there. Such starts
  get an apostrophe (the spreadsheet convention for "this is text"), in each part. `restore_formula`
  undoes exactly that, so a register export imports back unchanged.
"""
from __future__ import annotations

import re
import unicodedata

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MULTILINE_ALLOWED = frozenset("\t\n\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def is_control(char: str) -> bool:
    """True for a control character (Unicode category Cc)."""
    return unicodedata.category(char) == "Cc"


def has_control_characters(text: str | None, *, multiline: bool = False) -> bool:
    """True when `text` holds a control character that the field does not allow.

    A multi-line field allows tab, line feed and carriage return; a single-line field none at all.
    """
    if not text:
        return False
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return any(ch not in allowed for ch in _CONTROL.findall(text))


def strip_control(text: str, *, keep: str = "\t\n\r") -> str:
    """`text` without control characters, except those in `keep` (export: tab and line breaks stay)."""
    return _CONTROL.sub(lambda m: m.group(0) if m.group(0) in keep else "", text)


def _starts_formula(part: str) -> bool:
    """True when a spreadsheet would read this cell start as a formula (or it is an escaped one)."""
    head = part.lstrip(' "')
    return head.startswith(FORMULA_START) or (part.startswith("'") and _starts_formula(part[1:]))


def neutralise_formula(text: str) -> str:
    """Prefix every ';'-separated part of `text` that a spreadsheet would run as a formula with an apostrophe.

    Parts that already start with an apostrophe followed by a formula start get one more, so that
    `restore_formula` gives back exactly the original text.
    """
    if not text:
        return text
    return ";".join("'" + part if _starts_formula(part) else part for part in text.split(";"))


def restore_formula(text: str) -> str:
    """Undo `neutralise_formula`: drop the apostrophe it put before a formula-like part."""
    if not text or "'" not in text:
        return text
    return ";".join(part[1:] if part.startswith("'") and _starts_formula(part[1:]) else part for part in text.split(";"))


def export_text(text: str) -> str:
    """A text cell for a CSV opened in a spreadsheet: control characters stripped, formulas neutralised."""
    return neutralise_formula(strip_control(text))
