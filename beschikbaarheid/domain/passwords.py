"""Which passwords are too common to accept: a bundled list (no network), checked case-insensitively.

A password is refused when it is on the list, when what is left after stripping digits and
punctuation from both ends is on the list ("Welkom2024!" is "welkom"), or when it repeats a few
characters ("aaaaaaaaaaaa", "abcabcabcabc").
"""
from __future__ import annotations

import functools
import string
from importlib import resources

_EDGES = string.digits + string.punctuation + " "
MIN_DISTINCT_CHARACTERS = 5


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list (`common_passwords.txt` beside this module), read once."""
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def is_too_common(password: str) -> bool:
    """True when the password is (a common word dressed up as) one of the most common passwords."""
    lowered = (password or "").lower()
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        return True
    known = common_passwords()
    core = lowered.strip(_EDGES)
    return lowered in known or (len(core) >= 4 and core in known)
