"""Which format a Vector config file is written in, and reading it: TOML (Vector's original), YAML or JSON.

The file name decides when it has a known suffix; otherwise the text does: a JSON object starts with `{`, and a
text with TOML tables (`[sources.app]`) or `key = value` lines that TOML reads is TOML. Everything else is
YAML, which the importer reads itself.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any, Literal

Format = Literal["toml", "yaml", "json"]

_BY_SUFFIX: dict[str, Format] = {".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
_TOML_TABLE = re.compile(r"^[ \t]*\[\[?[ \t]*[A-Za-z0-9_\"'-][^\]\n]*\]\]?[ \t]*(#.*)?$", re.M)
_TOML_PAIR = re.compile(r"^[ \t]*[A-Za-z0-9_\"'.-]+[ \t]*=[ \t]*\S", re.M)


class FormatError(ValueError):
    """The text is not valid in its format; `position` is the (line, column) where, when the parser says."""

    def __init__(self, message: str, position: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.position = position


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def detect_format(text: str, name: str | None = None) -> Format:
    suffix = re.search(r"\.[A-Za-z]+$", name or "")
    if suffix and suffix.group(0).lower() in _BY_SUFFIX:
        return _BY_SUFFIX[suffix.group(0).lower()]
    if text.lstrip().startswith("{"):
        return "json"
    if looks_like_toml(text):
        return "toml"
    return "yaml"


def looks_like_toml(text: str) -> bool:
    """TOML's tables or key/value pairs that TOML reads: a YAML file may have a line like `[a, b]`, but then
    it is not TOML as a whole."""
    if not (_TOML_TABLE.search(text) or _TOML_PAIR.search(text)):
        return False
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return bool(_TOML_TABLE.search(text)) and not re.search(r"^[A-Za-z0-9_\"'-]+:(\s|$)", text, re.M)
    return True


def read_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_POSITION.search(str(exc))
        position = (int(where.group(1)), int(where.group(2))) if where else None
        raise FormatError(f"not valid TOML: {_TOML_POSITION.sub('', str(exc)).strip()}", position) from exc


def read_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON: {exc.msg}", (exc.lineno, exc.colno)) from exc
