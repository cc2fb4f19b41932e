"""What the site publishes of a document: as written, except what could be a secret. Valid documents hold none
(sensitive options are `${VAR}`s backed by Secret references, which keep only the Secret's name and key), but
the site must not depend on that: a password in a URL and a literal in a sensitive option become `***`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.herald.catalog import default_catalog
from reconciler.herald.components import section_components, values_at
from reconciler.herald.interpolation import sole_reference
from reconciler.model.document import Document
from reconciler.passwords import HIDDEN, without_passwords

_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"']+")


def _text_without_passwords(text: str) -> str:
    # A password sits in a URL's user info (after which comes an @) or in a password= parameter; free text
    # (a changelog, a comment) may hold URLs anywhere.
    if "@" not in text and "password" not in text.lower():
        return text
    for url in [text, *_URL_IN_TEXT.findall(text)]:
        text = without_passwords(text, url)
    return text


def without_url_passwords(value: Any) -> Any:
    """A deep copy of a value from a document (plain dicts and lists), with URL passwords hidden."""
    if isinstance(value, str):
        return _text_without_passwords(value)
    if type(value) is dict or isinstance(value, Mapping):  # parsed YAML is dicts: spare the abstract check
        return {key: without_url_passwords(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_url_passwords(item) for item in value]
    return value


def _hide_literals(container: Any, key: str | int) -> None:
    """Replace every literal under container[key] (anything but a lone `${VAR}`) by ***."""
    value = container[key]
    if isinstance(value, dict):
        for inner in value:
            _hide_literals(value, inner)
    elif isinstance(value, list):
        for index in range(len(value)):
            _hide_literals(value, index)
    elif value is not None and not (isinstance(value, str) and sole_reference(value)):
        container[key] = HIDDEN


def _hide_sensitive_options(spec: dict[str, Any]) -> None:
    catalog = default_catalog()
    for component in section_components(spec):
        ctype = catalog.lookup(component.kind, component.type_name)
        if ctype is None or not isinstance(component.body, dict):
            continue
        for option in ctype.sensitive:
            for at, _ in list(values_at(component.body, option)):
                container: Any = component.body
                for step in at[:-1]:
                    container = container[step]
                _hide_literals(container, at[-1])


def published_body(doc: Document) -> dict[str, Any]:
    """A copy of the document's body with URL passwords and literal sensitive options hidden."""
    body = without_url_passwords(doc.body)
    spec = body.get("spec")
    if doc.kind == "Pipeline" and isinstance(spec, Mapping):
        _hide_sensitive_options(spec)  # type: ignore[arg-type]
    return body
