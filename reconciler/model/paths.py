"""File names as data: a path with control characters is refused before anything reads it.

A newline in a file name would end a CODEOWNERS pattern (or any line-based listing) and start a line of the
author's choosing; tabs, other C0/C1 controls and DEL hide or rewrite what a reviewer sees.
"""

from __future__ import annotations

import re

from reconciler.model import Diagnostic, Location, error, rules

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control_characters(path: str) -> bool:
    return _CONTROL.search(path) is not None


def printable(path: str) -> str:
    """The path with its control characters escaped, safe to print on one line."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], path)


def control_character_finding(path: str) -> Diagnostic:
    return error(
        "the path holds control characters (newline, tab, C0/C1 or DEL); rename the file",
        Location(printable(path)),
        rule=rules.PATH_CHARACTERS,
    )
