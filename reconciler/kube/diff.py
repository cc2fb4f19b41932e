"""How one field's change reads: a unified diff of multi-line strings, and the entries of maps and lists that
were added, removed or changed (list items by their `name` when every item has one, else by index).

Pure functions of two values; `compare` decides which fields changed, this module says how.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["added", "removed", "changed"]
_MARKS: dict[Op, str] = {"added": "+", "removed": "-", "changed": "~"}
# A map or list written on one line up to this length; a longer one is shown entry by entry.
_ONE_LINE = 100
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a map or item of a list, relative to the field: `name`, `a.b`, `[vector]`, `[0].value`."""

    key: str
    op: Op
    live: Any = None  # None: absent
    desired: Any = None

    def lines(self) -> list[str]:
        mark = _MARKS[self.op]
        if is_text(self.live) or is_text(self.desired):
            return [f"{mark} {self.key}:", *(f"    {line}" for line in text_diff(self.live, self.desired))]
        if self.op == "changed":
            return [f"{mark} {self.key}: {show(self.live)} → {show(self.desired)}"]
        return [f"{mark} {self.key}: {show(self.desired if self.op == 'added' else self.live)}"]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "change": self.op, "live": self.live, "desired": self.desired}


def is_text(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value


def show(value: Any) -> str:
    """One value on one line: strings as they are, maps and lists as compact JSON, long ones shortened."""
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return value if len(value) <= _ONE_LINE * 2 else f"{value[: _ONE_LINE * 2]}… ({len(value)} characters)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _ONE_LINE * 2 else f"{text[: _ONE_LINE * 2]}…"


def text_diff(live: str | None, desired: str | None) -> list[str]:
    """A unified diff (hunks only, three lines of context) from the live text to the desired one."""
    before = (live or "").splitlines()
    after = (desired or "").splitlines()
    return list(difflib.unified_diff(before, after, lineterm="", n=3))[2:]


def entries(live: Any, desired: Any) -> tuple[Entry, ...]:
    """The entries that differ between two maps or two lists (either may be absent: None); () otherwise."""
    if not _comparable(live, desired):
        return ()
    return tuple(_entries(_ABSENT if live is None else live, _ABSENT if desired is None else desired, ""))


def _comparable(live: Any, desired: Any) -> bool:
    for shape in (Mapping, list):
        if isinstance(live, shape) and (desired is None or isinstance(desired, shape)):
            return True
        if isinstance(desired, shape) and live is None:
            return True
    return False


def _child(prefix: str, key: str, of_list: bool) -> str:
    if of_list:
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _items(value: Any) -> dict[str, Any]:
    """A map's entries, or a list's items by name when each has one, else by index."""
    if value is _ABSENT:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return {str(i): item for i, item in enumerate(value)}


def _by_name(*lists: Any) -> bool:
    items = [item for value in lists if isinstance(value, list) for item in value]
    return bool(items) and all(isinstance(i, Mapping) and isinstance(i.get("name"), str) for i in items)


def _entries(live: Any, desired: Any, prefix: str) -> Iterator[Entry]:
    of_list = isinstance(live, list) or isinstance(desired, list)
    if of_list and _by_name(live, desired):
        before = {item["name"]: item for item in ([] if live is _ABSENT else live)}
        after = {item["name"]: item for item in ([] if desired is _ABSENT else desired)}
    else:
        before, after = _items(live), _items(desired)
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if old == new:
            continue
        path = _child(prefix, key, of_list)
        one_sided = old is _ABSENT or new is _ABSENT
        if _same_shape(old, new) or (one_sided and _too_long(old if new is _ABSENT else new)):
            yield from _entries(old, new, path)
        elif old is _ABSENT:
            yield Entry(path, "added", desired=new)
        elif new is _ABSENT:
            yield Entry(path, "removed", live=old)
        else:
            yield Entry(path, "changed", old, new)


def _same_shape(old: Any, new: Any) -> bool:
    return (isinstance(old, Mapping) and isinstance(new, Mapping)) or (isinstance(old, list) and isinstance(new, list))


def _too_long(value: Any) -> bool:
    """A non-empty map or list too long to read on one line: its entries are shown instead."""
    return (
        isinstance(value, Mapping | list)
        and bool(value)
        and len(json.dumps(value, ensure_ascii=False, default=str)) > _ONE_LINE
    )
