"""Pure comparisons of desired and live objects, at the paths we set, and the field-level diffs we show.

Only what we set counts: the server adds defaults and status, other managers add their own fields, and none
of that is drift. Lists of objects keyed by a name (containers, env, ports, volumes, ...) are matched by key,
as server-side apply merges them; other lists are compared whole.

What an API server does to the values it stores is not a difference: quantities are canonicalised (`0.5` is
stored as `500m`), and zero values of `omitempty` fields (``, 0, false, {}, []) are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.kube.diff import Entry, entries, is_text, show, text_diff
from reconciler.model.ownership import DESIRED_HASH_ANNOTATION
from reconciler.model.units import parse_quantity

# Keys that identify the items of associative lists, tried in this order.
_LIST_ITEM_KEYS = (("name",), ("containerPort", "protocol"), ("port", "protocol"), ("mountPath",), ("type",), ("ip",))
# Metadata we set but that is identity (name, namespace) or bookkeeping (our hash): not compared as values.
_METADATA_COMPARED = ("labels", "annotations")
# Fields that hold Kubernetes quantities, by name (resources' requests/limits, storage sizes).
_QUANTITY_FIELDS = frozenset({"cpu", "memory", "storage", "ephemeral-storage", "storageSize"})
REDACTED = "(redacted)"
_SECRET_FIELDS = ("data", "stringData")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One value at one path: what the repo says and what the cluster has (None: absent), and for maps and
    lists the entries that differ (made by `field_change`)."""

    path: str
    desired: Any
    live: Any
    entries: tuple[Entry, ...] = ()

    def lines(self) -> list[str]:
        """As people read it: `path: live → desired`, or `path:` over a unified diff of multi-line text or over
        the entries added (+), removed (-) and changed (~)."""
        if self.entries:
            return [f"{self.path}:", *(f"  {line}" for e in self.entries for line in e.lines())]
        if is_text(self.live) or is_text(self.desired):
            return [f"{self.path}:", *(f"  {line}" for line in text_diff(self.live, self.desired))]
        return [f"{self.path}: {show(self.live)} → {show(self.desired)}"]

    def as_json(self) -> dict[str, Any]:
        result = {"path": self.path, "live": self.live, "desired": self.desired}
        if self.entries:
            result["entries"] = [e.as_json() for e in self.entries]
        elif is_text(self.live) or is_text(self.desired):
            result["diff"] = text_diff(self.live, self.desired)
        return result


def field_change(path: str, desired: Any, live: Any) -> FieldChange:
    return FieldChange(path, desired, live, entries(live, desired))


_ABSENT = object()


def _item_key(item: Any) -> tuple[Any, ...] | None:
    if not isinstance(item, Mapping):
        return None
    for fields in _LIST_ITEM_KEYS:
        if fields[0] in item:
            return tuple(item.get(f, "TCP" if f == "protocol" else None) for f in fields)
    return None


def _compare(desired: Any, live: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            out.append(field_change(path, desired, None if live is _ABSENT else live))
            return
        for key, value in desired.items():
            _compare(value, live.get(key, _ABSENT), f"{path}.{key}", out)
        return
    if isinstance(desired, list) and desired and all(_item_key(i) is not None for i in desired):
        if not isinstance(live, list):
            out.append(field_change(path, desired, None if live is _ABSENT else live))
            return
        by_key = {_item_key(item): item for item in live}
        for item in desired:
            key = _item_key(item)
            label = ",".join(str(k) for k in key or () if k is not None)
            _compare(item, by_key.get(key, _ABSENT), f"{path}[{label}]", out)
        return
    if live is _ABSENT:
        if not _is_zero(desired):
            out.append(field_change(path, desired, None))
    elif not _same_scalar(desired, live, path):
        out.append(field_change(path, desired, live))


def _is_zero(value: Any) -> bool:
    """A value the server drops when it is the zero value of an omitempty field."""
    return value is None or value is False or value == 0 or value in ("", {}, [])


def _same_scalar(desired: Any, live: Any, path: str = "") -> bool:
    if isinstance(desired, list) and isinstance(live, list):
        return len(desired) == len(live) and all(
            not _differences_of(d, item) for d, item in zip(desired, live, strict=True)
        )
    if desired == live:
        return True
    if path.rpartition(".")[2] in _QUANTITY_FIELDS and isinstance(desired, str | int) and isinstance(live, str | int):
        try:
            return parse_quantity(desired) == parse_quantity(live)
        except ValueError:
            return False
    return False


def _differences_of(desired: Any, live: Any) -> list[FieldChange]:
    out: list[FieldChange] = []
    _compare(desired, live, "", out)
    return out


def differences(desired: Mapping[str, Any], live: Mapping[str, Any]) -> list[FieldChange]:
    """Where the live object differs from the desired one at the paths the desired one sets."""
    out: list[FieldChange] = []
    desired_meta = desired.get("metadata") or {}
    live_meta = live.get("metadata") or {}
    for field in _METADATA_COMPARED:
        wanted = {k: v for k, v in (desired_meta.get(field) or {}).items() if k != DESIRED_HASH_ANNOTATION}
        if wanted:
            _compare(wanted, live_meta.get(field) or {}, f"metadata.{field}", out)
    for key, value in desired.items():
        if key not in ("apiVersion", "kind", "metadata"):
            _compare(value, live.get(key, _ABSENT), key, out)
    return out


def removed_fields(desired: Mapping[str, Any], live: Mapping[str, Any], manager: str) -> list[FieldChange]:
    """Top-level paths (two levels deep) the manager last applied that the desired object no longer sets."""
    owned = next(
        (
            entry.get("fieldsV1") or {}
            for entry in (live.get("metadata") or {}).get("managedFields") or []
            if entry.get("manager") == manager and entry.get("operation") == "Apply"
        ),
        None,
    )
    if not owned:
        return []
    out: list[FieldChange] = []
    for path in _owned_paths(owned, (), depth=3):
        if path[0] == "metadata" and (len(path) < 2 or path[1] not in _METADATA_COMPARED):
            continue
        if not _has_path(desired, path) and _has_path(live, path):
            out.append(field_change(".".join(path), None, _value_at(live, path)))
    return out


def _owned_paths(fields: Mapping[str, Any], prefix: tuple[str, ...], depth: int) -> list[tuple[str, ...]]:
    paths = []
    for name, sub in fields.items():
        if not name.startswith("f:"):
            continue  # list items (k:, v:, i:) are compared through their list
        path = (*prefix, name[2:])
        if depth > 1 and isinstance(sub, Mapping) and any(k.startswith("f:") for k in sub):
            paths.extend(_owned_paths(sub, path, depth - 1))
        else:
            paths.append(path)
    return paths


def _has_path(obj: Any, path: Sequence[str]) -> bool:
    return _value_at(obj, path) is not _ABSENT


def _value_at(obj: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(obj, Mapping) or part not in obj:
            return _ABSENT
        obj = obj[part]
    return obj


def redacted(key_kind: str, changes: list[FieldChange]) -> list[FieldChange]:
    """Secret values never leave the process: the path and the keys say what changed, not to what."""
    if key_kind != "Secret":
        return changes
    return [
        FieldChange(
            c.path,
            _redact(c.desired),
            _redact(c.live),
            tuple(Entry(e.key, e.op, _redact(e.live), _redact(e.desired)) for e in c.entries),
        )
        if c.path.split(".")[0] in _SECRET_FIELDS
        else c
        for c in changes
    ]


def _redact(value: Any) -> Any:
    """A map keeps its keys (they name the values, as `kubectl describe` shows them); every value is hidden."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {k: REDACTED for k in value}
    return REDACTED
