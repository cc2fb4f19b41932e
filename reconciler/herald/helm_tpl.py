"""Helm's `tpl` over the vector chart's `customConfig`, for what import can render without a release.

The chart renders `customConfig` as a Go template (`tpl (toYaml .Values.customConfig) .`), so Vector's own
`{{ field }}` templates are written escaped, as Go string literals: ``{{`{{ field }}`}}`` or
`{{ "{{ field }}" }}`. Import renders those (and `{{/* comments */}}`, and the `{{-` / `-}}` whitespace trims)
as Helm does, so the imported config is the one Vector runs. Any other action needs the release's values,
which import does not have: it is refused, naming the action.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_INTERPRETED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_SPACE = " \t\r\n"


class UnrenderedAction(ValueError):
    """A template action import cannot render; `action` is its text, `path` where it is in customConfig."""

    def __init__(self, action: str, path: tuple[str | int, ...]) -> None:
        super().__init__(action)
        self.action = action
        self.path = path


def render_values(value: Any, path: tuple[str | int, ...] = ()) -> Any:
    """Every string of a values tree (keys too) rendered as `tpl` renders it."""
    if isinstance(value, Mapping):
        return {render_text(str(k), (*path, str(k))): render_values(v, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [render_values(item, (*path, i)) for i, item in enumerate(value)]
    if isinstance(value, str):
        return render_text(value, path)
    return value


def render_text(text: str, path: tuple[str | int, ...] = ()) -> str:
    if "{{" not in text:
        return text
    out: list[str] = []
    i = 0
    while (start := text.find("{{", i)) >= 0:
        out.append(text[i:start])
        j = start + 2
        if text[j : j + 1] == "-" and text[j + 1 : j + 2] in tuple(_SPACE):
            out[-1] = out[-1].rstrip(_SPACE)
            j += 1
        literal, j = _literal(text, j, path)
        while j < len(text) and text[j] in _SPACE:
            j += 1
        trim_after = text.startswith("-}}", j) and text[j - 1] in _SPACE
        j += 1 if trim_after else 0
        if not text.startswith("}}", j):
            raise UnrenderedAction(_action_at(text, start), path)
        out.append(literal)
        i = j + 2
        if trim_after:
            while i < len(text) and text[i] in _SPACE:
                i += 1
    out.append(text[i:])
    return "".join(out)


def _literal(text: str, j: int, path: tuple[str | int, ...]) -> tuple[str, int]:
    """The string an action outputs and where its text ends: a raw or interpreted string literal, a comment."""
    if text.startswith("/*", j):
        end = text.find("*/", j + 2)
        if end >= 0:
            return "", end + 2
    while j < len(text) and text[j] in _SPACE:
        j += 1
    if text.startswith("`", j):
        end = text.find("`", j + 1)
        if end >= 0:
            return text[j + 1 : end], end + 1
    quoted = _INTERPRETED.match(text, j)
    if quoted:
        try:
            return json.loads(quoted.group(0)), quoted.end()
        except json.JSONDecodeError:  # Go escapes JSON lacks (`\x41`, `\a`): left to Helm
            pass
    raise UnrenderedAction(_action_at(text, j), path)


def _action_at(text: str, start: int) -> str:
    begin = text.rfind("{{", 0, start + 2)
    end = text.find("}}", start)
    return text[begin : end + 2] if end >= 0 else text[begin:]
