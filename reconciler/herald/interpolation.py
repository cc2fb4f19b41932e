"""Vector's environment interpolation: which `${VAR}`s a string uses.

Vector replaces `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and `${VAR?message}`
in the config text before parsing it, and `$$` stands for a literal `$`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

# `$$`, or a reference: group 1 the braced name (group 2 its default/error operator), group 3 a bare name.
VARIABLE_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z0-9_.]+)(?:(:?-|:?\?)[^}]*)?\}|\$([A-Za-z0-9_.]+)")
_WHOLE_REFERENCE = re.compile(r"^\$\{([A-Za-z0-9_.]+)\}$")


@dataclass(frozen=True, slots=True)
class VarReference:
    name: str
    has_default: bool  # `${VAR:-x}` still works when VAR is unset


def references(text: str) -> Iterator[VarReference]:
    if "$" not in text:
        return
    for match in VARIABLE_REFERENCE.finditer(text):
        if match.group(0) == "$$":
            continue
        name = match.group(1) or match.group(3)
        yield VarReference(name, (match.group(2) or "").endswith("-"))


def has_reference(value: Any) -> bool:
    return isinstance(value, str) and any(True for _ in references(value))


def sole_reference(text: str) -> str | None:
    """The variable when the whole string is exactly `${VAR}`."""
    match = _WHOLE_REFERENCE.match(text)
    return match.group(1) if match else None


def strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string inside a value (keys excluded), with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """`value` with each `${VAR}` replaced from `values`; a string that is only `${VAR}` becomes the YAML
    scalar the value spells (so `${PORT}` with "9000" becomes the integer 9000, as Vector would read it)."""
    if isinstance(value, Mapping):
        return {k: substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    whole = sole_reference(value)
    if whole is not None and whole in values:
        return yaml.safe_load(values[whole]) if values[whole] else ""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return values.get(match.group(1) or match.group(3), match.group(0))

    return VARIABLE_REFERENCE.sub(replace, value)
