"""Field ownership (metadata.managedFields) and the server-side apply merge, after structured-merge-diff.

A field path is a tuple of FieldsV1 elements: 'f:spec' (map key), 'k:{"name":"app"}' (item of a keyed
list), 'v:"x"' (member of a set list). Atomic lists and scalars are leaves. Each manager entry owns a set
of such paths; the rendering into `fieldsV1` is the nested `f:`/`k:`/`v:` notation of the real server.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str, ...]
ListKeys = Callable[[tuple[str, ...], list[Any]], "tuple[str, ...] | str | None"]

# Fields the server sets itself: nobody owns them (the real server strips them before tracking).
_SERVER_METADATA = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
)
_MISSING = object()


@dataclass
class ManagerEntry:
    manager: str
    operation: str  # "Apply" or "Update"
    api_version: str
    subresource: str = ""
    time: str = ""
    fields: set[Path] = field(default_factory=set)

    def identity(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def render(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "fieldsType": "FieldsV1",
            "fieldsV1": render_fields_v1(self.fields),
        }
        if self.time:
            entry["time"] = self.time
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


@dataclass
class Conflict:
    entry: ManagerEntry
    path: Path

    def describe_manager(self) -> str:
        text = json.dumps(self.entry.manager)
        if self.entry.subresource:
            text += f" with subresource {json.dumps(self.entry.subresource)}"
        if self.entry.operation == "Update":
            text += f" using {self.entry.api_version}"
        return text


class ApplyConflictError(Exception):
    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(conflicts)
        self.conflicts = conflicts

    def message(self) -> str:
        """The text of the real server (k8s.io/apimachinery managedfields/internal/conflict.go)."""
        count = len(self.conflicts)
        if count == 1:
            only = self.conflicts[0]
            return f"Apply failed with 1 conflict: conflict with {only.describe_manager()}: {path_to_string(only.path)}"
        by_manager: dict[str, list[str]] = {}
        for conflict in self.conflicts:
            by_manager.setdefault(conflict.describe_manager(), []).append(path_to_string(conflict.path))
        lines = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {manager}:")
            lines.extend(f"- {path}" for path in by_manager[manager])
        return f"Apply failed with {count} conflicts: " + "\n".join(lines)


# Key fields with a schema default: structured-merge-diff fills them in, so a container port applied
# without a protocol is still keyed `k:{"containerPort":80,"protocol":"TCP"}` as on a real server.
KEY_DEFAULTS: dict[str, Any] = {"protocol": "TCP"}


def _key_value(item: dict[str, Any], key: str) -> Any:
    return item.get(key, KEY_DEFAULTS.get(key))


def encode_key(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    # Go's JSON encoding of the key fields: sorted names, no spaces.
    present = {k: _key_value(item, k) for k in keys if k in item or k in KEY_DEFAULTS}
    return json.dumps(present, sort_keys=True, separators=(",", ":"))


def _matches_key(item: Any, wanted: dict[str, Any]) -> bool:
    return isinstance(item, dict) and all(_key_value(item, k) == v for k, v in wanted.items())


def _keyed(items: list[Any], keys: tuple[str, ...] | str | None) -> bool:
    return isinstance(keys, tuple) and all(isinstance(item, dict) and keys[0] in item for item in items)


def scoped_content(obj: dict[str, Any] | None, subresource: str, has_status: bool) -> dict[str, Any]:
    """The part of an object whose fields are owned through this endpoint (main resource or /status)."""
    if not obj:
        return {}
    if subresource == "status":
        return {"status": copy.deepcopy(obj["status"])} if "status" in obj else {}
    result = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("apiVersion", "kind")}
    if has_status:
        result.pop("status", None)
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        result["metadata"] = {k: v for k, v in metadata.items() if k not in _SERVER_METADATA}
        if not result["metadata"]:
            del result["metadata"]
    return result


def field_set(content: Any, list_keys: ListKeys) -> set[Path]:
    paths: set[Path] = set()
    _walk(content, (), (), list_keys, paths)
    paths.discard(())
    # metadata always exists (name, namespace, ... are stripped before tracking): it is never owned itself.
    paths.discard(("f:metadata",))
    return paths


def _walk(value: Any, path: Path, schema_path: tuple[str, ...], list_keys: ListKeys, out: set[Path]) -> None:
    if isinstance(value, dict):
        if not value:
            out.add(path)
        for key, child in value.items():
            _walk(child, (*path, f"f:{key}"), (*schema_path, key), list_keys, out)
    elif isinstance(value, list):
        keys = list_keys(schema_path, value)
        if not value:
            out.add(path)  # an empty list is owned as such, like an empty map
        elif keys == "set" and all(not isinstance(item, dict | list) for item in value):
            for item in value:
                out.add((*path, "v:" + json.dumps(item, separators=(",", ":"))))
        elif isinstance(keys, tuple) and _keyed(value, keys):
            for item in value:
                item_path = (*path, "k:" + encode_key(item, keys))
                out.add(item_path)
                for key, child in item.items():
                    _walk(child, (*item_path, f"f:{key}"), (*schema_path, key), list_keys, out)
        else:
            out.add(path)  # atomic list: owned as a whole
    else:
        out.add(path)


def map_paths(content: Any, list_keys: ListKeys, is_map: Callable[[tuple[str, ...]], bool]) -> set[Path]:
    """Paths of the non-empty maps (not structs) in `content`: an update that creates one owns it too."""
    found: set[Path] = set()

    def visit(value: Any, path: Path, schema_path: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            if value and path and path[-1].startswith("f:") and is_map(schema_path):
                found.add(path)
            for key, child in value.items():
                visit(child, (*path, f"f:{key}"), (*schema_path, key))
        elif isinstance(value, list):
            keys = list_keys(schema_path, value)
            if isinstance(keys, tuple) and _keyed(value, keys):
                for item in value:
                    item_path = (*path, "k:" + encode_key(item, keys))
                    for key, child in item.items():
                        visit(child, (*item_path, f"f:{key}"), (*schema_path, key))

    visit(content, (), ())
    return found


def value_at(obj: Any, path: Path) -> Any:
    """The value at a field path, or _MISSING."""
    node = obj
    for element in path:
        prefix, text = element[:2], element[2:]
        if prefix == "f:":
            if not isinstance(node, dict) or text not in node:
                return _MISSING
            node = node[text]
        elif prefix == "k:":
            wanted = json.loads(text)
            if not isinstance(node, list):
                return _MISSING
            node = next(
                (i for i in node if _matches_key(i, wanted)),
                _MISSING,
            )
            if node is _MISSING:
                return _MISSING
        elif prefix == "v:":
            wanted = json.loads(text)
            if not isinstance(node, list) or wanted not in node:
                return _MISSING
            node = wanted
        else:
            return _MISSING
    return node


def _remove_at(obj: Any, path: Path) -> None:
    parent = value_at(obj, path[:-1])
    element = path[-1]
    prefix, text = element[:2], element[2:]
    if prefix == "f:" and isinstance(parent, dict):
        parent.pop(text, None)
    elif prefix == "k:" and isinstance(parent, list):
        wanted = json.loads(text)
        parent[:] = [i for i in parent if not _matches_key(i, wanted)]
    elif prefix == "v:" and isinstance(parent, list):
        wanted = json.loads(text)
        parent[:] = [i for i in parent if i != wanted]


def render_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    marked: set[Path] = set(paths)
    for path in sorted(marked):
        node = root
        for element in path:
            node = node.setdefault(element, {})
    # A path that is owned itself and also has owned children is marked with "." (as the real server does).
    for path in marked:
        node = root
        for element in path:
            node = node[element]
        if node and "." not in node:
            node["."] = {}
    return _sorted_tree(root)


def _sorted_tree(node: dict[str, Any]) -> dict[str, Any]:
    return {key: _sorted_tree(node[key]) for key in sorted(node)}


def parse_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    for element, children in tree.items():
        if element == ".":
            paths.add(prefix)
            continue
        path = (*prefix, element)
        if not children:
            paths.add(path)
        else:
            paths |= parse_fields_v1(children, path)
    return paths


def path_to_string(path: Path) -> str:
    """`.spec.containers[name="app"].image`, as conflict messages print field paths."""
    text = ""
    for element in path:
        prefix, rest = element[:2], element[2:]
        if prefix == "f:":
            text += "." + rest
        elif prefix == "k:":
            keys = json.loads(rest)
            text += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        else:
            text += f"[={rest}]"
    return text


def merge_applied(live: Any, applied: Any, list_keys: ListKeys, schema_path: tuple[str, ...] = ()) -> Any:
    """Merge an applied configuration into the live object: maps by key, keyed lists by item key."""
    if isinstance(applied, dict) and isinstance(live, dict):
        result = dict(live)
        for key, value in applied.items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = merge_applied(live.get(key), value, list_keys, (*schema_path, key))
        return result
    if isinstance(applied, list) and isinstance(live, list):
        keys = list_keys(schema_path, live + applied)
        if keys == "set":
            return live + [item for item in applied if item not in live]
        if isinstance(keys, tuple) and _keyed(live, keys) and _keyed(applied, keys):
            merged = list(live)
            for item in applied:
                wanted = encode_key(item, keys)
                index = next((i for i, old in enumerate(merged) if encode_key(old, keys) == wanted), None)
                if index is None:
                    merged.append(copy.deepcopy(item))
                else:
                    merged[index] = merge_applied(merged[index], item, list_keys, schema_path)
            return merged
    return copy.deepcopy(applied)


def _prune(obj: dict[str, Any], paths: set[Path], still_owned: set[Path]) -> None:
    # Remove whole subtrees: an item goes as one, before its key fields could be stripped from it.
    outermost = {path for path in paths if not any(path[:i] in paths for i in range(1, len(path)))}
    for path in sorted(outermost, key=len, reverse=True):
        _remove_at(obj, path)
        # Drop containers that pruning emptied, unless someone owns them as such.
        parent = path[:-1]
        while parent and parent not in still_owned:
            container = value_at(obj, parent)
            if container in ({}, []):
                _remove_at(obj, parent)
                parent = parent[:-1]
            else:
                break


def _is_key_field(path: Path) -> bool:
    if len(path) < 2 or not path[-2].startswith("k:") or not path[-1].startswith("f:"):
        return False
    return path[-1][2:] in json.loads(path[-2][2:])


def _has_owned_descendant(path: Path, owned: set[Path]) -> bool:
    length = len(path)
    return any(len(other) > length and other[:length] == path for other in owned)


def apply(
    live: dict[str, Any],
    applied_content: dict[str, Any],
    live_content: dict[str, Any],
    entries: list[ManagerEntry],
    manager: str,
    api_version: str,
    subresource: str,
    force: bool,
    list_keys: ListKeys,
    now: str,
) -> tuple[dict[str, Any], list[ManagerEntry]]:
    """Server-side apply of `applied_content` (already scoped) by `manager`; returns the new object and entries."""
    entries = [copy.deepcopy(entry) for entry in entries]
    applied_fields = field_set(applied_content, list_keys)
    own_identity = (manager, "Apply", subresource)
    # A conflict is a field another manager owns that this apply would change (an empty map or keyed list
    # merges into what is there, so applying one changes nothing).
    preview = merge_applied(live_content, applied_content, list_keys)
    conflicts: list[Conflict] = []
    for entry in entries:
        if entry.identity() == own_identity:
            continue
        for path in sorted(entry.fields & applied_fields):
            if path[-1][:2] in ("k:", "v:"):
                continue  # owning an item or a set member is shared, only values conflict
            if value_at(live_content, path) != value_at(preview, path):
                conflicts.append(Conflict(entry, path))
    if conflicts and not force:
        raise ApplyConflictError(conflicts)
    for conflict in conflicts:
        conflict.entry.fields.discard(conflict.path)

    own = next((entry for entry in entries if entry.identity() == own_identity), None)
    previous = own.fields if own else set()
    owned_by_others: set[Path] = set()
    for entry in entries:
        if entry.identity() != own_identity:
            owned_by_others |= entry.fields
    keep = owned_by_others | applied_fields
    candidates = {
        path for path in previous - applied_fields if path not in keep and not _has_owned_descendant(path, keep)
    }
    # The key fields of an item that stays (someone else owns part of it) stay with it.
    to_prune = {path for path in candidates if not (_is_key_field(path) and path[:-1] not in candidates)}
    result = copy.deepcopy(live)
    _prune(result, to_prune, keep)
    result = merge_applied(result, applied_content, list_keys)

    if own is None:
        own = ManagerEntry(manager, "Apply", api_version, subresource)
        entries.append(own)
    own.fields = applied_fields
    own.api_version = api_version
    own.time = now
    return result, [entry for entry in entries if entry.fields]


def update(
    old_content: dict[str, Any],
    new_content: dict[str, Any],
    entries: list[ManagerEntry],
    manager: str,
    api_version: str,
    subresource: str,
    list_keys: ListKeys,
    now: str,
    in_scope: Callable[[Path], bool] = lambda path: True,
    is_map: Callable[[tuple[str, ...]], bool] = lambda schema_path: False,
) -> list[ManagerEntry]:
    """Ownership after a non-apply write: the writer takes the fields it changed, removed fields lose owners.

    Unlike apply, an update also owns the maps it brings into existence (labels, data, ...), which the real
    server renders as a "." entry next to their keys.
    """
    entries = [copy.deepcopy(entry) for entry in entries]
    old_fields = field_set(old_content, list_keys)
    new_fields = field_set(new_content, list_keys)
    old_maps = map_paths(old_content, list_keys, is_map)
    new_maps = map_paths(new_content, list_keys, is_map)
    changed = {
        path
        for path in new_fields
        if path not in old_fields
        or (path[-1][:2] not in ("k:", "v:") and value_at(old_content, path) != value_at(new_content, path))
    }
    removed = old_fields - new_fields
    for entry in entries:
        entry.fields -= changed | removed
    changed |= new_maps - old_maps
    # Fields that vanished with a removed parent (an item, a map) lose their owners too.
    existing = new_fields | new_maps
    for entry in entries:
        entry.fields = {path for path in entry.fields if path in existing or not in_scope(path)}
    if changed:
        identity = (manager, "Update", subresource)
        own = next((entry for entry in entries if entry.identity() == identity), None)
        if own is None:
            own = ManagerEntry(manager, "Update", api_version, subresource)
            entries.append(own)
        own.fields |= changed
        own.api_version = api_version
        own.time = now
    return [entry for entry in entries if entry.fields]


def requested_entries(requested: Any, live: list[ManagerEntry]) -> list[ManagerEntry]:
    """The ownership an update starts from: the live one, unless the request sets managedFields itself.

    As in k8s.io/apimachinery's fieldmanager: a single empty entry resets ownership, an empty or
    undecodable list keeps the live ownership (clients unaware of managedFields must not erase it).
    """
    if not isinstance(requested, list) or not requested:
        return live
    if requested == [{}]:
        return []
    entries: list[ManagerEntry] = []
    for raw in requested:
        if not isinstance(raw, dict) or raw.get("fieldsType", "FieldsV1") != "FieldsV1":
            return live
        tree = raw.get("fieldsV1") or {}
        if not isinstance(tree, dict) or not raw.get("manager") or raw.get("operation") not in ("Apply", "Update"):
            return live
        entries.append(
            ManagerEntry(
                manager=str(raw["manager"]),
                operation=str(raw["operation"]),
                api_version=str(raw.get("apiVersion") or ""),
                subresource=str(raw.get("subresource") or ""),
                time=str(raw.get("time") or ""),
                fields=parse_fields_v1(tree),
            )
        )
    return entries


def set_managed_fields(metadata: dict[str, Any], entries: list[ManagerEntry]) -> None:
    """Render ownership into metadata; like any empty list field, no entries means no managedFields key."""
    if entries:
        metadata["managedFields"] = render_entries(entries)
    else:
        metadata.pop("managedFields", None)


def render_entries(entries: list[ManagerEntry]) -> list[dict[str, Any]]:
    return [entry.render() for entry in entries]


def same_ownership(left: list[ManagerEntry], right: list[ManagerEntry]) -> bool:
    """Equal but for timestamps: the real server skips no-op writes even when only `time` would change."""

    def summary(entries: list[ManagerEntry]) -> list[tuple[Any, ...]]:
        return sorted((e.identity(), e.api_version, tuple(sorted(e.fields))) for e in entries)

    return summary(left) == summary(right)
