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
    """One value at one path: what the repo says and what the cluster has (None: absent)."""

    path: str
    desired: Any
    live: Any

    def format(self) -> str:
        return f"{self.path}: {_show(self.live)} → {_show(self.desired)}"

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "live": self.live, "desired": self.desired}


_ABSENT = object()


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return value if len(value) <= 80 and "\n" not in value else f"({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= 80 else f"({type(value).__name__} of {len(value)})"


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
            out.append(FieldChange(path, desired, None if live is _ABSENT else live))
            return
        for key, value in desired.items():
            _compare(value, live.get(key, _ABSENT), f"{path}.{key}", out)
        return
    if isinstance(desired, list) and desired and all(_item_key(i) is not None for i in desired):
        if not isinstance(live, list):
            out.append(FieldChange(path, desired, None if live is _ABSENT else live))
            return
        by_key = {_item_key(item): item for item in live}
        for item in desired:
            key = _item_key(item)
            label = ",".join(str(k) for k in key or () if k is not None)
            _compare(item, by_key.get(key, _ABSENT), f"{path}[{label}]", out)
        return
    if live is _ABSENT:
        if not _is_zero(desired):
            out.append(FieldChange(path, desired, None))
    elif not _same_scalar(desired, live, path):
        out.append(FieldChange(path, desired, live))


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
            out.append(FieldChange(".".join(path), None, _value_at(live, path)))
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
    """Secret values never leave the process: the path says what changed, not to what."""
    if key_kind != "Secret":
        return changes
    return [
        FieldChange(c.path, REDACTED if c.desired is not None else None, REDACTED if c.live is not None else None)
        if c.path.split(".")[0] in _SECRET_FIELDS
        else c
        for c in changes
    ]
