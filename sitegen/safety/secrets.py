"""Secrets a document may hold by mistake or by design, kept off every page.

A URL's password is hidden wherever a URL appears in any text; a value under a key that names a secret is
replaced unless it is only a `${VAR}` reference to one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.passwords import HIDDEN, shown_url

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`]+")
_SECRET_KEY = re.compile(r"pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential", re.I)
_REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")


def scrub_text(text: str) -> str:
    """`text` with the password of every URL in it hidden."""
    if "://" not in text:  # the common case, on every string of every page
        return text
    return _URL.sub(lambda match: shown_url(match.group(0)), text)


def redact(value: Any, key: str = "") -> Any:
    """A copy of document data fit to show: secret-named values hidden, URL passwords hidden."""
    if isinstance(value, Mapping):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, key) for v in value]
    if _SECRET_KEY.search(key) and not (isinstance(value, str) and _REFERENCE.match(value)):
        return HIDDEN if value not in (None, "", True, False) else value
    return scrub_text(value) if isinstance(value, str) else value
